// Package simphoto is the simulators' stand-in for a camera's face
// detection and recognition: no simulator has a real detector, so each
// decides "no face" from a photo's contrast and "the same person" from a
// perceptual hash. It serves the simulators only; adapters never use it.
package simphoto

import (
	"image"
	"image/color"
	"math"
	"math/bits"
)

// Fingerprint is an 8x8 average hash of img's luminance (each cell's mean
// against the whole picture's) and the luminance's standard deviation
// (0-255) over the sampled pixels. Re-encoding or rescaling a photo keeps
// the hash within a few bits; a blank or flat picture has a low deviation.
func Fingerprint(img image.Image) (hash uint64, contrast float64) {
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return 0, 0
	}
	var cells [64]float64
	var counts [64]int
	var sum, sq float64
	n := 0
	stepX, stepY := max(b.Dx()/64, 1), max(b.Dy()/64, 1)
	for y := b.Min.Y; y < b.Max.Y; y += stepY {
		for x := b.Min.X; x < b.Max.X; x += stepX {
			l := float64(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
			c := ((y-b.Min.Y)*8/b.Dy())*8 + (x-b.Min.X)*8/b.Dx()
			cells[c] += l
			counts[c]++
			sum += l
			sq += l * l
			n++
		}
	}
	mean := sum / float64(n)
	for i := range cells {
		if counts[i] > 0 && cells[i]/float64(counts[i]) > mean {
			hash |= 1 << i
		}
	}
	return hash, math.Sqrt(math.Max(sq/float64(n)-mean*mean, 0))
}

// Distance is how many bits two hashes differ in.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }
