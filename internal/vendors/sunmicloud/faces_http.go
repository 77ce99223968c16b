package sunmicloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"sort"

	"storelens/internal/vendors"
)

// maxPhoto is the largest photo /face/add is sent: 001 §3.3.8 "1M以下",
// read as 1,000,000 bytes to be safe (NOTES 9).
const maxPhoto = 1_000_000

// faceCall is call for the face APIs: the same signing, retries and
// envelope, with the face tables' meanings of the codes (faceKindFor).
func (c *Client) faceCall(ctx context.Context, op string, params map[string]string, idempotent bool, out any) error {
	return faceKinds(op, c.call(ctx, op, params, idempotent, out))
}

// upload posts params and one file as multipart/form-data (001 §3.3.8:
// "application/form-data", NOTES 17). The value fields are signed as any
// request's; the file part is not (NOTES "Signing" 1). Uploads are writes:
// never retried.
func (c *Client) upload(ctx context.Context, op string, params map[string]string, field, filename string, file []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	form := c.signed(params)
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, k := range keys {
		if err := mw.WriteField(k, form.Get(k)); err != nil {
			return c.fail(op, vendors.KindOther, 0, "", err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	h.Set("Content-Type", "image/jpeg")
	fw, err := mw.CreatePart(h)
	if err == nil {
		_, err = fw.Write(file)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return c.fail(op, vendors.KindOther, 0, "", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+op, &body)
	if err != nil {
		return c.fail(op, vendors.KindOther, 0, "", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.fail(op, vendors.KindUnavailable, 0, "", redact(err))
	}
	defer resp.Body.Close()
	return faceKinds(op, c.reply(op, resp, out))
}

// reply reads a reply as once does; a 413 means the photo was too large.
func (c *Client) reply(op string, resp *http.Response, out any) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return c.fail(op, vendors.KindUnavailable, 0, "", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return c.fail(op, vendors.KindAuth, 5090, "invalid sign", nil)
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		return c.fail(op, vendors.KindPhotoRejected, 0, "", errors.New("HTTP 413: larger than 1M"))
	case resp.StatusCode >= 500:
		return c.fail(op, vendors.KindUnavailable, 0, "", fmt.Errorf("HTTP %d", resp.StatusCode))
	case resp.StatusCode != http.StatusOK:
		return c.fail(op, vendors.KindOther, 0, "", fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return c.fail(op, vendors.KindMalformed, 0, "", fmt.Errorf("decode reply: %w", err))
	}
	if env.Code != 0 {
		return c.fail(op, kindFor(op, int(env.Code)), int(env.Code), env.Msg, nil)
	}
	if out == nil || len(env.Data) == 0 || string(env.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return c.fail(op, vendors.KindMalformed, 0, "", fmt.Errorf("decode data: %w", err))
	}
	return nil
}

// faceOpKinds are the face tables' meanings of their codes (001 §3.3.x;
// NOTES 22: 5506 and 5509 mean other things in the device APIs).
var faceOpKinds = map[string]map[int]vendors.Kind{
	"/face/group/create":             {5518: vendors.KindInternal, 5523: vendors.KindGroupExists},
	"/face/group/update":             {5506: vendors.KindGroupUnknown, 5523: vendors.KindGroupExists, 5525: vendors.KindDefaultGroup},
	"/face/group/delete":             {5506: vendors.KindGroupUnknown, 5509: vendors.KindGroupNotEmpty, 5524: vendors.KindDefaultGroup},
	"/face/group/getFaceList":        {5506: vendors.KindGroupUnknown},
	"/face/getInfo":                  {5506: vendors.KindFaceUnknown},
	"/face/update":                   {5521: vendors.KindFaceNotInGroup},
	"/face/group/move":               {5521: vendors.KindFaceNotInGroup, 5522: vendors.KindGroupUnknown},
	"/face/group/updateMoveStrategy": {5506: vendors.KindGroupUnknown, 5525: vendors.KindDefaultGroup},
}

// faceCommonKinds hold in every face table.
var faceCommonKinds = map[int]vendors.Kind{
	5041: vendors.KindInvalidParam, // 请求中未找到shop_id参数: the shop is not linked right
	5520: vendors.KindGroupFull,    // 已经达到最大人脸分组数量或已经达到最大人脸容量
}

// faceKinds re-reads the Kind of a coded face-API error.
func faceKinds(op string, err error) error {
	var ve *vendors.Error
	if !errors.As(err, &ve) || ve.Code == 0 {
		return err
	}
	if k, ok := faceOpKinds[op][ve.Code]; ok {
		ve.Kind = k
	} else if k, ok := faceCommonKinds[ve.Code]; ok {
		ve.Kind = k
	}
	return err
}
