package photos

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"os"
	"testing"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// fuzzSeeds are real pictures and their damaged variants.
func fuzzSeeds(f *testing.F) [][]byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(3, 3, color.RGBA{255, 0, 0, 255})
	jpg := encodeJPEG(f, img, 80)
	seeds := [][]byte{
		jpg,
		withOrientation(jpg, 6, true),
		withOrientation(jpg, 3, false),
		encodePNG(f, img),
		pngBomb(100000, 100000),
		[]byte("GIF89a\x01\x00\x01\x00"),
		[]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"),
		[]byte("II*\x00\x08\x00\x00\x00"),
		[]byte("%PDF-1.7\n"),
		[]byte("hello, this is not a picture"),
		{0xFF, 0xD8},
	}
	if b, err := os.ReadFile("testdata/truncated.jpg"); err == nil {
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzSniff: the format comes from the leading bytes only, and JPEG or PNG
// is named exactly when the bytes start with that format's signature.
func FuzzSniff(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := Sniff(data)
		if got == "" {
			t.Fatal("empty format name")
		}
		if isJPEG := bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}); (got == JPEG) != isJPEG {
			t.Fatalf("Sniff = %q for a head %x (JPEG signature: %v)", got, data[:min(8, len(data))], isJPEG)
		}
		if isPNG := bytes.HasPrefix(data, pngSignature); (got == PNG) != isPNG {
			t.Fatalf("Sniff = %q for a head %x (PNG signature: %v)", got, data[:min(8, len(data))], isPNG)
		}
		if len(data) > 512 {
			if head := Sniff(data[:512]); head != got {
				t.Fatalf("Sniff reads past 512 bytes: %q, head alone %q", got, head)
			}
		}
	})
}

// FuzzOrientation: the EXIF reader answers 1..8 for anything, 1 for what
// is not a JPEG, and reads back the tag of an EXIF segment placed first.
func FuzzOrientation(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint16(6), true)
	}
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0}, uint16(9), false)
	f.Fuzz(func(t *testing.T, data []byte, o uint16, big bool) {
		got := orientation(data)
		if got < 1 || got > 8 {
			t.Fatalf("orientation = %d", got)
		}
		if !bytes.HasPrefix(data, []byte{0xFF, 0xD8}) && got != 1 {
			t.Fatalf("orientation %d read from a non-JPEG", got)
		}
		// An EXIF segment right after the start of image is read whatever
		// follows it.
		jpg := withOrientation(append([]byte{0xFF, 0xD8}, data...), o, big)
		want := 1
		if o >= 1 && o <= 8 {
			want = int(o)
		}
		if got := orientation(jpg); got != want {
			t.Fatalf("EXIF orientation %d read as %d", o, got)
		}
	})
}

// fuzzLimits keep a fuzzed picture small: the pipeline's limits, scaled
// down so one input decodes in a millisecond or so.
var fuzzLimits = Limits{
	MaxBytes: 1 << 20, MaxSide: 400, MaxPixels: 400 * 300, MinSide: 16,
	OutWidth: 160, OutHeight: 120, OutBytes: 60_000, ThumbSide: 32,
}

// FuzzPipeline: Check refuses by name what is not a JPEG or PNG and
// passes only dimensions within the limits; what Process makes of a
// passed picture is a JPEG inside the output box and byte limit.
func FuzzPipeline(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	p, err := New(fuzzLimits, Options{Workers: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		format, cfg, err := p.Check(data)
		var unsup *UnsupportedError
		switch {
		case len(data) == 0:
			if !errors.Is(err, ErrEmpty) {
				t.Fatalf("empty input: %v", err)
			}
			return
		case format != JPEG && format != PNG:
			if !errors.As(err, &unsup) || unsup.Format != Sniff(data) {
				t.Fatalf("a %q passed Check or was refused as something else: %v", format, err)
			}
			return
		case err != nil:
			return
		}
		lim := p.Limits()
		if cfg.Width < lim.MinSide || cfg.Height < lim.MinSide || cfg.Width > lim.MaxSide || cfg.Height > lim.MaxSide ||
			int64(cfg.Width)*int64(cfg.Height) > lim.MaxPixels {
			t.Fatalf("Check passed %dx%d", cfg.Width, cfg.Height)
		}
		res, err := p.Process(context.Background(), data)
		if err != nil {
			return
		}
		if Sniff(res.JPEG) != JPEG || len(res.JPEG) > lim.OutBytes {
			t.Fatalf("result is a %q of %d bytes", Sniff(res.JPEG), len(res.JPEG))
		}
		w, h := lim.OutWidth, lim.OutHeight // the upright result fits the box
		if res.Width > w || res.Height > h || res.Width < 1 || res.Height < 1 {
			t.Fatalf("result %dx%d does not fit %dx%d (orientation %d)", res.Width, res.Height, w, h, res.Orientation)
		}
		if res.Source != format || res.SourceWidth != cfg.Width || res.SourceHeight != cfg.Height {
			t.Fatalf("result describes %s %dx%d, Check saw %s %dx%d", res.Source, res.SourceWidth, res.SourceHeight, format, cfg.Width, cfg.Height)
		}
	})
}
