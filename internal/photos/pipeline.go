// Package photos turns an uploaded face photo into one a vendor accepts:
// it checks the real type from the bytes (JPEG or PNG), reads the
// dimensions before decoding (a decompression bomb is never decoded),
// applies the EXIF orientation, fits the picture into 1920x1080, re-encodes
// it as a JPEG under 1,000,000 bytes and finds the faces in it with pigo, so
// that a photo with no face or with several is refused before anything
// reaches a vendor. It also keeps the photos, by content hash (store.go).
//
// The limits come from the vendors: Sunmi cloud's pic "1M以下" (001
// §3.3.8), the camera's "maximum resolution 1920*1080, must not exceed 1M
// bytes" (003 Face Recognition 9, 11, 15), SenseLink's image/jpeg (004); 1M
// is read as 1,000,000 bytes to be safe with every reading (NOTES 9).
package photos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/disintegration/imaging"
	"golang.org/x/image/draw"
	"golang.org/x/sync/semaphore"
)

// Limits bound what the pipeline accepts and produces.
type Limits struct {
	MaxBytes  int64 // largest upload read
	MaxSide   int   // longest side accepted, in pixels
	MaxPixels int64 // largest width*height decoded
	MinSide   int   // shortest side accepted: smaller cannot hold a usable face
	OutWidth  int   // the result fits OutWidth x OutHeight ...
	OutHeight int
	OutBytes  int // ... and has at most OutBytes bytes
	ThumbSide int // side of the square face thumbnail
}

// DefaultLimits: 50 megapixels covers every phone and most cameras (a
// 6000x4000 photo is 24) while keeping one decode under ~75 MB; a
// 30000x30000 PNG is refused from its header.
var DefaultLimits = Limits{
	MaxBytes:  25 << 20,
	MaxSide:   12000,
	MaxPixels: 50_000_000,
	MinSide:   64,
	OutWidth:  1920,
	OutHeight: 1080,
	OutBytes:  1_000_000,
	ThumbSide: 160,
}

// UnsupportedError refuses a file that is not a JPEG or PNG, by the name of
// what it is.
type UnsupportedError struct{ Format Format }

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("photos: %s is not a JPEG or PNG photo", e.Format)
}

// DimensionsError refuses a picture too large to decode safely, or too
// small to hold a face. The dimensions are the ones its header declares.
type DimensionsError struct {
	Width, Height int
	TooSmall      bool
}

func (e *DimensionsError) Error() string {
	if e.TooSmall {
		return fmt.Sprintf("photos: %dx%d is too small for a face photo", e.Width, e.Height)
	}
	return fmt.Sprintf("photos: %dx%d is too large to process", e.Width, e.Height)
}

// ManyFacesError refuses a photo showing more than one face.
type ManyFacesError struct{ Count int }

func (e *ManyFacesError) Error() string {
	return fmt.Sprintf("photos: %d faces found; a face photo shows exactly one", e.Count)
}

var (
	// ErrTooManyBytes is an upload larger than Limits.MaxBytes.
	ErrTooManyBytes = errors.New("photos: the file is too large")
	// ErrEmpty is an empty upload.
	ErrEmpty = errors.New("photos: the file is empty")
	// ErrCorrupt is a JPEG or PNG that does not decode (cut short, damaged).
	ErrCorrupt = errors.New("photos: the image is damaged or incomplete")
	// ErrNoFace is a photo in which no face was found.
	ErrNoFace = errors.New("photos: no face found")
	// ErrCannotShrink means no JPEG quality fits the byte limit (only
	// pathological noise gets here).
	ErrCannotShrink = errors.New("photos: cannot encode the photo small enough")
	// ErrBusy matches every *BusyError (errors.Is).
	ErrBusy = errors.New("photos: busy")
)

// Result is a processed photo.
type Result struct {
	JPEG          []byte // the vendor-ready photo
	Width, Height int    // of JPEG
	Quality       int    // JPEG quality used
	Source        Format // what was uploaded
	SourceWidth   int    // as stored in the upload, before orientation
	SourceHeight  int
	Orientation   int   // EXIF orientation applied (1 = none)
	Faces         []Box // in JPEG's pixels, largest first
	Thumb         []byte
}

// FaceError says whether the photo can be enrolled: nil for exactly one
// face, ErrNoFace or a *ManyFacesError otherwise.
func (r Result) FaceError() error {
	switch len(r.Faces) {
	case 1:
		return nil
	case 0:
		return ErrNoFace
	default:
		return &ManyFacesError{Count: len(r.Faces)}
	}
}

// Pipeline processes photos. Before a photo is decoded, the memory it
// needs is worked out from its header (memory.go) and taken from a budget
// shared by every photo in progress; the photos decoded at once are also
// at most Workers (the work is CPU-bound: more at once would only hold
// their memory longer). A photo that needs more than the whole budget is
// refused at once (*MemoryError); one that cannot get its share within
// Wait is refused as busy (*BusyError), to be sent again later.
type Pipeline struct {
	lim     Limits
	det     *Detector
	budget  int64
	mem     *semaphore.Weighted
	workers chan struct{}
	wait    time.Duration
	// queued is the bytes of the uploads waiting for their turn: they are
	// in memory too, so at most budget/2 of them wait; more are busy at once.
	queued atomic.Int64
	stats  struct {
		sync.Mutex
		Stats
	}
}

// Stats count the pipeline's use of its budget, for logs and benchmarks.
type Stats struct {
	Reserved int64 // bytes taken from the budget now
	Peak     int64 // the most taken at once so far
	Busy     int64 // photos refused as busy
	TooLarge int64 // photos refused for needing more than the budget
}

// Stats returns the counts so far.
func (p *Pipeline) Stats() Stats {
	p.stats.Lock()
	defer p.stats.Unlock()
	return p.stats.Stats
}

func (p *Pipeline) count(f func(*Stats)) {
	p.stats.Lock()
	f(&p.stats.Stats)
	p.stats.Unlock()
}

// Options size a pipeline's work.
type Options struct {
	// Memory is the budget, in bytes, of all the photos in progress at
	// once (0: DefaultMemory).
	Memory int64
	// Workers is the most photos decoded at once (0: GOMAXPROCS).
	Workers int
	// Wait is the longest a photo waits for its turn before it is refused
	// as busy (0: DefaultWait); the caller's context may end it sooner.
	Wait time.Duration
}

const (
	// DefaultMemory, 256 MB, holds six 12-megapixel phone photos (about
	// 40 MB each) or one 50-megapixel picture at once.
	DefaultMemory = 256 << 20
	// DefaultWait lets a burst of uploads be served rather than refused (32
	// phone photos take about 6 seconds on two idle cores, 20 to 30 on a
	// loaded machine), and leaves room, within the server's 60-second
	// write timeout, for the processing and a vendor's photo check.
	DefaultWait = 30 * time.Second
	// RetryAfter is when a refused photo is worth sending again.
	RetryAfter = 5 * time.Second
)

// BusyError refuses a photo that did not get its turn within the wait:
// too many photos are in progress. It is temporary (HTTP 503).
type BusyError struct{ RetryAfter time.Duration }

func (e *BusyError) Error() string {
	return fmt.Sprintf("photos: too many photos in progress; try again in %s", e.RetryAfter)
}

// Is makes errors.Is(err, ErrBusy) true for a *BusyError.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// New returns a pipeline with the given limits and options.
func New(lim Limits, opt Options) (*Pipeline, error) {
	det, err := NewDetector()
	if err != nil {
		return nil, err
	}
	if opt.Memory <= 0 {
		opt.Memory = DefaultMemory
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Wait <= 0 {
		opt.Wait = DefaultWait
	}
	return &Pipeline{lim: lim, det: det, budget: opt.Memory, mem: semaphore.NewWeighted(opt.Memory),
		workers: make(chan struct{}, opt.Workers), wait: opt.Wait}, nil
}

// Budget is the pipeline's memory budget in bytes.
func (p *Pipeline) Budget() int64 { return p.budget }

// Reserve takes n bytes of the budget and a worker, waiting as a photo
// does, for work that decodes pictures outside Process; release gives them
// back. It fails as Process does: *MemoryError, *BusyError or ctx's error.
func (p *Pipeline) Reserve(ctx context.Context, n int64) (release func(), err error) {
	return p.admit(ctx, n, 0, 0, 0)
}

// admit waits for a worker, then for need bytes of the budget, for at most
// p.wait. queued is the bytes the caller holds while it waits.
func (p *Pipeline) admit(ctx context.Context, need, queued int64, w, h int) (func(), error) {
	if need > p.budget {
		p.count(func(s *Stats) { s.TooLarge++ })
		return nil, &MemoryError{Width: w, Height: h, Need: need, Budget: p.budget}
	}
	busy := func() error {
		p.count(func(s *Stats) { s.Busy++ })
		return &BusyError{RetryAfter: RetryAfter}
	}
	// A photo alone in the queue always waits, however large its upload.
	if q := p.queued.Add(queued); queued > 0 && q > p.budget/2 && q != queued {
		p.queued.Add(-queued)
		return nil, busy()
	}
	defer p.queued.Add(-queued)
	wctx, cancel := context.WithTimeout(ctx, p.wait)
	defer cancel()
	refused := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return busy()
	}
	select {
	case p.workers <- struct{}{}:
	case <-wctx.Done():
		return nil, refused()
	}
	if err := p.mem.Acquire(wctx, need); err != nil {
		<-p.workers
		return nil, refused()
	}
	p.count(func(s *Stats) {
		s.Reserved += need
		s.Peak = max(s.Peak, s.Reserved)
	})
	return func() {
		p.count(func(s *Stats) { s.Reserved -= need })
		p.mem.Release(need)
		<-p.workers
	}, nil
}

// Limits returns the pipeline's limits.
func (p *Pipeline) Limits() Limits { return p.lim }

// Read reads an upload, refusing more than MaxBytes without reading it all.
func (p *Pipeline) Read(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, p.lim.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > p.lim.MaxBytes {
		return nil, ErrTooManyBytes
	}
	return data, nil
}

// ReadSized reads an upload whose size is known (a multipart file's) into
// one slice of exactly that size, refusing more than MaxBytes unread.
func (p *Pipeline) ReadSized(r io.Reader, size int64) ([]byte, error) {
	if size > p.lim.MaxBytes {
		return nil, ErrTooManyBytes
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	return data, nil
}

// Check runs the checks that need no decoding: the real type from the
// bytes and the declared dimensions. It is cheap (a 30000x30000 PNG is
// refused from its 33-byte header) and is the first thing Process does.
func (p *Pipeline) Check(data []byte) (Format, image.Config, error) {
	if len(data) == 0 {
		return "", image.Config{}, ErrEmpty
	}
	if int64(len(data)) > p.lim.MaxBytes {
		return "", image.Config{}, ErrTooManyBytes
	}
	f := Sniff(data)
	var cfg image.Config
	var err error
	switch f {
	case JPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case PNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	default:
		return f, cfg, &UnsupportedError{Format: f}
	}
	if err != nil {
		return f, cfg, ErrCorrupt
	}
	w, h := cfg.Width, cfg.Height
	if w > p.lim.MaxSide || h > p.lim.MaxSide || int64(w)*int64(h) > p.lim.MaxPixels {
		return f, cfg, &DimensionsError{Width: w, Height: h}
	}
	if w < p.lim.MinSide || h < p.lim.MinSide {
		return f, cfg, &DimensionsError{Width: w, Height: h, TooSmall: true}
	}
	return f, cfg, nil
}

// Process turns an upload into a vendor-ready photo and finds its faces. A
// photo with no face or several is not an error here (the page shows where
// the faces are): call Result.FaceError before enrolling.
func (p *Pipeline) Process(ctx context.Context, data []byte) (Result, error) {
	f, cfg, err := p.Check(data)
	if err != nil {
		return Result{}, err
	}
	res := Result{Source: f, SourceWidth: cfg.Width, SourceHeight: cfg.Height, Orientation: 1}
	if f == JPEG {
		res.Orientation = orientation(data)
	}
	release, err := p.admit(ctx, p.Estimate(f, data, cfg, res.Orientation), int64(len(data)), cfg.Width, cfg.Height)
	if err != nil {
		return Result{}, err
	}
	defer release()

	upright, err := p.decodeScaled(data, f, res.Orientation)
	if err != nil {
		return Result{}, err
	}
	res.Faces = p.det.Faces(upright)
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if res.JPEG, res.Quality, err = encodeUnder(upright, p.lim.OutBytes); err != nil {
		return Result{}, err
	}
	res.Width, res.Height = upright.Bounds().Dx(), upright.Bounds().Dy()
	if len(res.Faces) == 1 {
		if res.Thumb, err = thumbnail(upright, res.Faces[0], p.lim.ThumbSide); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// Estimate is the bytes Process needs for data, which Check has accepted
// as f with cfg, the upload included: what it takes from the budget.
func (p *Pipeline) Estimate(f Format, data []byte, cfg image.Config, orient int) int64 {
	hd, ok := readHeader(f, data, cfg.Width, cfg.Height)
	if !ok {
		// Check has read the dimensions, so this is a header only
		// image's decoder reads: assume the costliest picture.
		hd = worstJPEG(cfg.Width, cfg.Height)
		if f == PNG {
			hd = header{Format: PNG, Width: cfg.Width, Height: cfg.Height, PixelBytes: 8, Interlaced: true}
		}
	}
	return p.estimate(hd, orient, len(data))
}

// decodeScaled decodes the picture, scales it to fit the output box (as it
// will be shown, so a portrait photo stored sideways fits 1920x1080 once
// upright) onto white (a transparent PNG has no background to show), then
// turns it upright. Scaling first and rotating the small result keeps a
// full-size copy of the picture out of memory.
func (p *Pipeline) decodeScaled(data []byte, f Format, orient int) (*image.RGBA, error) {
	var src image.Image
	var err error
	if f == JPEG {
		src, err = jpeg.Decode(bytes.NewReader(data))
	} else {
		src, err = png.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, ErrCorrupt
	}
	sb := src.Bounds()
	boxW, boxH := p.lim.OutWidth, p.lim.OutHeight
	if swapsAxes(orient) {
		boxW, boxH = boxH, boxW
	}
	scale := math.Min(1, math.Min(float64(boxW)/float64(sb.Dx()), float64(boxH)/float64(sb.Dy())))
	w := max(1, int(math.Round(float64(sb.Dx())*scale)))
	h := max(1, int(math.Round(float64(sb.Dy())*scale)))
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	op := draw.Src
	if !opaque(src) {
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		op = draw.Over
	}
	scaleInto(dst, src, op)
	return applyOrientation(dst, orient), nil
}

// opaque reports whether img has no transparent pixel (JPEG never has).
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// applyOrientation applies an EXIF orientation (EXIF 2.3 tag 0x0112) with imaging's
// transforms, in the mapping imaging's own AutoOrientation uses. imaging
// returns NRGBA; the picture is opaque, where NRGBA and RGBA bytes are the
// same, so the pixels are reused as RGBA without a copy.
func applyOrientation(img *image.RGBA, o int) *image.RGBA {
	var n *image.NRGBA
	switch o {
	case 2:
		n = imaging.FlipH(img)
	case 3:
		n = imaging.Rotate180(img)
	case 4:
		n = imaging.FlipV(img)
	case 5:
		n = imaging.Transpose(img)
	case 6:
		n = imaging.Rotate270(img)
	case 7:
		n = imaging.Transverse(img)
	case 8:
		n = imaging.Rotate90(img)
	default:
		return img
	}
	return &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}
}

// qualities are tried in order until the JPEG fits: 90 keeps faces sharp
// for the vendor's recognition; a photo of ordinary content at 1920x1080
// fits at 90.
var qualities = []int{90, 82, 74, 66, 58, 50, 40}

func encodeUnder(img image.Image, limit int) ([]byte, int, error) {
	w := &capWriter{b: make([]byte, 0, limit), limit: limit}
	for _, q := range qualities {
		w.b = w.b[:0]
		err := jpeg.Encode(w, img, &jpeg.Options{Quality: q})
		if errors.Is(err, errOverLimit) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		return bytes.Clone(w.b), q, nil
	}
	return nil, 0, ErrCannotShrink
}

// errOverLimit stops an encoding as soon as it passes the byte limit.
var errOverLimit = errors.New("photos: over the byte limit")

// capWriter collects at most limit bytes in one buffer allocated once: an
// encoding that would not fit is stopped there rather than finished.
type capWriter struct {
	b     []byte
	limit int
}

func (w *capWriter) Write(p []byte) (int, error) {
	if len(w.b)+len(p) > w.limit {
		return 0, errOverLimit
	}
	w.b = append(w.b, p...)
	return len(p), nil
}

// thumbnail is a square JPEG of the face with some room around it, the
// picture shown in lists and before enrolling.
func thumbnail(img *image.RGBA, f Box, side int) ([]byte, error) {
	b := img.Bounds()
	pad := f.Size * 3 / 10
	r := image.Rect(f.X-pad, f.Y-pad, f.X+f.Size+pad, f.Y+f.Size+pad).Intersect(b)
	if r.Empty() {
		r = b
	}
	dst := image.NewRGBA(image.Rect(0, 0, side, side))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	// Keep the aspect: a face at the picture's edge gives a cropped rectangle.
	s := math.Min(float64(side)/float64(r.Dx()), float64(side)/float64(r.Dy()))
	w, h := int(math.Round(float64(r.Dx())*s)), int(math.Round(float64(r.Dy())*s))
	at := image.Rect((side-w)/2, (side-h)/2, (side-w)/2+w, (side-h)/2+h)
	scaleInto(dst.SubImage(at).(*image.RGBA), img.SubImage(r), draw.Src)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
