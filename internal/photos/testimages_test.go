package photos

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"testing"
)

// Helpers that make the test pictures the shared test data does not hold
// (testdata/README.md): they start from the real photos.

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodePNG(t testing.TB, name string) *image.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(readFile(t, name)))
	if err != nil {
		t.Fatal(err)
	}
	r := image.NewRGBA(img.Bounds())
	draw.Draw(r, r.Bounds(), img, image.Point{}, draw.Src)
	return r
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// twoAstronauts puts astronaut.png twice side by side: two faces.
func twoAstronauts(t testing.TB) *image.RGBA {
	a := decodePNG(t, "astronaut.png")
	two := image.NewRGBA(image.Rect(0, 0, 1024, 512))
	draw.Draw(two, a.Bounds(), a, image.Point{}, draw.Src)
	draw.Draw(two, a.Bounds().Add(image.Pt(512, 0)), a, image.Point{}, draw.Src)
	return two
}

// bigPhoto is a w x h picture: astronaut.png scaled up to fill the height
// in the middle of a textured background (grain, like a camera sensor's,
// so the JPEG weighs what a real photo does).
func bigPhoto(t testing.TB, w, h int) *image.RGBA {
	a := decodePNG(t, "astronaut.png")
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(img.Pix); i += 4 {
		v := uint8(90 + rng.IntN(60))
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = v, v+10, v-20, 255
	}
	side := h
	x := (w - side) / 2
	scaleNearest(img, image.Rect(x, 0, x+side, side), a)
	return img
}

func scaleNearest(dst *image.RGBA, r image.Rectangle, src *image.RGBA) {
	sb := src.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		sy := sb.Min.Y + (y-r.Min.Y)*sb.Dy()/r.Dy()
		for x := r.Min.X; x < r.Max.X; x++ {
			sx := sb.Min.X + (x-r.Min.X)*sb.Dx()/r.Dx()
			dst.SetRGBA(x, y, src.RGBAAt(sx, sy))
		}
	}
}

// portrait is astronaut.png on a grey 512x800 portrait canvas.
func portrait(t testing.TB) *image.RGBA {
	a := decodePNG(t, "astronaut.png")
	img := image.NewRGBA(image.Rect(0, 0, 512, 800))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{128, 128, 128, 255}), image.Point{}, draw.Src)
	draw.Draw(img, a.Bounds().Add(image.Pt(0, 100)), a, image.Point{}, draw.Src)
	return img
}

// rotateCCW turns img a quarter counter-clockwise: what a phone held
// sideways stores, to be shown after EXIF orientation 6 (rotate 90° CW).
func rotateCCW(img *image.RGBA) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.SetRGBA(y, b.Dx()-1-x, img.RGBAAt(x, y))
		}
	}
	return out
}

// withOrientation inserts an APP1 EXIF segment holding only IFD0 with the
// Orientation tag right after the JPEG's SOI marker, in big- or
// little-endian TIFF as cameras write either (TIFF 6.0 §2).
func withOrientation(jpg []byte, o uint16, big bool) []byte {
	var bo interface {
		AppendUint16([]byte, uint16) []byte
		AppendUint32([]byte, uint32) []byte
	} = binary.LittleEndian
	tiff := []byte("II*\x00")
	if big {
		bo = binary.BigEndian
		tiff = []byte("MM\x00*")
	}
	tiff = bo.AppendUint32(tiff, 8)       // IFD0 right after the header
	tiff = bo.AppendUint16(tiff, 2)       // two entries
	tiff = bo.AppendUint16(tiff, 0x010F)  // Make, ASCII, 4 bytes inline
	tiff = bo.AppendUint16(tiff, 2)       //
	tiff = bo.AppendUint32(tiff, 4)       //
	tiff = append(tiff, 'A', 'C', 'M', 0) //
	tiff = bo.AppendUint16(tiff, 0x0112)  // Orientation
	tiff = bo.AppendUint16(tiff, 3)       // SHORT
	tiff = bo.AppendUint32(tiff, 1)       // count 1
	tiff = bo.AppendUint16(tiff, o)       // value, left-justified
	tiff = append(tiff, 0, 0)             //
	tiff = bo.AppendUint32(tiff, 0)       // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1}
	app1 = binary.BigEndian.AppendUint16(app1, uint16(len(seg)+2))
	app1 = append(app1, seg...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

// pngBomb is a valid PNG header declaring w x h RGB pixels, followed by a
// short IDAT of zeros: decoded, it would need w*h*4 bytes.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB, no interlace
	chunk("IHDR", ihdr)
	// zlib stream of a few KB of zeros: deflate of zeros compresses ~1000:1.
	chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0xa3, 0x60, 0x14, 0x0c, 0x77, 0x00, 0x00})
	chunk("IEND", nil)
	return b.Bytes()
}
