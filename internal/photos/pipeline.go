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

	"github.com/disintegration/imaging"
	"golang.org/x/image/draw"
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

// Pipeline processes photos. Decoding is bounded by a semaphore so that
// however many uploads arrive at once, only a few pictures are in memory.
type Pipeline struct {
	lim Limits
	det *Detector
	sem chan struct{}
}

// New returns a pipeline that decodes at most concurrency photos at once
// (0: the number of CPUs).
func New(lim Limits, concurrency int) (*Pipeline, error) {
	det, err := NewDetector()
	if err != nil {
		return nil, err
	}
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	return &Pipeline{lim: lim, det: det, sem: make(chan struct{}, concurrency)}, nil
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
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	defer func() { <-p.sem }()

	res := Result{Source: f, SourceWidth: cfg.Width, SourceHeight: cfg.Height, Orientation: 1}
	if f == JPEG {
		res.Orientation = orientation(data)
	}
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
	var buf bytes.Buffer
	for _, q := range qualities {
		buf.Reset()
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, 0, err
		}
		if buf.Len() <= limit {
			return bytes.Clone(buf.Bytes()), q, nil
		}
	}
	return nil, 0, ErrCannotShrink
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
	draw.CatmullRom.Scale(dst, at, img, r, draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
