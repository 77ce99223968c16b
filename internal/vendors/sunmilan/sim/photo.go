package sim

import (
	"bytes"
	"image"
	_ "image/jpeg" // 003: jpg or png
	_ "image/png"

	"storelens/internal/vendors/simphoto"
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
	hash, contrast := simphoto.Fingerprint(img)
	if cfg.Width < minFaceSide || cfg.Height < minFaceSide || contrast < minContrast {
		return 0, codeNoFace
	}
	return hash, codeOK
}
