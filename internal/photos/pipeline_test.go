package photos

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/draw"
)

func newPipeline(t testing.TB) *Pipeline {
	t.Helper()
	p, err := New(DefaultLimits, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func process(t testing.TB, p *Pipeline, data []byte) Result {
	t.Helper()
	res, err := p.Process(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkVendorReady: a JPEG that decodes, within 1920x1080 and 1,000,000 bytes.
func checkVendorReady(t *testing.T, res Result) image.Image {
	t.Helper()
	if len(res.JPEG) == 0 || len(res.JPEG) > 1_000_000 {
		t.Fatalf("JPEG of %d bytes", len(res.JPEG))
	}
	if Sniff(res.JPEG) != JPEG {
		t.Fatal("result is not a JPEG")
	}
	img, err := jpeg.Decode(bytes.NewReader(res.JPEG))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != res.Width || b.Dy() != res.Height || b.Dx() > 1920 || b.Dy() > 1080 {
		t.Fatalf("result %dx%d (reported %dx%d)", b.Dx(), b.Dy(), res.Width, res.Height)
	}
	return img
}

func TestAstronautHasOneFace(t *testing.T) {
	p := newPipeline(t)
	res := process(t, p, readFile(t, "astronaut.png"))
	checkVendorReady(t, res)
	if res.Source != PNG || res.Width != 512 || res.Height != 512 || res.Orientation != 1 {
		t.Fatalf("result %+v", res)
	}
	if err := res.FaceError(); err != nil {
		t.Fatalf("FaceError = %v, faces %+v", err, res.Faces)
	}
	// Eileen Collins' face is in the upper middle of the picture.
	f := res.Faces[0]
	cx, cy := f.X+f.Size/2, f.Y+f.Size/2
	if cx < 180 || cx > 260 || cy < 80 || cy > 140 || f.Size < 80 || f.Size > 160 {
		t.Fatalf("face box %+v is not on the face", f)
	}
	thumb, err := jpeg.Decode(bytes.NewReader(res.Thumb))
	if err != nil || thumb.Bounds().Dx() != 160 || thumb.Bounds().Dy() != 160 {
		t.Fatalf("thumbnail: %v %v", err, thumb.Bounds())
	}
}

func TestNoFace(t *testing.T) {
	p := newPipeline(t)
	for _, name := range []string{"chelsea.png", "coffee.png"} {
		res := process(t, p, readFile(t, name))
		checkVendorReady(t, res)
		if err := res.FaceError(); !errors.Is(err, ErrNoFace) {
			t.Errorf("%s: FaceError = %v (faces %+v), want ErrNoFace", name, err, res.Faces)
		}
		if res.Thumb != nil {
			t.Errorf("%s: thumbnail without a face", name)
		}
	}
}

func TestTwoFaces(t *testing.T) {
	p := newPipeline(t)
	res := process(t, p, encodePNG(t, twoAstronauts(t)))
	var many *ManyFacesError
	if err := res.FaceError(); !errors.As(err, &many) || many.Count != 2 {
		t.Fatalf("FaceError = %v, faces %+v", err, res.Faces)
	}
	// One face in each half, where the page will draw the boxes.
	left, right := res.Faces[0], res.Faces[1]
	if left.X > right.X {
		left, right = right, left
	}
	if left.X+left.Size > 512 || right.X < 512 {
		t.Fatalf("boxes %+v %+v", left, right)
	}
}

func TestTruncatedJPEG(t *testing.T) {
	p := newPipeline(t)
	_, err := p.Process(context.Background(), readFile(t, "truncated.jpg"))
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}

// A PNG declaring 65535x65535 is refused from its header: nothing near the
// 17 GB it would take is ever allocated.
func TestDecompressionBombRefusedBeforeDecoding(t *testing.T) {
	p := newPipeline(t)
	bomb := pngBomb(65535, 65535)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := p.Process(context.Background(), bomb)
	runtime.ReadMemStats(&after)
	var dim *DimensionsError
	if !errors.As(err, &dim) || dim.Width != 65535 || dim.Height != 65535 || dim.TooSmall {
		t.Fatalf("err = %v, want a DimensionsError for 65535x65535", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Fatalf("refusing the bomb allocated %d bytes: it was decoded", alloc)
	}
	if !strings.Contains(err.Error(), "65535x65535") {
		t.Fatalf("message %q", err)
	}
}

func TestTinyImageRefused(t *testing.T) {
	p := newPipeline(t)
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	_, err := p.Process(context.Background(), encodePNG(t, img))
	var dim *DimensionsError
	if !errors.As(err, &dim) || !dim.TooSmall {
		t.Fatalf("err = %v", err)
	}
}

func TestBigPhotoEndsSmall(t *testing.T) {
	p := newPipeline(t)
	src := encodeJPEG(t, bigPhoto(t, 6000, 4000), 92)
	if len(src) < 1_000_000 {
		t.Fatalf("the test photo is only %d bytes; it should be a heavy one", len(src))
	}
	res := process(t, p, src)
	img := checkVendorReady(t, res)
	if res.SourceWidth != 6000 || res.SourceHeight != 4000 || res.Width != 1620 || res.Height != 1080 {
		t.Fatalf("%dx%d -> %dx%d, want 6000x4000 -> 1620x1080", res.SourceWidth, res.SourceHeight, res.Width, res.Height)
	}
	if err := res.FaceError(); err != nil {
		t.Fatalf("face lost in scaling: %v %+v", err, res.Faces)
	}
	_ = img
}

func TestEXIFRotatedPhotoEndsUpright(t *testing.T) {
	p := newPipeline(t)
	upright := portrait(t) // 512x800, the face upright
	for _, big := range []bool{true, false} {
		stored := encodeJPEG(t, rotateCCW(upright), 95) // 800x512 on disk
		res := process(t, p, withOrientation(stored, 6, big))
		img := checkVendorReady(t, res)
		if res.Orientation != 6 || res.Width != 512 || res.Height != 800 {
			t.Fatalf("orientation %d, %dx%d; want 6, 512x800", res.Orientation, res.Width, res.Height)
		}
		if err := res.FaceError(); err != nil {
			t.Fatalf("no upright face after orientation: %v", err)
		}
		if d := meanDiff(img, upright); d > 12 {
			t.Fatalf("result differs from the upright picture by %.1f per channel", d)
		}
	}
	// Without the tag the same bytes stay sideways: the face is not found,
	// which is why the orientation matters.
	res := process(t, p, encodeJPEG(t, rotateCCW(upright), 95))
	if res.Width != 800 || res.FaceError() == nil {
		t.Fatalf("sideways photo: %dx%d faces %+v", res.Width, res.Height, res.Faces)
	}
}

func meanDiff(a image.Image, b *image.RGBA) float64 {
	var sum float64
	var n int
	bb := b.Bounds()
	for y := bb.Min.Y; y < bb.Max.Y; y += 3 {
		for x := bb.Min.X; x < bb.Max.X; x += 3 {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			c := b.RGBAAt(x, y)
			sum += math.Abs(float64(r1>>8)-float64(c.R)) + math.Abs(float64(g1>>8)-float64(c.G)) + math.Abs(float64(b1>>8)-float64(c.B))
			n += 3
		}
	}
	return sum / float64(n)
}

func TestEveryOrientation(t *testing.T) {
	// A 2x1 picture, red then blue, through each of the eight orientations
	// (EXIF 2.3 tag 0x0112): where red ends up.
	src := image.NewRGBA(image.Rect(0, 0, 2, 1))
	src.SetRGBA(0, 0, color.RGBA{255, 0, 0, 255})
	src.SetRGBA(1, 0, color.RGBA{0, 0, 255, 255})
	want := map[int]struct {
		w, h, rx, ry int
	}{
		1: {2, 1, 0, 0}, 2: {2, 1, 1, 0}, 3: {2, 1, 1, 0}, 4: {2, 1, 0, 0},
		5: {1, 2, 0, 0}, 6: {1, 2, 0, 0}, 7: {1, 2, 0, 1}, 8: {1, 2, 0, 1},
	}
	for o, w := range want {
		got := applyOrientation(src, o)
		b := got.Bounds()
		if b.Dx() != w.w || b.Dy() != w.h || got.RGBAAt(w.rx, w.ry).R != 255 {
			t.Errorf("orientation %d: %v, red at (%d,%d)? %v", o, b, w.rx, w.ry, got.Pix)
		}
	}
}

func TestTextFileNamedPNG(t *testing.T) {
	p := newPipeline(t)
	_, err := p.Process(context.Background(), []byte("name,gender\n张三,male\n"))
	var un *UnsupportedError
	if !errors.As(err, &un) || un.Format != "text" {
		t.Fatalf("err = %v, want text refused", err)
	}
}

func TestSniffNamesWhatItIs(t *testing.T) {
	for want, data := range map[Format][]byte{
		JPEG:   {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10},
		PNG:    []byte("\x89PNG\r\n\x1a\n...."),
		"GIF":  []byte("GIF89a......"),
		"WebP": []byte("RIFF\x00\x00\x00\x00WEBPVP8 "),
		"HEIC": []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"),
		"AVIF": []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"),
		"BMP":  []byte("BM\x00\x00\x00\x00\x00\x00\x00\x00"),
		"TIFF": []byte("II*\x00\x08\x00\x00\x00"),
		"PDF":  []byte("%PDF-1.7\n"),
		"ZIP":  []byte("PK\x03\x04\x14\x00"),
		"text": []byte("hello, this is not a picture"),
	} {
		if got := Sniff(data); got != want {
			t.Errorf("Sniff(%q) = %q, want %q", data[:min(8, len(data))], got, want)
		}
	}
}

func TestOrientationParserIsDefensive(t *testing.T) {
	base := encodeJPEG(t, image.NewRGBA(image.Rect(0, 0, 8, 8)), 80)
	if o := orientation(base); o != 1 {
		t.Errorf("no EXIF: %d", o)
	}
	for o := uint16(1); o <= 8; o++ {
		if got := orientation(withOrientation(base, o, o%2 == 0)); got != int(o) {
			t.Errorf("orientation %d read as %d", o, got)
		}
	}
	if got := orientation(withOrientation(base, 9, true)); got != 1 {
		t.Errorf("out-of-range value read as %d", got)
	}
	// Cut anywhere inside the EXIF segment: never a panic, always 1 or the tag.
	full := withOrientation(base, 6, true)
	for i := range 80 {
		if o := orientation(full[:i]); o != 1 && o != 6 {
			t.Fatalf("cut at %d read %d", i, o)
		}
	}
	// A segment length pointing past the end.
	bad := append([]byte{}, full...)
	bad[4], bad[5] = 0xFF, 0xFF
	if o := orientation(bad); o != 1 {
		t.Errorf("bad length read %d", o)
	}
}

func TestTooManyBytes(t *testing.T) {
	lim := DefaultLimits
	lim.MaxBytes = 1000
	p, _ := New(lim, Options{Workers: 1})
	if _, err := p.Read(bytes.NewReader(make([]byte, 1001))); !errors.Is(err, ErrTooManyBytes) {
		t.Fatalf("Read: %v", err)
	}
	if _, err := p.Process(context.Background(), make([]byte, 1001)); !errors.Is(err, ErrTooManyBytes) {
		t.Fatalf("Process: %v", err)
	}
	if _, err := p.Process(context.Background(), nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
}

// Grain at full HD does not fit 1 MB at quality 90: the encoder steps down.
func TestNoisyPhotoStepsQualityDown(t *testing.T) {
	p := newPipeline(t)
	img := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
	for i := range img.Pix {
		img.Pix[i] = uint8((i*7919 + i/4*104729) % 251)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	res := process(t, p, encodePNG(t, img))
	checkVendorReady(t, res)
	if res.Quality >= 90 {
		t.Fatalf("quality %d for %d bytes: expected a step down", res.Quality, len(res.JPEG))
	}
}

// A transparent PNG gets a white background, not black.
func TestTransparentPNGOnWhite(t *testing.T) {
	p := newPipeline(t)
	img := image.NewNRGBA(image.Rect(0, 0, 100, 100))
	res := process(t, p, encodePNG(t, img))
	out := checkVendorReady(t, res)
	if r, g, b, _ := out.At(50, 50).RGBA(); r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
		t.Fatalf("background %d %d %d", r>>8, g>>8, b>>8)
	}
}

func TestCancelledWhileWaiting(t *testing.T) {
	p, _ := New(DefaultLimits, Options{Workers: 1})
	release, err := p.Reserve(context.Background(), 1) // the only worker is taken
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Process(ctx, readFile(t, "astronaut.png")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// The area average of a YCbCr picture equals that of its converted
// pixels; a reduction by a whole factor is the mean of each block; and any
// reduction agrees with the average worked out in floating point.
func TestAreaReduce(t *testing.T) {
	src := bigPhoto(t, 640, 480)
	ycc, err := jpeg.Decode(bytes.NewReader(encodeJPEG(t, src, 95)))
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(ycc.Bounds())
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			rgba.Set(x, y, ycc.At(x, y))
		}
	}
	fast := image.NewRGBA(image.Rect(0, 0, 160, 120))
	scaleInto(fast, ycc, draw.Src)
	slow := image.NewRGBA(image.Rect(0, 0, 160, 120))
	scaleInto(slow, rgba, draw.Src)
	for i := range fast.Pix {
		if d := int(fast.Pix[i]) - int(slow.Pix[i]); d < -1 || d > 1 {
			t.Fatalf("byte %d: %d vs %d", i, fast.Pix[i], slow.Pix[i])
		}
	}
	// One block by hand.
	var sum [3]int
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			c := rgba.RGBAAt(x+8, y+12)
			sum[0] += int(c.R)
			sum[1] += int(c.G)
			sum[2] += int(c.B)
		}
	}
	got := fast.RGBAAt(2, 3)
	if int(got.R) != (sum[0]+8)/16 || int(got.G) != (sum[1]+8)/16 || int(got.B) != (sum[2]+8)/16 || got.A != 255 {
		t.Fatalf("block (2,3) = %v, sums %v", got, sum)
	}
	// Ratios that are not whole (2.78 like 4000 -> 1440, 1.3, one axis
	// only), from a picture with an offset origin, against float64.
	sub := rgba.SubImage(image.Rect(7, 5, 607, 455)).(*image.RGBA) // 600x450
	for _, size := range [][2]int{{216, 162}, {461, 346}, {600, 449}, {1, 1}} {
		dst := image.NewRGBA(image.Rect(0, 0, size[0], size[1]))
		scaleInto(dst, sub, draw.Src)
		want := areaFloat(sub, size[0], size[1])
		for i := range dst.Pix {
			if d := float64(dst.Pix[i]) - want[i]; d < -0.51 || d > 0.51 {
				t.Fatalf("%v: byte %d = %d, want %.2f", size, i, dst.Pix[i], want[i])
			}
		}
	}
}

// areaFloat is the area average of src at w x h, the slow and obvious way.
func areaFloat(src *image.RGBA, w, h int) []float64 {
	b := src.Bounds()
	fx, fy := float64(b.Dx())/float64(w), float64(b.Dy())/float64(h)
	out := make([]float64, 4*w*h)
	overlap := func(a0, a1, b0, b1 float64) float64 { return max(0, min(a1, b1)-max(a0, b0)) }
	for oy := range h {
		for ox := range w {
			var acc [4]float64
			for y := int(float64(oy) * fy); y < min(b.Dy(), int(float64(oy+1)*fy)+1); y++ {
				wy := overlap(float64(y), float64(y+1), float64(oy)*fy, float64(oy+1)*fy)
				for x := int(float64(ox) * fx); x < min(b.Dx(), int(float64(ox+1)*fx)+1); x++ {
					wgt := wy * overlap(float64(x), float64(x+1), float64(ox)*fx, float64(ox+1)*fx)
					c := src.RGBAAt(b.Min.X+x, b.Min.Y+y)
					acc[0] += wgt * float64(c.R)
					acc[1] += wgt * float64(c.G)
					acc[2] += wgt * float64(c.B)
					acc[3] += wgt * float64(c.A)
				}
			}
			for c := range 4 {
				out[4*(oy*w+ox)+c] = acc[c] / (fx * fy)
			}
		}
	}
	return out
}

func TestOverlappingBoxesAreOneFace(t *testing.T) {
	got := suppressOverlaps([]Box{{X: 166, Y: 55, Size: 113, Score: 60.8}, {X: 169, Y: 59, Size: 104, Score: 59.1},
		{X: 680, Y: 59, Size: 106, Score: 89}})
	if len(got) != 2 || got[0].X != 680 || got[1].X != 166 {
		t.Fatalf("kept %+v", got)
	}
}
