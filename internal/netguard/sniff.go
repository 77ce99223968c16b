package netguard

import "bytes"

// SniffPicture is the file extension of an event picture by its magic
// bytes (".jpg" or ".png"), or "" for anything else: the Content-Type a
// server sends is not believed.
func SniffPicture(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return ".jpg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return ".png"
	}
	return ""
}

// SniffClip is the media type of a camera clip by its magic bytes, or ""
// when it is not the type 003 documents: the notification center's
// video_url names an .flv (003 §1.3 "dynamic_detect_event"), an FLV file
// (Adobe FLV spec v10.1 annex E: "FLV", version 1).
func SniffClip(b []byte) string {
	if len(b) >= 4 && string(b[:3]) == "FLV" && b[3] == 1 {
		return "video/x-flv"
	}
	return ""
}
