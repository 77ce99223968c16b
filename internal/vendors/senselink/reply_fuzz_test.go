package senselink_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
)

// replay answers every call with the same body (safe for the client's
// parallel person reads); after maxCalls it fails the transport.
type replay struct {
	body  []byte
	mu    sync.Mutex
	calls int
}

const maxCalls = 32

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	r.mu.Lock()
	r.calls++
	n := r.calls
	r.mu.Unlock()
	if n > maxCalls {
		return nil, errors.New("fuzz: call budget spent")
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(r.body)), Request: req}, nil
}

// Replies in the shape of 004's examples.
var senselinkReplies = []string{
	`{"code":200,"message":"OK","data":{"id":58,"name":"商汤科技(深圳)有限公司","logo":"5b238d7ec6681b0001466d5e","background":"5b238d7ec6681b0001466d5f","welcome":"欢迎来到商汤科技","introduction":"坚持原创,让 AI 引领人类进步。","contact":"张三","createAt":"2018-05-28 17:31:32.0","updateAt":"2018-06-28 15:57:55.0","validFrom":"2018-06-15 00:00:00.0","validTo":"2018-07-31 00:00:00.0","createBy":17,"threshold":0.85,"language":"zh","serviceConfig":""}}`,
	`{"code":200,"message":"OK","data":{"id":65838,"name":"11111","avatar":"5cbe801835060d0001750f1b","mobile":"","remark":"","type":1,"birthday":"2018-8-1","mail":null,"position":null,"location":null,"groupList":[{"id":1,"name":"默认组","type":1}],"gender":null,"ic_number":"","id_number":"f0bZElBF8oZ2PTC/wXDBfQ==","job_number":"","company_id":1,"create_at":null,"update_at":"2019-04-23 11:01:43","department_id":null,"area_code":null,"entry_time":"2018-1-1"}}`,
	`{"code":200,"message":"OK","data":[{"id":7,"name":"张三","type":1,"gender":2,"groupList":[{"id":1,"name":"默认组","type":1}]},{"id":9000000000000000000,"groupList":[{"id":1}]},{"id":-9000000000000000000,"groupList":[{"id":1}]}]}`,
	`{"code":200,"message":"OK","data":{"total":2,"pageNum":1,"size":2,"pageSize":100,"totalPage":1,"data":[{"id":1,"name":"默认组","type":1,"userNumber":3,"createAt":"2019-04-23 11:01:43"},{"id":2,"name":"访客","type":2}]}}`,
	`{"code":200,"message":"OK","data":{"total":1,"totalPage":1,"size":1,"data":[{"id":4,"sn":"SPS-23da60ccda8f91a865a7472c1c5d9df5","name":"前门","ip":"127.0.0.1","status":1,"direction":1}]}}`,
	`{"code":200,"message":"OK","face_number":4}`,
	`{"code":200,"message":"OK","face_number":1,"data":{"qa_code":0,"qa_msg":"ok","qa_desc":null}}`,
	`{"code":30003,"message":"No Face Detected In The Image","desc":"rpc.no-face-detect"}`,
	`{"code":30002,"message":"Similar User Exist","data":{"id":65838,"name":"11111","can_force":1}}`,
	`{"code":10003,"message":"timestamp expired"}`,
	`{"code":200,"data":"not an object"}`,
	`<html>error</html>`,
}

func checkErr(t *testing.T, op string, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	var ve *vendors.Error
	if !errors.As(err, &ve) || ve.Vendor != senselink.Name || ve.Kind == "" {
		t.Fatalf("%s: error %T %v is not a typed %s error", op, err, err, senselink.Name)
	}
	return false
}

// FuzzSenseLinkReply sends one fuzzed reply body to each read (and the
// enrollment, whose 30002 reply names the similar person) of the adapter.
func FuzzSenseLinkReply(f *testing.F) {
	for _, r := range senselinkReplies {
		for op := range uint8(9) {
			f.Add(op, []byte(r))
		}
	}
	now := time.Date(2026, 1, 10, 9, 30, 0, 0, time.UTC)
	shop := vendors.ShopRef{}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		c, err := senselink.NewClient(vendors.Account{BaseURL: "http://127.0.0.1:9", AppID: "app", Secret: "secret"},
			&http.Client{Transport: &replay{body: body}}, senselink.WithClock(func() time.Time { return now }),
			senselink.WithBackoff(func(context.Context, time.Duration) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		switch op % 9 {
		case 0:
			_, err := c.Company(ctx)
			checkErr(t, "Company", err)
		case 1:
			_, err := c.Devices(ctx)
			checkErr(t, "Devices", err)
		case 2:
			_, err := c.FaceGroups(ctx, shop)
			checkErr(t, "FaceGroups", err)
		case 3:
			_, err := c.People(ctx, senselink.PeopleQuery{Name: "张三"})
			checkErr(t, "People", err)
		case 4:
			_, err := c.Face(ctx, shop, "65838")
			checkErr(t, "Face", err)
		case 5:
			const size = 10
			page, err := c.Faces(ctx, shop, "1", 1, size)
			if !checkErr(t, "Faces", err) {
				return
			}
			if len(page.Faces) > size || page.Total < len(page.Faces) {
				t.Fatalf("page of %d faces of %d, size %d", len(page.Faces), page.Total, size)
			}
			for i, fc := range page.Faces {
				if fc.GroupID != "1" {
					t.Fatalf("face %s of group %q listed in group 1", fc.ID, fc.GroupID)
				}
				if i > 0 {
					a, _ := strconv.ParseInt(page.Faces[i-1].ID, 10, 64)
					b, _ := strconv.ParseInt(fc.ID, 10, 64)
					if a > b {
						t.Fatalf("faces out of id order: %s before %s", page.Faces[i-1].ID, fc.ID)
					}
				}
			}
		case 6:
			pc, err := c.CheckPhoto(ctx, []byte{0xFF, 0xD8, 0xFF, 0xD9})
			if !checkErr(t, "CheckPhoto", err) {
				return
			}
			if pc.Faces < 0 || (pc.OK && pc.Faces != 1) {
				t.Fatalf("photo check %+v", pc)
			}
		case 7:
			_, err := c.AddFace(ctx, shop, "1", vendors.FaceInput{Name: "张三"}, []byte{0xFF, 0xD8, 0xFF, 0xD9})
			var sim *vendors.SimilarFaceError
			if errors.As(err, &sim) && sim.Existing.ID == "" {
				t.Fatalf("similar face without an id: %+v", sim)
			}
			checkErr(t, "AddFace", err)
		case 8:
			_, err := c.Departments(ctx)
			checkErr(t, "Departments", err)
		}
	})
}
