package photos

import (
	"bytes"
	"net/http"
	"strings"
)

// Format is what an upload really is, read from its bytes (never from its
// name or the Content-Type the browser sent).
type Format string

// The two formats the vendors take (NOTES 9: jpg/png), and the names of the
// ones people commonly try instead, so the refusal can say what was sent.
const (
	JPEG Format = "JPEG"
	PNG  Format = "PNG"
)

// Sniff names the format of data from its first bytes: "JPEG" and "PNG" are
// accepted; anything else gets a name a person recognises ("GIF", "HEIC",
// "PDF", "text"...) or "unknown".
func Sniff(data []byte) Format {
	head := data
	if len(head) > 512 {
		head = head[:512]
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		// ISO base media: the brand says which (iPhones send HEIC).
		switch brand := string(head[8:12]); brand {
		case "avif", "avis":
			return "AVIF"
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
			return "HEIC"
		default:
			return "video (" + Format(strings.TrimSpace(brand)) + ")"
		}
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "TIFF"
	}
	// The standard library knows the rest (GIF, WebP, BMP, PDF, ZIP, text).
	ct := http.DetectContentType(head)
	ct, _, _ = strings.Cut(ct, ";")
	switch ct {
	case "image/gif":
		return "GIF"
	case "image/webp":
		return "WebP"
	case "image/bmp":
		return "BMP"
	case "image/x-icon":
		return "ICO"
	case "application/pdf":
		return "PDF"
	case "application/zip":
		return "ZIP"
	case "text/plain", "text/html", "text/xml":
		return "text"
	}
	if strings.HasPrefix(ct, "video/") || strings.HasPrefix(ct, "audio/") {
		return Format(strings.SplitN(ct, "/", 2)[0])
	}
	return "unknown"
}
