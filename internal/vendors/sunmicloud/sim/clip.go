package sim

import (
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"sync"
	"time"
)

// The test clip the simulator streams: 10 s of ffmpeg's test pattern, H.264
// baseline, 640x360, 25 fps, a keyframe every second, as FLV, and the same
// video cut into ten 1 s MPEG-TS segments. See testdata/README.md for the
// exact commands. ffmpeg made them once; nothing runs it at run time.
//
//go:embed testdata/clip.flv testdata/hls/*.ts
var clipFiles embed.FS

// flvTag is one FLV tag of the clip (FLV spec v10 §E.4.1).
type flvTag struct {
	typ       byte   // 8 audio, 9 video, 18 script
	ts        uint32 // milliseconds
	data      []byte // the tag's body
	keyframe  bool   // a video keyframe (frame type 1)
	seqHeader bool   // an AVC sequence header (AVCPacketType 0)
	endOfSeq  bool   // an AVC end of sequence (AVCPacketType 2)
}

// clip is the parsed test video.
type clip struct {
	header   []byte   // the 9-byte FLV header
	meta     *flvTag  // onMetaData
	seq      *flvTag  // AVC decoder configuration
	frames   []flvTag // coded frames, in order, the first a keyframe
	duration uint32   // ms: last frame + one frame interval
	segments [][]byte // MPEG-TS, segDuration each
	segDur   time.Duration
}

const segDuration = time.Second

var (
	clipOnce sync.Once
	clipData *clip
	clipErr  error
)

// loadClip parses the embedded clip once (it never changes).
func loadClip() (*clip, error) {
	clipOnce.Do(func() { clipData, clipErr = parseClip() })
	return clipData, clipErr
}

func parseClip() (*clip, error) {
	raw, err := clipFiles.ReadFile("testdata/clip.flv")
	if err != nil {
		return nil, err
	}
	if len(raw) < 13 || string(raw[:3]) != "FLV" {
		return nil, errors.New("sim: clip.flv is not FLV")
	}
	c := &clip{header: raw[:9], segDur: segDuration}
	for i := 13; i+11 <= len(raw); {
		size := int(raw[i+1])<<16 | int(raw[i+2])<<8 | int(raw[i+3])
		if i+11+size+4 > len(raw) {
			return nil, fmt.Errorf("sim: clip.flv: tag at %d overruns the file", i)
		}
		t := flvTag{typ: raw[i], ts: uint32(raw[i+4])<<16 | uint32(raw[i+5])<<8 | uint32(raw[i+6]) | uint32(raw[i+7])<<24,
			data: raw[i+11 : i+11+size]}
		if t.typ == 9 && size >= 2 {
			t.keyframe = t.data[0]>>4 == 1
			t.seqHeader = t.data[0]&0x0f == 7 && t.data[1] == 0
			t.endOfSeq = t.data[0]&0x0f == 7 && t.data[1] == 2
		}
		switch {
		case t.typ == 18 && c.meta == nil:
			c.meta = &t
		case t.seqHeader:
			c.seq = &t
		case t.typ == 9 && !t.endOfSeq:
			c.frames = append(c.frames, t)
		}
		i += 11 + size + 4
	}
	if c.seq == nil || len(c.frames) < 2 || !c.frames[0].keyframe {
		return nil, errors.New("sim: clip.flv has no AVC sequence header or keyframe")
	}
	n := len(c.frames)
	c.duration = c.frames[n-1].ts + (c.frames[n-1].ts - c.frames[n-2].ts)
	names, err := clipFiles.ReadDir("testdata/hls")
	if err != nil {
		return nil, err
	}
	for _, e := range names { // seg00.ts ... seg09.ts, in name order
		b, err := clipFiles.ReadFile(path.Join("testdata/hls", e.Name()))
		if err != nil {
			return nil, err
		}
		if len(b)%188 != 0 {
			return nil, fmt.Errorf("sim: %s is not whole TS packets", e.Name())
		}
		c.segments = append(c.segments, b)
	}
	if time.Duration(len(c.segments))*c.segDur != time.Duration(c.duration)*time.Millisecond {
		return nil, fmt.Errorf("sim: %d segments of %s do not make the clip's %d ms", len(c.segments), c.segDur, c.duration)
	}
	return c, nil
}

// appendTag appends t as an FLV tag with timestamp ts, followed by its
// PreviousTagSize.
func appendTag(b []byte, typ byte, ts uint32, data []byte) []byte {
	n := len(data)
	b = append(b, typ, byte(n>>16), byte(n>>8), byte(n), byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24), 0, 0, 0)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, uint32(11+n))
}

// flvStart is the FLV header, PreviousTagSize0, metadata and codec
// configuration: what a player needs before the first frame.
func (c *clip) flvStart() []byte {
	b := append([]byte{}, c.header...)
	b = append(b, 0, 0, 0, 0)
	if c.meta != nil {
		b = appendTag(b, c.meta.typ, 0, c.meta.data)
	}
	return appendTag(b, c.seq.typ, 0, c.seq.data)
}

// position returns, for a stream time of elapsed since its start, the loop
// number and the index of the last frame due by then.
func (c *clip) position(elapsed time.Duration) (loop int, idx int) {
	ms := uint32(elapsed.Milliseconds())
	loop, off := int(ms/c.duration), ms%c.duration
	for i, f := range c.frames {
		if f.ts > off {
			break
		}
		idx = i
	}
	return loop, idx
}

// lastKeyframe is the index of the keyframe at or before idx.
func (c *clip) lastKeyframe(idx int) int {
	for i := idx; i > 0; i-- {
		if c.frames[i].keyframe {
			return i
		}
	}
	return 0
}

// segment returns segment number seq of an endless loop of the clip: the
// TS file seq % n with every PTS, DTS and PCR moved on by the loops before,
// so timestamps keep rising across loops as a live encoder's do.
func (c *clip) segment(seq int64) []byte {
	n := int64(len(c.segments))
	src := c.segments[seq%n]
	shift := uint64(seq/n) * uint64(c.duration) * 90 // 90 kHz ticks
	out := make([]byte, len(src))
	copy(out, src)
	if shift > 0 {
		shiftTS(out, shift)
	}
	return out
}

// shiftTS adds shift (90 kHz) to the PCRs, PTSs and DTSs of MPEG-TS packets
// in place (ISO/IEC 13818-1 §2.4.3.4 adaptation field, §2.4.3.6 PES header).
func shiftTS(b []byte, shift uint64) {
	for p := 0; p+188 <= len(b); p += 188 {
		pkt := b[p : p+188]
		if pkt[0] != 0x47 {
			continue
		}
		pusi := pkt[1]&0x40 != 0
		afc := pkt[3] >> 4 & 3
		i := 4
		if afc&2 != 0 { // adaptation field
			alen := int(pkt[4])
			if alen > 0 && pkt[5]&0x10 != 0 && alen >= 7 { // PCR flag
				base := uint64(pkt[6])<<25 | uint64(pkt[7])<<17 | uint64(pkt[8])<<9 | uint64(pkt[9])<<1 | uint64(pkt[10])>>7
				base = (base + shift) & (1<<33 - 1)
				pkt[6], pkt[7], pkt[8], pkt[9] = byte(base>>25), byte(base>>17), byte(base>>9), byte(base>>1)
				pkt[10] = pkt[10]&0x7f | byte(base&1)<<7
			}
			i = 5 + alen
		}
		if afc&1 == 0 || !pusi || i+14 > 188 {
			continue
		}
		pes := pkt[i:]
		if pes[0] != 0 || pes[1] != 0 || pes[2] != 1 {
			continue
		}
		flags := pes[7] >> 6
		if flags&2 != 0 {
			shiftPESTime(pes[9:14], shift)
		}
		if flags == 3 && len(pes) >= 19 {
			shiftPESTime(pes[14:19], shift)
		}
	}
}

// shiftPESTime adds shift to a 5-byte PTS or DTS field, keeping its
// prefix and marker bits.
func shiftPESTime(f []byte, shift uint64) {
	v := uint64(f[0]>>1&7)<<30 | uint64(f[1])<<22 | uint64(f[2]>>1)<<15 | uint64(f[3])<<7 | uint64(f[4]>>1)
	v = (v + shift) & (1<<33 - 1)
	f[0] = f[0]&0xf1 | byte(v>>29)&0x0e
	f[1] = byte(v >> 22)
	f[2] = byte(v>>14) | 1
	f[3] = byte(v >> 7)
	f[4] = byte(v<<1) | 1
}
