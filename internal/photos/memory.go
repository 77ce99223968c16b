package photos

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// The memory a photo needs is worked out from its header, before any pixel
// is allocated, by following the pipeline's own steps: what image/jpeg or
// image/png allocates for the declared picture, the reduction and the
// output picture, the orientation copy, the detector's small copies, the
// encoder's buffer and the thumbnail. It is what one Process allocates in
// all (TestEstimateCoversAllocations compares it with the allocations
// measured for each kind of picture), so the garbage a photo leaves until
// the next collection is counted as well as what is live at its peak.

// header is what a picture's header says about its decoding.
type header struct {
	Format        Format
	Width, Height int
	// JPEG: the components with their sampling factors, and whether
	// image/jpeg converts the picture to RGBA (RGB-coded) or CMYK.
	Components  int
	Sampling    [4][2]int // h, v per component
	Progressive bool      // image/jpeg keeps every coefficient: 4 bytes per sample
	RGB         bool      // 3 components coded as RGB: converted to RGBA
	// PNG: the bytes per pixel of the decoded picture, and Adam7
	// interlacing (each pass is decoded into its own picture).
	PixelBytes int
	Interlaced bool
}

// readHeader reads the frame of a JPEG or the IHDR of a PNG. ok is false
// when it cannot (Check has already refused what image's DecodeConfig
// cannot read; the estimate then assumes the costliest JPEG).
func readHeader(f Format, data []byte, w, h int) (header, bool) {
	switch f {
	case JPEG:
		return jpegHeader(data, w, h)
	case PNG:
		return pngHeader(data, w, h)
	}
	return header{}, false
}

// jpegHeader walks the markers before the first scan (as orientation does)
// and reads the start of frame (ITU T.81 B.2.2), JFIF's APP0 and Adobe's
// APP14, which decide, as in image/jpeg, whether the picture is YCbCr.
func jpegHeader(jpg []byte, w, h int) (header, bool) {
	hd := header{Format: JPEG, Width: w, Height: h}
	var jfif, adobe bool
	var transform byte
	var ids [4]byte
	p := 2
	for p+4 <= len(jpg) {
		if jpg[p] != 0xFF {
			return hd, false
		}
		marker := jpg[p+1]
		switch {
		case marker == 0xFF:
			p++
			continue
		case marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01:
			p += 2
			continue
		case marker == 0xDA || marker == 0xD9:
			if hd.Components == 0 {
				return hd, false
			}
			if hd.Components == 3 && !jfif {
				hd.RGB = (adobe && transform == 0) || (ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B')
			}
			return hd, true
		}
		n := int(binary.BigEndian.Uint16(jpg[p+2:]))
		if n < 2 || p+2+n > len(jpg) {
			return hd, false
		}
		seg := jpg[p+4 : p+2+n]
		switch {
		case marker == 0xE0 && len(seg) >= 5:
			jfif = bytes.HasPrefix(seg, []byte("JFIF\x00"))
		case marker == 0xEE && len(seg) >= 12 && bytes.HasPrefix(seg, []byte("Adobe")):
			adobe, transform = true, seg[11]
		case (marker == 0xC0 || marker == 0xC1 || marker == 0xC2) && hd.Components == 0:
			if len(seg) < 6 {
				return hd, false
			}
			nc := int(seg[5])
			if nc != 1 && nc != 3 && nc != 4 || len(seg) < 6+3*nc {
				return hd, false
			}
			hd.Components, hd.Progressive = nc, marker == 0xC2
			for i := range nc {
				ids[i] = seg[6+3*i]
				hv := seg[7+3*i]
				hd.Sampling[i] = [2]int{max(1, int(hv>>4)), max(1, int(hv&0x0F))}
			}
			if nc == 1 {
				hd.Sampling[0] = [2]int{1, 1} // image/jpeg ignores a lone component's factors
			}
		}
		p += 2 + n
	}
	return hd, false
}

// pngHeader reads IHDR (PNG §11.2.2) and looks for a tRNS chunk before the
// image data: image/png then decodes grey and RGB pictures as NRGBA.
func pngHeader(data []byte, w, h int) (header, bool) {
	hd := header{Format: PNG, Width: w, Height: h}
	if len(data) < 33 || string(data[12:16]) != "IHDR" {
		return hd, false
	}
	depth, ct := data[24], data[25]
	hd.Interlaced = data[28] == 1
	trns := false
	for p := 33; p+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		if typ == "IDAT" || typ == "IEND" || n < 0 || n > len(data) {
			break
		}
		trns = trns || typ == "tRNS"
		p += 12 + n
	}
	wide := depth == 16
	switch ct {
	case 0: // grey
		switch {
		case trns && wide:
			hd.PixelBytes = 8
		case trns:
			hd.PixelBytes = 4
		case wide:
			hd.PixelBytes = 2
		default:
			hd.PixelBytes = 1
		}
	case 3: // palette
		hd.PixelBytes = 1
	case 2, 4, 6: // RGB, grey and alpha, RGBA
		hd.PixelBytes = 4
		if wide {
			hd.PixelBytes = 8
		}
	default:
		return hd, false
	}
	return hd, true
}

// decodeBytes is what image/jpeg or image/png allocates to decode the
// picture the header describes.
func (hd header) decodeBytes() int64 {
	w, h := int64(hd.Width), int64(hd.Height)
	if hd.Format == PNG {
		n := w * h * int64(hd.PixelBytes)
		if hd.Interlaced {
			n *= 2 // the seven passes add up to the picture once more
		}
		return n + 2*(8*w+1) // the current and previous rows
	}
	// image/jpeg allocates whole MCUs (scan.go makeImg): mxx x myy of them,
	// each h x v blocks of 64 samples per component.
	hmax, vmax := 1, 1
	for i := range hd.Components {
		hmax, vmax = max(hmax, hd.Sampling[i][0]), max(vmax, hd.Sampling[i][1])
	}
	mxx := (w + int64(8*hmax) - 1) / int64(8*hmax)
	myy := (h + int64(8*vmax) - 1) / int64(8*vmax)
	var samples int64
	for i := range hd.Components {
		samples += mxx * myy * int64(hd.Sampling[i][0]*hd.Sampling[i][1]) * 64
	}
	n := samples
	if hd.Progressive {
		n += 4 * samples // a [64]int32 block per 64 samples, kept until the end
	}
	if hd.Components == 4 || hd.RGB {
		n += 4 * w * h // converted to CMYK or RGBA
	}
	return n
}

// worstJPEG is the costliest picture image/jpeg decodes: four components
// at full resolution, progressive, converted to CMYK.
func worstJPEG(w, h int) header {
	return header{Format: JPEG, Width: w, Height: h, Components: 4, Progressive: true,
		Sampling: [4][2]int{{1, 1}, {1, 1}, {1, 1}, {1, 1}}}
}

// scaleBytes is what scaleInto allocates to reduce sw x sh to dw x dh:
// the source pixels' spans and the sums of a row.
func scaleBytes(sw, sh, dw, dh int) int64 {
	if dw > sw || dh > sh || dw == sw && dh == sh {
		return 0 // copied, or enlarged by ApproxBiLinear: nothing allocated
	}
	return 24*int64(sw+sh) + 80*int64(dw)
}

// fitBox is the size decodeScaled scales w x h to: inside the output box
// as shown (the box turned for a picture stored sideways), never larger.
func fitBox(w, h, boxW, boxH, orient int) (int, int) {
	if swapsAxes(orient) {
		boxW, boxH = boxH, boxW
	}
	scale := math.Min(1, math.Min(float64(boxW)/float64(w), float64(boxH)/float64(h)))
	return max(1, int(math.Round(float64(w)*scale))), max(1, int(math.Round(float64(h)*scale)))
}

// estimate is the bytes one Process of data needs, the upload included.
func (p *Pipeline) estimate(hd header, orient, dataLen int) int64 {
	w, h := hd.Width, hd.Height
	n := int64(dataLen) + hd.decodeBytes()
	ow, oh := fitBox(w, h, p.lim.OutWidth, p.lim.OutHeight, orient)
	out := int64(ow) * int64(oh) * 4
	n += scaleBytes(w, h, ow, oh) + out
	if orient != 1 {
		n += out // imaging's turned copy
	}
	if swapsAxes(orient) {
		ow, oh = oh, ow
	}
	n += p.det.costBytes(ow, oh)
	n += 2 * int64(p.lim.OutBytes) // the encoder's buffer and the result
	// The thumbnail: its picture, the reduction of the crop (at most the
	// whole picture) and its JPEG (never larger than the pixels).
	t := p.lim.ThumbSide
	n += 2*int64(t)*int64(t)*4 + scaleBytes(ow, oh, t, t)
	return n + estimateSlack
}

// estimateSlack covers what does not grow with the picture: the decoders'
// tables and buffers, pigo's detections, the bookkeeping of the result.
const estimateSlack = 1 << 20

// MemoryError refuses a photo that needs more memory than the pipeline's
// whole budget: it could never be processed, so it is not kept waiting.
type MemoryError struct {
	Width, Height int
	Need, Budget  int64 // bytes
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("photos: a %dx%d picture needs about %d MB to process, more than the %d MB allowed for photos",
		e.Width, e.Height, mb(e.Need), mb(e.Budget))
}

// mb rounds bytes up to whole megabytes (2^20).
func mb(n int64) int64 { return (n + 1<<20 - 1) >> 20 }
