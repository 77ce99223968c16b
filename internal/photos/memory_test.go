package photos

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
)

// allocated is the bytes f allocates, the collector off so that nothing
// allocated is missed.
func allocated(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// pngOf encodes the upper-left-quarter astronaut on grey as the given type.
func pngOf(t *testing.T, w, h int, conv func(*image.RGBA) image.Image) []byte {
	t.Helper()
	src := bigPhoto(t, w, h)
	var b bytes.Buffer
	if err := png.Encode(&b, conv(src)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func convertTo(dst draw.Image) func(*image.RGBA) image.Image {
	return func(src *image.RGBA) image.Image {
		draw.Draw(dst, dst.Bounds(), src, image.Point{}, draw.Src)
		return dst
	}
}

// The estimate taken from the budget covers everything one Process
// allocates, for every kind of picture the decoders return, and for the
// common one (a phone's 12-megapixel JPEG) it is close: the budget is not
// wasted on a guess.
func TestEstimateCoversAllocations(t *testing.T) {
	small := DefaultLimits
	small.OutWidth, small.OutHeight = 200, 150 // so small pictures are reduced too
	const w, h = 1000, 750
	r := image.Rect(0, 0, w, h)
	alpha := func(src *image.RGBA) image.Image {
		n := image.NewNRGBA(r)
		draw.Draw(n, r, src, image.Point{}, draw.Src)
		for i := 3; i < len(n.Pix); i += 4 {
			n.Pix[i] = uint8(i / 4 % 256)
		}
		return n
	}
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.RGBA{uint8(i), uint8(i * 3), uint8(i * 7), 255}
	}
	cases := []struct {
		name  string
		lim   Limits
		data  []byte
		close bool // the estimate is within 1.5 times the allocations
	}{
		{"12 MP phone JPEG", DefaultLimits, encodeJPEG(t, bigPhoto(t, 4000, 3000), 90), true},
		{"12 MP phone JPEG turned (EXIF 6)", DefaultLimits, withOrientation(encodeJPEG(t, bigPhoto(t, 4000, 3000), 90), 6, false), true},
		{"grey JPEG", small, encodeJPEG(t, convertTo(image.NewGray(r))(bigPhoto(t, w, h)), 90), false},
		{"RGB PNG", small, pngOf(t, w, h, func(m *image.RGBA) image.Image { return m }), false},
		{"RGBA PNG", small, pngOf(t, w, h, alpha), false},
		{"grey PNG", small, pngOf(t, w, h, convertTo(image.NewGray(r))), false},
		{"16-bit grey PNG", small, pngOf(t, w, h, convertTo(image.NewGray16(r))), false},
		{"16-bit RGB PNG", small, pngOf(t, w, h, convertTo(image.NewRGBA64(r))), false},
		{"16-bit RGBA PNG", small, pngOf(t, w, h, func(m *image.RGBA) image.Image {
			n := image.NewNRGBA64(r)
			draw.Draw(n, r, alpha(m), image.Point{}, draw.Src)
			return n
		}), false},
		{"paletted PNG", small, pngOf(t, w, h, convertTo(image.NewPaletted(r, pal))), false},
	}
	for _, name := range []string{"ycc444.jpg", "ycc422.jpg", "progressive.jpg", "progressive444.jpg", "rgb.jpg", "cmyk.jpg"} {
		cases = append(cases, struct {
			name  string
			lim   Limits
			data  []byte
			close bool
		}{name, small, readFile(t, "kinds/"+name), false})
	}
	for _, c := range cases {
		p, err := New(c.lim, Options{})
		if err != nil {
			t.Fatal(err)
		}
		f, cfg, err := p.Check(c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		orient := 1
		if f == JPEG {
			orient = orientation(c.data)
		}
		est := p.Estimate(f, c.data, cfg, orient)
		process(t, p, c.data) // warm: the first call allocates lazily built tables
		got := allocated(func() { process(t, p, c.data) })
		t.Logf("%-34s %5dx%-5d estimate %6.1f MB, allocated %6.1f MB (%.2f)", c.name, cfg.Width, cfg.Height,
			float64(est)/(1<<20), float64(got)/(1<<20), float64(est)/float64(got))
		if uint64(est) < got {
			t.Errorf("%s: estimate %d < allocated %d", c.name, est, got)
		}
		if c.close && float64(est) > 1.5*float64(got) {
			t.Errorf("%s: estimate %d is more than 1.5 times the %d allocated", c.name, est, got)
		}
	}
}

// estimateOf is what Process takes from p's budget for data.
func estimateOf(t *testing.T, p *Pipeline, data []byte) int64 {
	t.Helper()
	f, cfg, err := p.Check(data)
	if err != nil {
		t.Fatal(err)
	}
	orient := 1
	if f == JPEG {
		orient = orientation(data)
	}
	return p.Estimate(f, data, cfg, orient)
}

// With room for one photo's share, a second photo waits until the first
// is done, then goes through; the budget is never overdrawn.
func TestSecondPhotoWaitsForMemory(t *testing.T) {
	photo := encodeJPEG(t, bigPhoto(t, 1600, 1200), 90)
	probe := newPipeline(t)
	need := estimateOf(t, probe, photo)
	p, _ := New(DefaultLimits, Options{Memory: need * 3 / 2, Workers: 4, Wait: time.Minute})
	release, err := p.Reserve(context.Background(), need) // the first photo's share
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.Process(context.Background(), photo)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the second photo did not wait: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if s := p.Stats(); s.Reserved != need {
		t.Fatalf("reserved %d while the second waits, want %d", s.Reserved, need)
	}
	release()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the second photo never went through")
	}
	if s := p.Stats(); s.Peak > p.Budget() || s.Reserved != 0 || s.Busy != 0 {
		t.Fatalf("stats %+v, budget %d", s, p.Budget())
	}
}

// A photo that cannot get its share within the wait is refused as busy,
// with when to try again; one whose caller gives up gets the caller's
// error instead.
func TestBusyAfterTheWait(t *testing.T) {
	photo := readFile(t, "astronaut.png")
	probe := newPipeline(t)
	need := estimateOf(t, probe, photo)
	p, _ := New(DefaultLimits, Options{Memory: need * 3 / 2, Workers: 4, Wait: 150 * time.Millisecond})
	release, err := p.Reserve(context.Background(), need)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	start := time.Now()
	_, err = p.Process(context.Background(), photo)
	var busy *BusyError
	if !errors.As(err, &busy) || !errors.Is(err, ErrBusy) || busy.RetryAfter <= 0 {
		t.Fatalf("err = %v, want a *BusyError", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 5*time.Second {
		t.Fatalf("refused after %s, want after the 150ms wait", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.Process(ctx, photo); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller's deadline: err = %v", err)
	}
	if s := p.Stats(); s.Busy != 1 {
		t.Fatalf("stats %+v, want one busy refusal", s)
	}
}

// Eight photos at once with room for two: every one is processed, never
// more than two shares are taken.
func TestParallelPhotosShareTheBudget(t *testing.T) {
	photo := encodeJPEG(t, bigPhoto(t, 1600, 1200), 90)
	probe := newPipeline(t)
	need := estimateOf(t, probe, photo)
	p, _ := New(DefaultLimits, Options{Memory: 2*need + need/2, Workers: 8, Wait: 5 * time.Minute})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := p.Process(context.Background(), photo)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if s := p.Stats(); s.Peak > 2*need || s.Peak < need || s.Reserved != 0 {
		t.Fatalf("peak %d for shares of %d: want at most two at once", s.Peak, need)
	}
}

// A picture whose header declares 30000x30000 pixels is refused from its
// header: by the dimension limits, and, with those raised, by the budget,
// at once and without allocating its pixels.
func TestHugeDeclaredPictureRefusedBeforeAllocation(t *testing.T) {
	bomb := pngBomb(30000, 30000)
	var dim *DimensionsError
	if _, err := newPipeline(t).Process(context.Background(), bomb); !errors.As(err, &dim) || dim.Width != 30000 {
		t.Fatalf("default limits: err = %v, want a DimensionsError", err)
	}
	lim := DefaultLimits
	lim.MaxSide, lim.MaxPixels = 40000, 2_000_000_000
	p, _ := New(lim, Options{}) // the default 256 MB
	var err error
	start := time.Now()
	alloc := allocated(func() { _, err = p.Process(context.Background(), bomb) })
	var me *MemoryError
	if !errors.As(err, &me) || me.Width != 30000 || me.Height != 30000 || me.Budget != DefaultMemory || me.Need < 30000*30000*4 {
		t.Fatalf("err = %v, want a MemoryError for 30000x30000", err)
	}
	if alloc > 1<<20 || time.Since(start) > time.Second {
		t.Fatalf("refusing it allocated %d bytes in %s", alloc, time.Since(start))
	}
	if !strings.Contains(err.Error(), "30000x30000") || !strings.Contains(err.Error(), "256 MB") {
		t.Fatalf("message %q", err)
	}
	if s := p.Stats(); s.TooLarge != 1 || s.Peak != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// Photos waiting hold their uploads: beyond half the budget of them, a new
// one is refused at once rather than kept waiting.
func TestWaitingUploadsAreBounded(t *testing.T) {
	small := readFile(t, "kinds/ycc444.jpg")
	upload := append(append([]byte{}, small...), make([]byte, 5<<20)...) // 5 MB: a JPEG ends at its EOI
	probe := newPipeline(t)
	need := estimateOf(t, probe, upload)
	p, _ := New(DefaultLimits, Options{Memory: need + need/4, Workers: 4, Wait: time.Minute})
	release, err := p.Reserve(context.Background(), p.Budget()) // nothing free
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		_, err := p.Process(context.Background(), upload)
		first <- err
	}()
	time.Sleep(200 * time.Millisecond) // the first is waiting, alone
	start := time.Now()
	_, err = p.Process(context.Background(), upload)
	if !errors.Is(err, ErrBusy) || time.Since(start) > time.Second {
		t.Fatalf("second upload: err = %v after %s, want busy at once", err, time.Since(start))
	}
	release()
	if err := <-first; err != nil {
		t.Fatalf("the first upload, alone in the queue: %v", err)
	}
}
