package photos

import (
	_ "embed"
	"fmt"
	"image"
	"math"
	"sort"

	pigo "github.com/esimov/pigo/core"
	"golang.org/x/image/draw"
)

// facefinder is pigo's frontal-face cascade (MIT, see cascade/LICENSE).
//
//go:embed cascade/facefinder
var facefinder []byte

// Box is a face found in a picture, in that picture's pixels: the square
// with its top-left corner at (X, Y) and side Size.
type Box struct {
	X, Y, Size int
	Score      float32 `json:"-"`
}

// Detector finds frontal faces with pigo. It is safe for concurrent use:
// the unpacked cascade is only read.
type Detector struct {
	cascade *pigo.Pigo
	// detectSide is the longest side the detector looks at: faces in an
	// enrollment photo are large, and a smaller picture is much faster.
	detectSide int
	// minScore is pigo's detection quality below which a cluster is noise.
	minScore float32
}

// NewDetector unpacks the embedded cascade.
func NewDetector() (*Detector, error) {
	c, err := pigo.NewPigo().Unpack(facefinder)
	if err != nil {
		return nil, fmt.Errorf("photos: unpack facefinder cascade: %w", err)
	}
	return &Detector{cascade: c, detectSide: 640, minScore: 8}, nil
}

// Faces finds the faces in img (an upright picture), largest first. Faces
// smaller than a tenth of the picture's shorter side are ignored: nobody
// enrolls a face that small, and pigo's small windows are where its false
// positives live.
func (d *Detector) Faces(img *image.RGBA) []Box {
	b := img.Bounds()
	w, h, scale := d.size(b.Dx(), b.Dy())
	gray := image.NewGray(image.Rect(0, 0, w, h))
	if scale == 1 {
		toGray(gray, img)
	} else {
		small := image.NewRGBA(image.Rect(0, 0, w, h))
		scaleInto(small, img, draw.Src)
		toGray(gray, small)
	}
	short := min(w, h)
	params := pigo.CascadeParams{
		MinSize:     max(20, short/10),
		MaxSize:     short,
		ShiftFactor: 0.1,
		ScaleFactor: 1.1,
		ImageParams: pigo.ImageParams{Pixels: gray.Pix, Rows: h, Cols: w, Dim: gray.Stride},
	}
	dets := d.cascade.RunCascade(params, 0)
	dets = d.cascade.ClusterDetections(dets, 0.2)
	var out []Box
	for _, det := range dets {
		if det.Q < d.minScore {
			continue
		}
		size := float64(det.Scale) / scale
		out = append(out, Box{
			X:     b.Min.X + int(math.Round(float64(det.Col)/scale-size/2)),
			Y:     b.Min.Y + int(math.Round(float64(det.Row)/scale-size/2)),
			Size:  int(math.Round(size)),
			Score: det.Q,
		})
	}
	out = suppressOverlaps(out)
	sort.Slice(out, func(i, j int) bool { return out[i].Size > out[j].Size })
	return out
}

// size is the picture the detector looks at for a w x h one, and its scale.
func (d *Detector) size(w, h int) (int, int, float64) {
	scale := 1.0
	if long := max(w, h); long > d.detectSide {
		scale = float64(d.detectSide) / float64(long)
	}
	return max(1, int(math.Round(float64(w)*scale))), max(1, int(math.Round(float64(h)*scale))), scale
}

// costBytes is what Faces allocates for a w x h picture: the grey copy,
// and the scaled colour copy it is made from when the picture is larger
// than detectSide.
func (d *Detector) costBytes(w, h int) int64 {
	dw, dh, scale := d.size(w, h)
	n := int64(dw) * int64(dh)
	if scale != 1 {
		n += int64(dw)*int64(dh)*4 + scaleBytes(w, h, dw, dh)
	}
	return n
}

// suppressOverlaps keeps, of boxes that overlap, the one with the best
// score. pigo's clustering can leave two clusters over one face (when its
// detections chain across the face: (166,55,113) and (169,59,104) on a
// tinted astronaut.png); two faces in a photo never overlap that much.
func suppressOverlaps(boxes []Box) []Box {
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].Score > boxes[j].Score })
	var kept []Box
	for _, b := range boxes {
		cx, cy := b.X+b.Size/2, b.Y+b.Size/2
		dup := false
		for _, k := range kept {
			if (cx >= k.X && cx < k.X+k.Size && cy >= k.Y && cy < k.Y+k.Size) || iou(b, k) > 0.3 {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, b)
		}
	}
	return kept
}

func iou(a, b Box) float64 {
	w := min(a.X+a.Size, b.X+b.Size) - max(a.X, b.X)
	h := min(a.Y+a.Size, b.Y+b.Size) - max(a.Y, b.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	inter := float64(w * h)
	return inter / (float64(a.Size*a.Size+b.Size*b.Size) - inter)
}

// toGray converts with the luma weights pigo itself uses (0.299, 0.587,
// 0.114), straight from the pixel slice rather than through At.
func toGray(dst *image.Gray, src *image.RGBA) {
	b := src.Bounds()
	for y := 0; y < b.Dy(); y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+4*b.Dx()]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+b.Dx()]
		for x := range out {
			r, g, bl := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2])
			out[x] = uint8((299*r + 587*g + 114*bl) / 1000)
		}
	}
}
