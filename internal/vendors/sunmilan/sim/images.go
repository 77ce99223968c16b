package sim

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
)

// Portrait draws a small face-like JPEG for a snapshot path: a head and
// shoulders in colours drawn from the path, so pictures differ from event
// to event the way real captures do.
func Portrait(path string) []byte {
	h := fnv.New64a()
	h.Write([]byte(path))
	seed := h.Sum64() % 64 // a handful of distinct pictures is enough
	const w, ht = 160, 160
	img := image.NewRGBA(image.Rect(0, 0, w, ht))
	bg := color.RGBA{uint8(60 + seed*37%120), uint8(70 + seed*53%110), uint8(90 + seed*29%120), 255}
	skins := []color.RGBA{{241, 194, 125, 255}, {224, 172, 105, 255}, {198, 134, 66, 255}, {255, 219, 172, 255}}
	skin := skins[seed%4]
	shirt := color.RGBA{uint8(seed * 71 % 200), uint8(seed * 113 % 200), uint8(seed * 31 % 200), 255}
	hair := color.RGBA{uint8(20 + seed%40), uint8(15 + seed%30), 10, 255}
	for y := 0; y < ht; y++ {
		for x := 0; x < w; x++ {
			c := bg
			dx, dy := x-80, y-70
			switch {
			case dx*dx*100/(36*36)+dy*dy*100/(46*46) <= 100:
				c = skin
				if y < 42 || (y < 60 && (x < 50 || x > 110)) {
					c = hair
				}
				if (dx+14)*(dx+14)+(dy+6)*(dy+6) < 20 || (dx-14)*(dx-14)+(dy+6)*(dy+6) < 20 {
					c = color.RGBA{40, 30, 30, 255}
				}
				if dy > 18 && dy < 22 && dx > -12 && dx < 12 {
					c = color.RGBA{170, 80, 80, 255}
				}
			case y > 120 && (x-80)*(x-80) < (y-100)*(y-100)*3:
				c = shirt
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	return buf.Bytes()
}
