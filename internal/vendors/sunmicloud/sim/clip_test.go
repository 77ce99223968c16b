package sim

import (
	"testing"
	"time"
)

func TestClipParses(t *testing.T) {
	c, err := loadClip()
	if err != nil {
		t.Fatal(err)
	}
	if c.duration != 10000 || len(c.frames) != 250 || len(c.segments) != 10 {
		t.Fatalf("clip: %d ms, %d frames, %d segments", c.duration, len(c.frames), len(c.segments))
	}
	// -g 25 at 25 fps: a keyframe each second.
	for i, f := range c.frames {
		if f.keyframe != (i%25 == 0) {
			t.Fatalf("frame %d keyframe=%v", i, f.keyframe)
		}
	}
	loop, idx := c.position(23*time.Second + 500*time.Millisecond)
	if loop != 2 || c.frames[idx].ts != 3480 || c.lastKeyframe(idx) != 75 {
		t.Fatalf("position: loop %d frame %d (%d ms) key %d", loop, idx, c.frames[idx].ts, c.lastKeyframe(idx))
	}
}

// firstPTS finds the first PES header's PTS in a TS segment.
func firstPTS(t *testing.T, b []byte) uint64 {
	t.Helper()
	for p := 0; p+188 <= len(b); p += 188 {
		pkt := b[p : p+188]
		if pkt[1]&0x40 == 0 {
			continue
		}
		i := 4
		if pkt[3]>>4&2 != 0 {
			i = 5 + int(pkt[4])
		}
		if pes := pkt[i:]; pes[0] == 0 && pes[1] == 0 && pes[2] == 1 && pes[7]&0x80 != 0 {
			f := pes[9:14]
			return uint64(f[0]>>1&7)<<30 | uint64(f[1])<<22 | uint64(f[2]>>1)<<15 | uint64(f[3])<<7 | uint64(f[4]>>1)
		}
	}
	t.Fatal("no PTS")
	return 0
}

// A looped segment keeps rising timestamps: segment 13 is file 3 played
// one loop (10 s = 900000 ticks of 90 kHz) later.
func TestSegmentTimestampsRiseAcrossLoops(t *testing.T) {
	c, err := loadClip()
	if err != nil {
		t.Fatal(err)
	}
	p3, p13, p23 := firstPTS(t, c.segment(3)), firstPTS(t, c.segment(13)), firstPTS(t, c.segment(23))
	if p13-p3 != 900000 || p23-p3 != 1800000 {
		t.Fatalf("PTS %d %d %d", p3, p13, p23)
	}
	if p9, p10 := firstPTS(t, c.segment(9)), firstPTS(t, c.segment(10)); p10 <= p9 {
		t.Fatalf("PTS falls across the loop: %d then %d", p9, p10)
	}
	// The committed file is untouched.
	if firstPTS(t, c.segments[3]) != p3 {
		t.Fatal("segment() changed the clip")
	}
}
