package sim

import (
	"bytes"
	"image"
	"image/color"
	_ "image/jpeg" // 003: jpg or png
	_ "image/png"
	"math"
	"math/bits"
)

// Photo rules of 003 Face Recognition 9 and the simulator's face detection
// (doc.go "Face library").
const (
	maxPhotoBytes = 1 << 20 // "must not exceed 1M bytes": the binary MB
	maxPhotoW     = 1920
	maxPhotoH     = 1080
	minFaceSide   = 80 // smaller photos show no detectable face
	minContrast   = 12 // luminance standard deviation (0-255) below which a photo is blank
)

// checkPhoto applies the photo rules: 208 for a missing, oversized, not
// jpg/png or over-1920x1080 photo, 210 when "face detection" refuses it.
// It returns the photo's hash for matching.
func checkPhoto(pic []byte, required bool) (uint64, int) {
	if len(pic) == 0 {
		if required {
			return 0, codePhoto
		}
		return 0, codeOK
	}
	if len(pic) > maxPhotoBytes {
		return 0, codePhoto
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(pic))
	if err != nil || (format != "jpeg" && format != "png") || cfg.Width > maxPhotoW || cfg.Height > maxPhotoH {
		return 0, codePhoto
	}
	img, _, err := image.Decode(bytes.NewReader(pic))
	if err != nil {
		return 0, codePhoto
	}
	if cfg.Width < minFaceSide || cfg.Height < minFaceSide || contrast(img) < minContrast {
		return 0, codeNoFace
	}
	return photoHash(img), codeOK
}

func luma(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

// contrast is the standard deviation of the luminance over a 32x32 grid.
func contrast(img image.Image) float64 {
	b := img.Bounds()
	var sum, sq, n float64
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			v := luma(img.At(b.Min.X+x*b.Dx()/32, b.Min.Y+y*b.Dy()/32))
			sum, sq, n = sum+v, sq+v*v, n+1
		}
	}
	mean := sum / n
	return math.Sqrt(max(0, sq/n-mean*mean))
}

// photoHash is an 8x8 average hash: each cell's mean luminance against the
// whole picture's. Re-encoding or rescaling the photo keeps it within a
// few bits, so a photo matches the one it was enrolled from.
func photoHash(img image.Image) uint64 {
	b := img.Bounds()
	var cells [64]float64
	var total float64
	for cy := 0; cy < 8; cy++ {
		for cx := 0; cx < 8; cx++ {
			var s float64
			for y := 0; y < 4; y++ {
				for x := 0; x < 4; x++ {
					px := b.Min.X + (cx*4+x)*b.Dx()/32
					py := b.Min.Y + (cy*4+y)*b.Dy()/32
					s += luma(img.At(px, py))
				}
			}
			cells[cy*8+cx] = s / 16
			total += s / 16
		}
	}
	mean := total / 64
	var h uint64
	for i, v := range cells {
		if v > mean {
			h |= 1 << i
		}
	}
	return h
}

func hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }
