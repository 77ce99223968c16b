package reportchart

import (
	"bytes"
	"image/png"
	"testing"
)

// The weekly chart is a PNG of the default size, small enough for a robot.
func TestWeekPNGDecodes(t *testing.T) {
	b, err := WeekPNG(Week{Days: []string{"11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06"},
		This: []int64{5, 9, 12, 0, 40, 88, 61}, Before: []int64{7, 7, 7, 7, 7, 7, 7},
		ThisLegend: "11-30..12-06", BeforeLegend: "11-23..11-29", Rank: 2, Of: 5, Range: "2026-11-30 .. 2026-12-06"})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// 640×360 points at 96 dpi.
	if s := img.Bounds().Size(); s.X != 853 || s.Y != 480 {
		t.Fatalf("size %v", s)
	}
	if len(b) < 5_000 || len(b) > 2<<20 {
		t.Fatalf("%d bytes", len(b))
	}
	// Not blank: the bars' colour is drawn.
	dark := 0
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 == 0x1f && g>>8 == 0x6f && bl>>8 == 0xd1 {
				dark++
			}
		}
	}
	if dark < 500 {
		t.Fatalf("only %d pixels of this week's bars", dark)
	}
}

func TestPNGRefusesBadInput(t *testing.T) {
	if _, err := PNG(Bars{}); err == nil {
		t.Error("empty chart drawn")
	}
	if _, err := PNG(Bars{Labels: []string{"a", "b"}, Series: []Series{{Values: []float64{1}}}}); err == nil {
		t.Error("short series drawn")
	}
	if _, err := PNG(Bars{Labels: []string{"a"}, Series: []Series{{Values: []float64{1}}}, Width: 5000, Height: 300}); err == nil {
		t.Error("huge chart drawn")
	}
}

// BenchmarkWeekPNG: one weekly chart (what a Monday costs per shop).
func BenchmarkWeekPNG(b *testing.B) {
	w := Week{Days: []string{"11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06"},
		This: []int64{5, 9, 12, 0, 40, 88, 61}, Before: []int64{7, 7, 7, 7, 7, 7, 7}, Rank: 2, Of: 5, Range: "2026-11-30 .. 2026-12-06"}
	var n int
	for b.Loop() {
		p, err := WeekPNG(w)
		if err != nil {
			b.Fatal(err)
		}
		n = len(p)
	}
	b.ReportMetric(float64(n), "png-bytes")
}
