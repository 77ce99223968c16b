package sunmicloud

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"testing"
	"time"

	"storelens/internal/vendors"
)

// replay answers every request with the same body, like a cloud that
// always says the same thing; after maxCalls it fails the transport, so a
// reply that says "more pages" cannot keep a fuzz input going.
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

// Replies in the shape of 000's and 001's examples (their comments and
// trailing commas taken out), and some the adapter must refuse.
var cloudReplies = []string{
	`{"code":0,"msg":"succeed","data":{"total_count":1,"ipc_list":[{"ipc_id":"549755805835","ipc_sn":"C101P98200023","ipc_name":"前门","model_name":"FM010","software_version":"1.2.3","connect_time":1578969264,"active_status":1,"screenshot_url":"http://127.0.0.1/s.jpg"}]}}`,
	`{"code":0,"msg":"succeed","data":{"total_count":1,"video_list":[{"ipc_id":"549755812970","url":"http: //127.0.0.1/VIDEO/IPC/SS101D8BS00087/39C1045AF2EA34B0CEA528FB228C8EDA","start_time":1551854897,"end_time":1551854958}]}}`,
	`{"code":0,"msg":"succeed","data":{"total_num":"2","video_list":[{"source":"1","detect_time":1581408000,"url":"http://127.0.0.1/m1"},{"source":3,"detect_time":1581408060000,"url":"http://127.0.0.1/m2"}]}}`,
	`{"code":0,"msg":"succeed","data":{"count_list":[{"time":"2020-02-11 15:00","total_count":3,"pass_count":110,"unexposed_count":0},{"time":"2020-02-11 16:00","total_count":0,"pass_count":110,"unexposed_count":0}]}}`,
	`{"code":0,"msg":"succeed","data":{"count_list":[{"time":"2020-02-10 0:00","total_count":1,"stranger_count":1,"age_range":4,"male_count":2,"female_count":1,"male_regular_count":1},{"time":"2020-02-10","uniq_total_count":5}]}}`,
	`{"code":0,"msg":"succeed","data":{"frequency_list":[{"frequency":1,"stranger_uniq_count":3,"regular_uniq_count":1,"member_uniq_count":0}]}}`,
	`{"code":0,"msg":"succeed","data":{"total":2,"list":[{"group_id":"11","group_name":"staff","type":1,"capacity":1000,"count":2},{"group_id":12,"group_name":"stranger","type":2}]}}`,
	`{"code":0,"msg":"succeed","data":{"total":1,"list":[{"face_id":"F1","name":"张三","group_id":"11","create_time":1581408000,"gender":1,"age_range":4}]}}`,
	`{"code":0,"msg":"succeed","data":{"live_url":"rtmp://127.0.0.1/live/x","hls_url":"http://127.0.0.1/x.m3u8","flv_url":"http://127.0.0.1/x.flv","snapshot_url":"http://127.0.0.1/s.jpg"}}`,
	`{"code":5013,"msg":"未找到数据","data":null}`,
	`{"code":"5090","msg":"invalid sign"}`,
	`{"code":0,"data":"not an object"}`,
	`{"code":1e30}`,
	`{"code":0,"msg":"succeed","data":{"count_list":[{"time":"2020-02-11 15:00","total_count":"NaN","pass_count":1e300,"age_range":4,"male_count":"-Inf"}]}}`,
	`<html>502 Bad Gateway</html>`,
	``,
}

// checkErr: every failure is a vendors.Error of this adapter with a kind,
// so the page can say what went wrong.
func checkErr(t *testing.T, op string, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	var ve *vendors.Error
	if !errors.As(err, &ve) || ve.Vendor != Name || ve.Kind == "" {
		t.Fatalf("%s: error %T %v is not a typed %s error", op, err, err, Name)
	}
	return false
}

// FuzzCloudReply sends one fuzzed reply body to each read of the adapter
// (chosen by op) through the real client.
func FuzzCloudReply(f *testing.F) {
	for _, r := range cloudReplies {
		for op := range uint8(10) {
			f.Add(op, []byte(r))
		}
	}
	shanghai := time.FixedZone("CST", 8*3600)
	now := time.Date(2020, 2, 11, 16, 30, 0, 0, shanghai)
	shop := vendors.ShopRef{ShopNo: "560279010307"}
	dev := vendors.DeviceRef{ID: "549755805835", SN: "C101P98200023"}
	target := vendors.TrafficTarget{Shop: shop, Location: shanghai}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		rt := &replay{body: body}
		c, err := NewClient(vendors.Account{BaseURL: "http://127.0.0.1:9/openapi", AppID: "LMWWQVTW4QGCC", Secret: "ABCDEFG3F2BB03917123"},
			&http.Client{Transport: rt}, WithClock(func() time.Time { return now }),
			WithRandom(func() string { return "5dsf6698" }),
			WithBackoff(func(context.Context, time.Duration) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		switch op % 10 {
		case 0:
			_, err := c.ListDevices(ctx, shop)
			checkErr(t, "ListDevices", err)
		case 1:
			_, err := c.DeviceInfo(ctx, shop, dev)
			checkErr(t, "DeviceInfo", err)
		case 2:
			day, err := c.TrafficToday(ctx, target)
			if !checkErr(t, "TrafficToday", err) {
				return
			}
			if day.Date != vendors.DateOf(now, shanghai) {
				t.Fatalf("today is %v, not %v", day.Date, vendors.DateOf(now, shanghai))
			}
			checkDay(t, day)
		case 3:
			from, to := vendors.DateOf(now, shanghai).AddDays(-2), vendors.DateOf(now, shanghai).AddDays(-1)
			days, err := c.TrafficDays(ctx, target, from, to)
			if !checkErr(t, "TrafficDays", err) {
				return
			}
			if len(days) != 2 || days[0].Date != from || days[1].Date != to {
				t.Fatalf("asked for %v..%v, got %d days", from, to, len(days))
			}
			for _, d := range days {
				checkDay(t, d)
				for _, h := range d.Hours {
					if vendors.DateOf(h.Start, shanghai) != d.Date {
						t.Fatalf("hour %v listed under %v", h.Start, d.Date)
					}
				}
			}
		case 4:
			_, err := c.Frequency(ctx, target, vendors.DateOf(now, shanghai).AddDays(-7), vendors.DateOf(now, shanghai).AddDays(-1))
			checkErr(t, "Frequency", err)
		case 5:
			recs, err := c.Recordings(ctx, shop, dev, now.Add(-2*time.Hour), now)
			if !checkErr(t, "Recordings", err) {
				return
			}
			type key struct {
				start time.Time
				url   string
			}
			seen := map[key]bool{}
			for i, r := range recs {
				if i > 0 && r.Start.Before(recs[i-1].Start) {
					t.Fatalf("recordings out of order: %v before %v", recs[i-1].Start, r.Start)
				}
				if seen[key{r.Start, r.URL}] {
					t.Fatalf("recording %v %s listed twice", r.Start, r.URL)
				}
				seen[key{r.Start, r.URL}] = true
			}
		case 6:
			ms, err := c.Motions(ctx, shop, dev, now.Add(-24*time.Hour), now)
			if !checkErr(t, "Motions", err) {
				return
			}
			for i := 1; i < len(ms); i++ {
				if ms[i].At.Before(ms[i-1].At) {
					t.Fatalf("motions out of order")
				}
			}
		case 7:
			_, err := c.FaceGroups(ctx, shop)
			checkErr(t, "FaceGroups", err)
		case 8:
			_, err := c.Faces(ctx, shop, "11", 1, 20)
			checkErr(t, "Faces", err)
		case 9:
			pending := []vendors.PendingFace{
				{Ref: "a", GroupID: "11", FaceID: "F1", Name: "张三", Submitted: now.Add(-time.Hour)},
				{Ref: "b", GroupID: "11", Name: "张三", Submitted: now.Add(-time.Hour)},
				{Ref: "c", GroupID: "11", Name: "张三", Submitted: now.Add(-time.Hour)},
			}
			taken := map[string]bool{"F0": true}
			res, err := c.ResolveFaces(ctx, shop, pending, taken)
			if !checkErr(t, "ResolveFaces", err) {
				return
			}
			refs, ids := map[string]bool{}, map[string]bool{}
			for _, r := range res {
				if r.Ref != "a" && r.Ref != "b" && r.Ref != "c" || refs[r.Ref] {
					t.Fatalf("resolved %q: not pending, or twice (%+v)", r.Ref, res)
				}
				refs[r.Ref] = true
				if r.Found && (r.FaceID == "" || taken[r.FaceID] || ids[r.FaceID]) {
					t.Fatalf("%q resolved to face %q: empty, taken or claimed twice (%+v)", r.Ref, r.FaceID, res)
				}
				ids[r.FaceID] = r.Found
			}
		}
	})
}

// checkDay: no count of a day is the undefined int64 conversion of NaN,
// an infinity or a float out of range (amd64 gives MinInt64; arm64
// saturates): such a reply must be refused as malformed instead.
func checkDay(t *testing.T, d vendors.TrafficDay) {
	t.Helper()
	counts := []vendors.TrafficCounts{d.Day}
	for _, h := range d.Hours {
		counts = append(counts, h.TrafficCounts)
	}
	for _, c := range counts {
		for _, n := range []int64{c.Entries, c.EntriesFace, c.EntriesNoFace, c.PassersBy, c.Left, c.Strangers, c.Regulars,
			c.Members, c.UniqTotal, c.UniqStrangers, c.UniqRegulars, c.UniqMembers} {
			if n == math.MinInt64 || n == math.MaxInt64 { // what NaN or an out-of-range float converts to
				t.Fatalf("%v: count %d is an undefined conversion (%+v)", d.Date, n, c)
			}
		}
	}
	if d.Ages != nil {
		for _, a := range d.Ages {
			for _, n := range []int64{a.Male, a.Female, a.Strangers, a.Regulars, a.Member} {
				if n == math.MinInt64 || n == math.MaxInt64 { // what NaN or an out-of-range float converts to
					t.Fatalf("%v: age count %d is an undefined conversion (%+v)", d.Date, n, a)
				}
			}
		}
	}
}
