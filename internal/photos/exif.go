package photos

import (
	"bytes"
	"encoding/binary"
)

// orientation reads the EXIF Orientation tag (0x0112) of a JPEG: 1 (upright)
// to 8; 1 when there is none or it cannot be read. Only the markers before
// the image data are walked, and only inside their own lengths, so a hostile
// file cannot send the reader past its end.
//
// disintegration/imaging reads the same tag, but only as part of its Decode,
// which then rotates the full-size picture (48 MB more for 12 MP): reading
// the tag here lets the pipeline rotate the scaled picture instead.
func orientation(jpg []byte) int {
	if len(jpg) < 4 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		return 1
	}
	p := 2
	for p+4 <= len(jpg) {
		if jpg[p] != 0xFF {
			return 1
		}
		marker := jpg[p+1]
		switch {
		case marker == 0xFF: // fill byte
			p++
			continue
		case marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01:
			p += 2 // markers without a length
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image: no EXIF after
			return 1
		}
		n := int(binary.BigEndian.Uint16(jpg[p+2:]))
		if n < 2 || p+2+n > len(jpg) {
			return 1
		}
		seg := jpg[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 1
}

// tiffOrientation finds tag 0x0112 in IFD0 of the TIFF structure that EXIF
// carries (TIFF 6.0 §2: header, then 12-byte directory entries).
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[ifd:]))
	for i := range count {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// Type SHORT (3), count 1: the value sits in the first two bytes of
		// the value field.
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
			return 1
		}
		if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// swapsAxes reports whether an orientation turns the picture a quarter:
// the stored width is then the shown height.
func swapsAxes(o int) bool { return o >= 5 && o <= 8 }
