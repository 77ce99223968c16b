package photos

import (
	"image"
	"image/color"

	"golang.org/x/image/draw"
)

// scaleInto draws src scaled into all of dst with op (draw.Src or
// draw.Over).
//
// A reduction is an area average straight into dst: each output pixel is
// the mean of the source pixels it covers, each weighted by how much of it
// it covers (an exact low-pass for the aliasing a big reduction would
// cause), computed a source row at a time, so that nothing but dst and a
// few rows of sums is allocated. x/image/draw's kernel scalers filter as
// well but allocate a float64 buffer of dst width x src height x 4
// channels: 138 MB for a 12 MP photo to 1440x1080. An enlargement (a small
// face's thumbnail) is ApproxBiLinear, which allocates nothing.
func scaleInto(dst *image.RGBA, src image.Image, op draw.Op) {
	sb, db := src.Bounds(), dst.Bounds()
	switch {
	case sb.Dx() == db.Dx() && sb.Dy() == db.Dy():
		draw.Draw(dst, db, src, sb.Min, op)
	case db.Dx() <= sb.Dx() && db.Dy() <= sb.Dy():
		areaReduce(dst, src, op == draw.Over)
	default:
		draw.ApproxBiLinear.Scale(dst, db, src, sb, op, nil)
	}
}

// span says where a source pixel's extent falls among the output pixels
// of a reduction: into output i with weight w0, and into i+1 with w1 when
// it straddles their boundary (a source pixel is never wider than an
// output pixel, so it touches at most two).
type span struct{ i, w0, w1 int }

// spans divides n source pixels among m <= n output pixels. In units of
// 1/(n*m) of the whole, source pixel j covers [j*m, (j+1)*m) and output
// pixel i covers [i*n, (i+1)*n): the weights are whole numbers and each
// output pixel's add up to n.
func spans(n, m int) []span {
	out := make([]span, n)
	for j := range out {
		lo := j * m
		i := lo / n
		if end := (i + 1) * n; lo+m > end {
			out[j] = span{i, end - lo, lo + m - end}
		} else {
			out[j] = span{i, m, 0}
		}
	}
	return out
}

// areaReduce writes into all of dst (no larger than src either way) the
// area average of src, in premultiplied RGBA; over composes it onto what
// dst holds (draw.Over) rather than replacing it.
func areaReduce(dst *image.RGBA, src image.Image, over bool) {
	sb, db := src.Bounds(), dst.Bounds()
	sw, sh, dw, dh := sb.Dx(), sb.Dy(), db.Dx(), db.Dy()
	xs, ys := spans(sw, dw), spans(sh, dh)
	row := make([]uint32, 4*dw) // one source row, reduced across: weights sum to sw
	cur := make([]uint64, 4*dw) // output row ys[y].i, weights sum to sw*sh
	next := make([]uint64, 4*dw)
	total := uint64(sw) * uint64(sh)
	emit := func(oy int, acc []uint64) {
		out := dst.Pix[dst.PixOffset(db.Min.X, db.Min.Y+oy):][:4*dw]
		if !over {
			for i, v := range acc {
				out[i] = uint8((v + total/2) / total)
			}
			return
		}
		for i := 0; i < len(out); i += 4 {
			a := uint32((acc[i+3] + total/2) / total)
			for c := range 4 {
				s := uint32((acc[i+c] + total/2) / total)
				out[i+c] = uint8(s + (uint32(out[i+c])*(255-a)+127)/255)
			}
		}
	}
	ycc, isYCC := src.(*image.YCbCr)
	px := pixelReader(src)
	for y := range sh {
		clear(row)
		sy := sb.Min.Y + y
		if isYCC {
			addYCbCrRow(row, ycc, sy, sb.Min.X, xs)
		} else {
			for x, s := range xs {
				r, g, b, a := px(sb.Min.X+x, sy)
				addPixel(row, s, r, g, b, a)
			}
		}
		s := ys[y]
		for i, v := range row {
			cur[i] += uint64(s.w0) * uint64(v)
		}
		if s.w1 > 0 || y == sh-1 || ys[y+1].i != s.i {
			// This source row ends output row s.i: what it gives the next
			// one starts that.
			for i, v := range row {
				next[i] += uint64(s.w1) * uint64(v)
			}
			emit(s.i, cur)
			cur, next = next, cur
			clear(next)
		}
	}
}

func addPixel(row []uint32, s span, r, g, b, a uint32) {
	o := row[4*s.i : 4*s.i+4 : 4*s.i+4]
	w := uint32(s.w0)
	o[0] += w * r
	o[1] += w * g
	o[2] += w * b
	o[3] += w * a
	if s.w1 > 0 {
		o = row[4*s.i+4 : 4*s.i+8 : 4*s.i+8]
		w = uint32(s.w1)
		o[0] += w * r
		o[1] += w * g
		o[2] += w * b
		o[3] += w * a
	}
}

// addYCbCrRow adds row y of m, converted to RGB, into row: JPEG's YCbCr is
// the common case and the hot one, so it has its own loop.
func addYCbCrRow(row []uint32, m *image.YCbCr, y, x0 int, xs []span) {
	yRow := m.YOffset(x0, y)
	for x, s := range xs {
		ci := m.COffset(x0+x, y)
		r, g, b := color.YCbCrToRGB(m.Y[yRow+x], m.Cb[ci], m.Cr[ci])
		addPixel(row, s, uint32(r), uint32(g), uint32(b), 255)
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
	// Every image type of the standard library has RGBA64At, which returns
	// a value where At would allocate one per pixel.
	if m, ok := src.(image.RGBA64Image); ok {
		return func(x, y int) (uint32, uint32, uint32, uint32) {
			c := m.RGBA64At(x, y)
			return uint32(c.R >> 8), uint32(c.G >> 8), uint32(c.B >> 8), uint32(c.A >> 8)
		}
	}
	return func(x, y int) (uint32, uint32, uint32, uint32) {
		r, g, b, a := src.At(x, y).RGBA()
		return r >> 8, g >> 8, b >> 8, a >> 8
	}
}
