package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image/jpeg"
	"strings"

	"storelens/internal/vendors/simphoto"
)

// The simulator's face "detection" is a documented rule, not a model:
//
//   - a photo part that is not Content-Type image/jpeg or does not decode
//     as a JPEG is illegal: 30005 (§6.3.1 "Centent-Type: image/jpeg");
//   - a photo whose luma is nearly uniform (standard deviation under 8)
//     shows no face: 30003; any other shows one face;
//   - a photo with a side under 100 pixels grades 10201 (too small); any
//     other grades 0 (PASS);
//   - SetPhotoVerdict overrides the count and the grade for one photo (by
//     SHA-256), for the other §6.6.2 codes;
//   - two photos show "the same person" when the 64-bit average hash of
//     their 8x8 luma differs in at most SimilarBits bits: adding the second
//     is refused with 30002 naming the first unless force=1.

// SimilarBits is the average-hash distance under which two photos are the
// same person.
const SimilarBits = 6

// Verdict is what the simulator decides about a photo.
type Verdict struct {
	Faces   int
	Quality int // §6.6.2 qa_code
}

// photo is a decoded upload.
type photo struct {
	sha   string
	hash  uint64
	v     Verdict
	valid bool
}

// SetPhotoVerdict fixes the verdict for the photo with these bytes.
func (s *Server) SetPhotoVerdict(jpegBytes []byte, v Verdict) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.verdicts == nil {
		s.verdicts = map[string]Verdict{}
	}
	sum := sha256.Sum256(jpegBytes)
	s.verdicts[hex.EncodeToString(sum[:])] = v
}

// examine applies the rule to an upload (the server's mutex is held).
func (s *Server) examine(data []byte, contentType string) photo {
	sum := sha256.Sum256(data)
	p := photo{sha: hex.EncodeToString(sum[:])}
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "image/jpeg") {
		return p
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return p
	}
	p.valid = true
	var dev float64
	p.hash, dev = simphoto.Fingerprint(img)
	p.v = Verdict{Faces: 1}
	if dev < 8 {
		p.v.Faces = 0
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		p.v.Quality = 10201
	}
	if v, ok := s.verdicts[p.sha]; ok {
		p.v = v
	}
	return p
}

func similarHash(a, b uint64) bool { return simphoto.Distance(a, b) <= SimilarBits }
