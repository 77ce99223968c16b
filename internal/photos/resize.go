package photos

import (
	"image"
	"image/color"

	"golang.org/x/image/draw"
)

// scaleInto draws src scaled into all of dst with op.
//
// x/image/draw's kernel scalers (BiLinear, CatmullRom) filter properly but
// allocate a float64 buffer of dst width x src height x 4 channels: 138 MB
// for a 12 MP photo to 1440x1080. So a large reduction is done in two steps:
// an integer box average (each output pixel the mean of a k x k block, an
// exact low-pass for the aliasing a big reduction would cause) down to less
// than twice the target, then ApproxBiLinear for the rest, which allocates
// nothing and is accurate at a reduction under 2x.
func scaleInto(dst *image.RGBA, src image.Image, op draw.Op) {
	sb, db := src.Bounds(), dst.Bounds()
	k := min(sb.Dx()/db.Dx(), sb.Dy()/db.Dy())
	if k >= 2 {
		src = boxReduce(src, k)
		sb = src.Bounds()
	}
	if sb.Dx() == db.Dx() && sb.Dy() == db.Dy() {
		draw.Draw(dst, db, src, sb.Min, op)
		return
	}
	draw.ApproxBiLinear.Scale(dst, db, src, sb, op, nil)
}

// boxReduce averages k x k blocks of src into a premultiplied RGBA picture
// of (w/k) x (h/k), dropping the last partial blocks. JPEG's YCbCr has its
// own loop (it is the common case and the hot one); other types go through
// a per-pixel reader.
func boxReduce(src image.Image, k int) *image.RGBA {
	sb := src.Bounds()
	w, h := sb.Dx()/k, sb.Dy()/k
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	acc := make([]uint32, 4*w)
	n := uint32(k * k)
	ycc, isYCC := src.(*image.YCbCr)
	px := pixelReader(src)
	for oy := range h {
		clear(acc)
		for dy := range k {
			y := sb.Min.Y + oy*k + dy
			if isYCC {
				addYCbCrRow(acc, ycc, y, sb.Min.X, w, k)
				continue
			}
			for ox := range w {
				a := acc[4*ox : 4*ox+4 : 4*ox+4]
				x0 := sb.Min.X + ox*k
				for x := x0; x < x0+k; x++ {
					r, g, b, al := px(x, y)
					a[0] += r
					a[1] += g
					a[2] += b
					a[3] += al
				}
			}
		}
		row := out.Pix[oy*out.Stride : oy*out.Stride+4*w]
		for i := range row {
			row[i] = uint8((acc[i] + n/2) / n)
		}
	}
	return out
}

// addYCbCrRow adds row y of m, converted to RGB, into acc by blocks of k.
func addYCbCrRow(acc []uint32, m *image.YCbCr, y, x0, w, k int) {
	yRow := m.YOffset(x0, y)
	for ox := range w {
		a := acc[4*ox : 4*ox+4 : 4*ox+4]
		for i := range k {
			x := x0 + ox*k + i
			ci := m.COffset(x, y)
			r, g, b := color.YCbCrToRGB(m.Y[yRow+ox*k+i], m.Cb[ci], m.Cr[ci])
			a[0] += uint32(r)
			a[1] += uint32(g)
			a[2] += uint32(b)
		}
		a[3] += uint32(255 * k)
	}
}

// pixelReader returns a function giving the premultiplied 8-bit RGBA of a
// pixel, specialised for the types image/png returns.
func pixelReader(src image.Image) func(x, y int) (r, g, b, a uint32) {
	switch m := src.(type) {
	case *image.RGBA:
		return func(x, y int) (uint32, uint32, uint32, uint32) {
			i := m.PixOffset(x, y)
			p := m.Pix[i : i+4 : i+4]
			return uint32(p[0]), uint32(p[1]), uint32(p[2]), uint32(p[3])
		}
	case *image.NRGBA:
		return func(x, y int) (uint32, uint32, uint32, uint32) {
			i := m.PixOffset(x, y)
			p := m.Pix[i : i+4 : i+4]
			a := uint32(p[3])
			return (uint32(p[0])*a + 127) / 255, (uint32(p[1])*a + 127) / 255, (uint32(p[2])*a + 127) / 255, a
		}
	case *image.Gray:
		return func(x, y int) (uint32, uint32, uint32, uint32) {
			v := uint32(m.Pix[m.PixOffset(x, y)])
			return v, v, v, 255
		}
	}
	return func(x, y int) (uint32, uint32, uint32, uint32) {
		r, g, b, a := src.At(x, y).RGBA()
		return r >> 8, g >> 8, b >> 8, a >> 8
	}
}
