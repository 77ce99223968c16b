package sunmilan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"testing"
	"time"

	"storelens/internal/vendors"
)

// replay answers every call with the same body; after maxCalls it fails
// the transport, which bounds paging and retries.
type replay struct {
	body  []byte
	calls int
}

const maxCalls = 24

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	r.calls++
	if r.calls > maxCalls {
		return nil, errors.New("fuzz: call budget spent")
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(r.body)), Request: req}, nil
}

// Replies in the shape of 003's examples; some keep the examples' trailing
// commas, which the client reads (NOTES 57).
var lanReplies = []string{
	`{"code":0,"data":{"total":2998,"stat_list":[{"start_time":1561910400,"end_time":1561996800,"total":1499,"male_num_stat":[10,20,50,109,280,380,156,10],"female_num_stat":[11,34,50,78,132,45,123,11]},{"start_time":1561996800,"end_time":1562083200,"total":1499,"male_num_stat":[10,20,50,109,280,380,156,10],"female_num_stat":[11,34,50,78,132,45,123,11],},]}}`,
	`{"code":0,"data":{"total_num":2,"return_num":2,"face_list":[{"faceid":"000001","group_name":"vip","age":"32","age_range":5,"gender":1,"arrive_times":100,"item1":"value1"},{"faceid":"000002","group_name":"vip","age":"30","age_range":5,"gender":1,"arrive_times":99}]}}`,
	`{"data":{"sub_event":[{"event":"face_recog_event","http_callback":["127.0.0.1:8000"]},{"event":"dynamic_detect_event","http_callback":["127.0.0.1:8000"]}]},"code":0}`,
	`{"code":0,"data":{"total_num":"3","record_list":[{"start_time":1561910400,"end_time":1561910460,"url":"rtsp://127.0.0.1/r1"}]}}`,
	`{"code":0,"data":{"total_times":2,"came_in_time":[1561910400,"1561910460"]}}`,
	`{"code":0,"data":{"group_list":[{"group_name":"default","capacity":1000,"count":2,"description":"x"}],"total_num":1}}`,
	`{"code":0,"data":{"sn":"C201D8BS00101","model":"FM020","mac":"0C:25:76:6F:59:01","firmware_version":"1.0.0","ip":"127.0.0.1"}}`,
	`{"code":0,"data":{"rtsp_url":{"fhd":"rtsp://127.0.0.1/fhd","hd":"rtsp://127.0.0.1/hd"}}}`,
	`{"code":0,"data":{"rotation":[0,90,180,270]}}`,
	`{"code":280,"msg":"no record"}`,
	`{"code":"1","msg":"sign error",}`,
	`{"code":0,"data":{"total":"NaN","stat_list":[{"start_time":1561910400,"end_time":1561996800,"total":"NaN","male_num_stat":[1e300,0,0,0,0,0,0,0]}]}}`,
	`not json`,
}

func checkErr(t *testing.T, op string, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	var ve *vendors.Error
	var fe *FieldError
	if errors.As(err, &fe) {
		t.Fatalf("%s: the request was refused before it was sent: %v", op, err)
	}
	if !errors.As(err, &ve) || ve.Vendor != Name || ve.Kind == "" {
		t.Fatalf("%s: error %T %v is not a typed %s error", op, err, err, Name)
	}
	return false
}

// FuzzLANReply sends one fuzzed reply body to each read of the camera
// client (chosen by op), through its real request and decode path.
func FuzzLANReply(f *testing.F) {
	for _, r := range lanReplies {
		for op := range uint8(12) {
			f.Add(op, []byte(r))
		}
	}
	now := time.Date(2019, 7, 3, 1, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		c, err := New(Config{Address: "127.0.0.1:9", AppID: "app", Secret: "secret", ActivationCode: "act",
			Now: func() time.Time { return now }, Random: func() string { return "289192" },
			Sleep: func(context.Context, time.Duration) error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		rt := &replay{body: body}
		c.hc = &http.Client{Transport: rt}
		ctx := context.Background()
		from, to := now.Add(-48*time.Hour), now
		switch op % 12 {
		case 0:
			_, err := c.Info(ctx)
			checkErr(t, "Info", err)
		case 1:
			_, err := c.Groups(ctx)
			checkErr(t, "Groups", err)
		case 2:
			_, err := c.FaceList(ctx, "vip", 1, 20)
			checkErr(t, "FaceList", err)
		case 3:
			_, _, err := c.Visitors(ctx, VisitorFilter{From: from, To: to, Order: 2, Group: "vip", Page: 1, Size: 20})
			checkErr(t, "Visitors", err)
		case 4:
			stats, err := c.PeopleStats(ctx, FlowIn, from, to, PeriodDay)
			if !checkErr(t, "PeopleStats", err) {
				return
			}
			for _, s := range stats {
				for _, n := range append(s.Male[:], append(s.Female[:], s.Total)...) {
					if n == math.MinInt64 || n == math.MaxInt64 { // what NaN or an out-of-range float converts to
						t.Fatalf("count %d is an undefined conversion (%+v)", n, s)
					}
				}
			}
		case 5:
			recs, err := c.Records(ctx, from, to)
			if checkErr(t, "Records", err) && len(recs) > rt.calls*maxPageSize {
				t.Fatalf("%d records from %d pages", len(recs), rt.calls)
			}
		case 6:
			_, err := c.FaceVisits(ctx, "000001", from, to)
			checkErr(t, "FaceVisits", err)
		case 7:
			_, err := c.Hooks(ctx)
			checkErr(t, "Hooks", err)
		case 8:
			_, err := c.IPConfig(ctx)
			checkErr(t, "IPConfig", err)
		case 9:
			_, err := c.LiveStream(ctx)
			checkErr(t, "LiveStream", err)
		case 10:
			_, err := c.RotationAngles(ctx)
			checkErr(t, "RotationAngles", err)
		case 11:
			_, err := c.Face(ctx, "000001")
			checkErr(t, "Face", err)
		}
	})
}

// FuzzLenientJSON: the trailing-comma repair changes nothing in valid JSON
// (a valid reply decodes exactly as encoding/json decodes it, or is refused
// as it refuses it) and only ever removes bytes.
func FuzzLenientJSON(f *testing.F) {
	for _, r := range lanReplies {
		f.Add([]byte(r))
	}
	f.Add([]byte(`{"a":"x,}","b":[1,2,],}`))
	f.Add([]byte(`["\",]",  ,]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fixed, changed := dropTrailingCommas(b)
		if len(fixed) > len(b) || changed != (len(fixed) < len(b)) {
			t.Fatalf("repair of %q gave %q (changed %v)", b, fixed, changed)
		}
		if !json.Valid(b) {
			return
		}
		if changed || !bytes.Equal(fixed, b) {
			t.Fatalf("valid JSON %q changed to %q", b, fixed)
		}
		var a, l any
		errA := json.Unmarshal(b, &a)
		errL := decodeLenient(b, &l)
		if errA != nil {
			// Valid JSON that encoding/json itself refuses (1E700 overflows
			// float64): the lenient decoder must refuse it too.
			if errL == nil {
				t.Fatalf("lenient decode accepted %q that encoding/json refuses: %v", b, errA)
			}
			return
		}
		if errL != nil {
			t.Fatalf("valid JSON refused: %v", errL)
		}
		ja, _ := json.Marshal(a)
		jl, _ := json.Marshal(l)
		if !bytes.Equal(ja, jl) {
			t.Fatalf("lenient decode %s differs from %s", jl, ja)
		}
	})
}
