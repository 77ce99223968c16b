package senselink

import (
	"context"
	"net/http"

	"storelens/internal/vendors"
)

// Quality codes of §6.6.2 (qa_code); 0 passes. The faces message files
// explain each as faces.senselink.qa.<code>.
var QualityCodes = []int{0, 101, 10201, 10301, 1030201, 1030301, 1030302, 1030303, 10401, 10402, 10403, 10404, 10405, 10406, 10407}

// Quality is §6.6.2's verdict.
type Quality struct {
	Code      int
	Msg, Desc string
}

func facePart(jpeg []byte) []File {
	return []File{{Field: "face_avatar", Name: "face.jpg", ContentType: "image/jpeg", Data: jpeg}}
}

// CountFaces counts the faces in a photo (§6.6.1). A photo without any is
// 0, not an error (the vendor answers 30003).
func (c *Client) CountFaces(ctx context.Context, jpeg []byte) (int, error) {
	// face_number is at the top of the reply although the table says data
	// (NOTES 87): read both.
	var r struct {
		FaceNumber *flexInt `json:"face_number"`
		Data       *flexInt `json:"data"`
	}
	err := c.call(ctx, request{Method: http.MethodPost, Path: "/api/v1/recognition/check", Files: facePart(jpeg), Read: true, Whole: true}, &r)
	var ve *vendors.Error
	if asVendor(err, &ve) && ve.Code == codeNoFace {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	switch {
	case r.FaceNumber != nil:
		return int(*r.FaceNumber), nil
	case r.Data != nil:
		return int(*r.Data), nil
	}
	return 0, c.fail("/api/v1/recognition/check", vendors.KindMalformed, 0, "", nil)
}

// CheckQuality has the vendor grade a face photo (§6.6.2).
func (c *Client) CheckQuality(ctx context.Context, jpeg []byte) (Quality, error) {
	var r struct {
		Code flexInt `json:"qa_code"`
		Msg  nstring `json:"qa_msg"`
		Desc nstring `json:"qa_desc"`
	}
	err := c.call(ctx, request{Method: http.MethodPost, Path: "/api/v1/recognition/quality", Files: facePart(jpeg), Read: true}, &r)
	return Quality{Code: int(r.Code), Msg: string(r.Msg), Desc: string(r.Desc)}, err
}

// CheckPhoto implements vendors.PhotoChecker: the face count, then (for
// one face) the quality grade. OK means exactly one face that passes.
func (c *Client) CheckPhoto(ctx context.Context, jpeg []byte) (vendors.PhotoCheck, error) {
	n, err := c.CountFaces(ctx, jpeg)
	if err != nil || n != 1 {
		return vendors.PhotoCheck{Faces: n}, err
	}
	q, err := c.CheckQuality(ctx, jpeg)
	if err != nil {
		return vendors.PhotoCheck{Faces: n}, err
	}
	return vendors.PhotoCheck{Faces: n, QualityCode: q.Code, OK: q.Code == 0}, nil
}
