package sim

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"sync"
)

// clipFLV is the test video (testdata/README.md): the camera's record
// files and clips are this file; its RTSP streams loop its frames.
//
//go:embed testdata/clip.flv
var clipFLV []byte

// h264Clip is the clip as an RTSP camera sends it: parameter sets and
// access units of NAL units, 25 per second.
type h264Clip struct {
	sps, pps []byte
	aus      [][][]byte
}

var (
	clipOnce sync.Once
	clipData *h264Clip
	clipErr  error
)

func loadClip() (*h264Clip, error) {
	clipOnce.Do(func() { clipData, clipErr = parseClip(clipFLV) })
	return clipData, clipErr
}

// parseClip reads the FLV's AVC sequence header (ISO 14496-15
// AVCDecoderConfigurationRecord) and its frames (4-byte length-prefixed
// NAL units).
func parseClip(raw []byte) (*h264Clip, error) {
	if len(raw) < 13 || string(raw[:3]) != "FLV" {
		return nil, errors.New("sunmilan sim: clip is not FLV")
	}
	c := &h264Clip{}
	for i := 13; i+11 <= len(raw); {
		size := int(raw[i+1])<<16 | int(raw[i+2])<<8 | int(raw[i+3])
		if i+11+size+4 > len(raw) {
			return nil, errors.New("sunmilan sim: clip tag overruns the file")
		}
		body := raw[i+11 : i+11+size]
		i += 11 + size + 4
		if raw[i-11-size-4] != 9 || len(body) < 5 || body[0]&0x0f != 7 {
			continue
		}
		switch body[1] {
		case 0: // sequence header
			if len(body) < 5+8 {
				return nil, errors.New("sunmilan sim: short AVC configuration")
			}
			n := int(binary.BigEndian.Uint16(body[5+6:]))
			p := 5 + 8 + n
			if p+3 > len(body) {
				return nil, errors.New("sunmilan sim: short AVC configuration")
			}
			c.sps = body[5+8 : p]
			m := int(binary.BigEndian.Uint16(body[p+1:]))
			if p+3+m > len(body) {
				return nil, errors.New("sunmilan sim: short AVC configuration")
			}
			c.pps = body[p+3 : p+3+m]
		case 1: // coded frame
			var au [][]byte
			for p := 5; p+4 <= len(body); {
				n := int(binary.BigEndian.Uint32(body[p:]))
				if p+4+n > len(body) {
					return nil, errors.New("sunmilan sim: NAL unit overruns its frame")
				}
				au = append(au, body[p+4:p+4+n])
				p += 4 + n
			}
			c.aus = append(c.aus, au)
		}
	}
	if c.sps == nil || c.pps == nil || len(c.aus) == 0 {
		return nil, errors.New("sunmilan sim: clip has no H.264")
	}
	return c, nil
}
