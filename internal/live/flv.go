package live

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// FLV as the fan-out needs it (Adobe FLV spec v10.1, annex E): a 9-byte
// header, PreviousTagSize0, then tags of an 11-byte header, a body and the
// 4-byte PreviousTagSize.

const (
	flvHeaderLen = 9 + 4 // header + PreviousTagSize0
	tagHeaderLen = 11
	maxTagBody   = 8 << 20 // a tag larger than this is not video we can use

	tagAudio  = 8
	tagVideo  = 9
	tagScript = 18
)

// tagKind is what a tag means to a late joiner.
type tagKind int

const (
	kindFrame       tagKind = iota // an ordinary audio or video frame
	kindKeyframe                   // a video keyframe: a new GOP starts here
	kindMeta                       // onMetaData
	kindVideoConfig                // AVC/HEVC decoder configuration
	kindAudioConfig                // AAC AudioSpecificConfig
	kindEndOfSeq                   // AVC end of sequence: not worth replaying
)

// flvTag is one whole tag as read from upstream, PreviousTagSize included:
// the bytes are sent to every viewer as they are.
type flvTag struct {
	raw  []byte
	kind tagKind
	ts   uint32
}

var errNotFLV = errors.New("live: upstream is not FLV")

// flvReader reads tags from an FLV stream.
type flvReader struct {
	r *bufio.Reader
}

func newFLVReader(r io.Reader) *flvReader { return &flvReader{r: bufio.NewReaderSize(r, 64<<10)} }

// header reads the FLV header and PreviousTagSize0.
func (fr *flvReader) header() ([]byte, error) {
	h := make([]byte, flvHeaderLen)
	if _, err := io.ReadFull(fr.r, h); err != nil {
		return nil, err
	}
	if string(h[:3]) != "FLV" {
		return nil, errNotFLV
	}
	return h, nil
}

// next reads one tag.
func (fr *flvReader) next() (flvTag, error) {
	var h [tagHeaderLen]byte
	if _, err := io.ReadFull(fr.r, h[:]); err != nil {
		return flvTag{}, err
	}
	size := int(h[1])<<16 | int(h[2])<<8 | int(h[3])
	if size > maxTagBody {
		return flvTag{}, fmt.Errorf("live: FLV tag of %d bytes", size)
	}
	raw := make([]byte, tagHeaderLen+size+4)
	copy(raw, h[:])
	if _, err := io.ReadFull(fr.r, raw[tagHeaderLen:]); err != nil {
		return flvTag{}, err
	}
	t := flvTag{raw: raw, ts: uint32(h[4])<<16 | uint32(h[5])<<8 | uint32(h[6]) | uint32(h[7])<<24}
	t.kind = classify(h[0]&0x1f, raw[tagHeaderLen:tagHeaderLen+size])
	return t, nil
}

// classify tells configuration and keyframes from ordinary frames.
func classify(typ byte, body []byte) tagKind {
	switch typ {
	case tagScript:
		return kindMeta
	case tagVideo:
		if len(body) < 2 {
			return kindFrame
		}
		frameType, codec := body[0]>>4, body[0]&0x0f
		if body[0]&0x80 != 0 { // Enhanced RTMP (HEVC, AV1): packet type in the low nibble
			switch body[0] & 0x0f {
			case 0:
				return kindVideoConfig
			case 2:
				return kindEndOfSeq
			}
			if frameType&0x07 == 1 {
				return kindKeyframe
			}
			return kindFrame
		}
		if codec == 7 || codec == 12 { // AVC, or HEVC the legacy way
			switch body[1] {
			case 0:
				return kindVideoConfig
			case 2:
				return kindEndOfSeq
			}
		}
		if frameType == 1 {
			return kindKeyframe
		}
	case tagAudio:
		if len(body) >= 2 && body[0]>>4 == 10 && body[1] == 0 { // AAC sequence header
			return kindAudioConfig
		}
	}
	return kindFrame
}
