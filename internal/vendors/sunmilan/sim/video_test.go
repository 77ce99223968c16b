package sim

import (
	"testing"
	"time"
)

// The SD card's files: cut at whole minutes, only those overlapping the
// range; a factory reset keeps them, formatting the card erases them.
func TestRecordFilesAndTheSDCard(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c, err := New(Options{SN: "S9", AppID: "A", Secret: "S", ActivationCode: "X", Activated: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	base := now.Unix() - now.Unix()%60 - 3600
	c.SetRecorded(Span{From: base + 30, To: base + 150}, Span{From: base + 600})
	files := c.recordFiles(base+100, base+700)
	want := []recordFileT{{base + 60, base + 120}, {base + 120, base + 150}, {base + 600, base + 660}, {base + 660, base + 720}}
	if len(files) != len(want) {
		t.Fatalf("files %v", files)
	}
	for i := range want {
		if files[i] != want[i] {
			t.Fatalf("file %d: %v, want %v", i, files[i], want[i])
		}
	}
	if n := len(c.recordFiles(base, now.Unix())); n != 3+50+1 { // 50 whole minutes and the 20 s of this one
		t.Fatalf("%d files up to now", n)
	}
	c.mu.Lock()
	factoryReset(c, nil)
	kept := len(c.st.Recorded)
	formatSD(c, nil)
	after := c.st.Recorded
	c.mu.Unlock()
	if kept != 2 || len(after) != 1 || after[0] != (Span{From: now.Unix()}) {
		t.Fatalf("after reset %d spans, after format %v", kept, after)
	}
}
