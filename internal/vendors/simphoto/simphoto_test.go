package simphoto

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"testing"
)

func load(t *testing.T, name string) image.Image {
	t.Helper()
	b, err := os.ReadFile("../../photos/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// halfJPEG is img at half size, re-encoded as a JPEG: what an upload
// pipeline does to a photo.
func halfJPEG(t *testing.T, img image.Image) image.Image {
	b := img.Bounds()
	small := image.NewRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
	for y := 0; y < b.Dy()/2; y++ {
		for x := 0; x < b.Dx()/2; x++ {
			small.Set(x, y, img.At(b.Min.X+2*x, b.Min.Y+2*y))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFingerprint(t *testing.T) {
	astro, cat := load(t, "astronaut.png"), load(t, "chelsea.png")
	ha, ca := Fingerprint(astro)
	hr, _ := Fingerprint(halfJPEG(t, astro))
	hc, _ := Fingerprint(cat)
	if d := Distance(ha, hr); d > 6 {
		t.Errorf("the same photo rescaled and re-encoded is %d bits away, want at most 6", d)
	}
	if d := Distance(ha, hc); d <= 6 {
		t.Errorf("two different photos are only %d bits apart", d)
	}
	flat := image.NewRGBA(image.Rect(0, 0, 200, 200))
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.Gray{Y: 128}), image.Point{}, draw.Src)
	if _, c := Fingerprint(flat); c != 0 || ca < 30 {
		t.Errorf("contrast: flat %.1f (want 0), a photo %.1f (want well above)", c, ca)
	}
}
