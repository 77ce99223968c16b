package push_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink/push"
)

// The 30000 push body of 004 §6.5.2 (its data), in both spellings, and
// records the decoder must refuse.
var pushRecords = []string{
	`{"companyId":1,"deviceName":"liuyi2","deviceSN":"SPS-23da60ccda8f91a865a7472c1c5d9df5","direction":1,"groupId":0,"groupName":"","id":2,"originAvatar":"","receptionUserId":0,"receptionUserName":"","signAvatar":"5c80cb55bac9be0001d4e93a","signBgAvatar":"5c80cb55bac9be0001d4e93b","signTime":1551944533,"userId":0,"userName":"","userType":3,"verifyScore":0.0}`,
	`{"id":"17","sn":"SPS-1","name":"张三","type":1,"userId":"65838","groups":[{"id":1,"name":"默认组"}],"signTime":1551944533000,"entryMode":1,"jobNumber":"A7","avatar":"5c80cb55bac9be0001d4e93a"}`,
	`{"id":3,"type":2,"groupName":"访客","receptionUserName":"李四","signTime":"1551944533"}`,
	`{"id":0}`, `{"id":-4}`, `{"id":1e30}`, `{"id":"NaN"}`, `null`, `[]`, `{"id":5,"signTime":9223372036854775807}`,
}

var digits = regexp.MustCompile(`^[1-9][0-9]*$`)

// FuzzDecodeRecord: a record decodes to an event with its identity (a
// positive decimal id under the account's key), a face kind, and a
// picture only under the configured image base.
func FuzzDecodeRecord(f *testing.F) {
	for _, r := range pushRecords {
		f.Add([]byte(r), "http://127.0.0.1:9/image")
	}
	now := time.Date(2026, 1, 10, 1, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte, imageBase string) {
		ev, err := push.DecodeRecord(b, "app-key", imageBase, now)
		if err != nil {
			return
		}
		if !digits.MatchString(ev.ID) || ev.Key != push.Vendor+"/app-key/"+ev.ID {
			t.Fatalf("event identity %q / %q", ev.ID, ev.Key)
		}
		if ev.Vendor != push.Vendor || ev.Kind != vendors.EventFace || ev.At.IsZero() || ev.At.Location() != time.UTC {
			t.Fatalf("event %+v", ev)
		}
		if ev.PictureURL != "" && (imageBase == "" || !strings.HasPrefix(ev.PictureURL, strings.TrimRight(imageBase, "/")+"/")) {
			t.Fatalf("picture %q not under %q", ev.PictureURL, imageBase)
		}
		if ev.PersonID != "" && !digits.MatchString(ev.PersonID) {
			t.Fatalf("person id %q", ev.PersonID)
		}
		// The record re-read from its own JSON (its first value: what
		// follows is not read) decodes to the same event.
		var m map[string]json.RawMessage
		if json.NewDecoder(bytes.NewReader(b)).Decode(&m) != nil {
			t.Fatalf("DecodeRecord accepted what encoding/json refuses: %q", b)
		}
		again, _ := json.Marshal(m)
		ev2, err := push.DecodeRecord(again, "app-key", imageBase, now)
		if err != nil || ev2.ID != ev.ID || ev2.At != ev.At || ev2.Group != ev.Group || ev2.PersonName != ev.PersonName {
			t.Fatalf("re-encoded record decodes differently: %+v / %+v (%v)", ev, ev2, err)
		}
	})
}

// replay answers every record query with the same body.
type replay struct{ body []byte }

func (r replay) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(r.body)), Request: req}, nil
}

// FuzzRecordsReply: the record query's reply (004 §6.5.1) through the real
// client: a page never holds more events than the reply's items, and a
// failure is a typed SenseLink error.
func FuzzRecordsReply(f *testing.F) {
	f.Add([]byte(`{"code":200,"message":"OK","data":{"total":2,"totalPage":1,"data":[` + pushRecords[0] + `,` + pushRecords[1] + `]}}`))
	f.Add([]byte(`{"code":200,"data":{"total":1,"totalPage":3,"data":[{"id":0},` + pushRecords[2] + `]}}`))
	f.Add([]byte(`{"code":10003,"message":"timestamp expired"}`))
	f.Add([]byte(`{"code":200,"data":null}`))
	f.Add([]byte(`<html>`))
	now := time.Date(2026, 1, 10, 1, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		cfg := &push.Config{BaseURL: "http://127.0.0.1:9", AppKey: "app-key", AppSecret: "secret",
			HTTP: &http.Client{Transport: replay{body}}, Now: func() time.Time { return now }}
		p, err := push.Records(context.Background(), cfg, push.Query{Start: now.Add(-time.Hour), End: now, Page: 1, Size: 100})
		if err != nil {
			var ve *vendors.Error
			if !errors.As(err, &ve) || ve.Vendor != push.Vendor || ve.Kind == "" {
				t.Fatalf("error %T %v is not a typed error", err, err)
			}
			return
		}
		var env struct {
			Data struct {
				Data []json.RawMessage `json:"data"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &env)
		if len(p.Events) > len(env.Data.Data) {
			t.Fatalf("%d events from %d items", len(p.Events), len(env.Data.Data))
		}
		for _, ev := range p.Events {
			if !digits.MatchString(ev.ID) {
				t.Fatalf("event id %q", ev.ID)
			}
		}
	})
}
