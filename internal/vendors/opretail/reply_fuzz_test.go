package opretail_test

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
	"storelens/internal/vendors/opretail"
)

// replay answers every call (the login too) with the same body; after
// maxCalls it fails the transport, which bounds the retries.
type replay struct {
	body  []byte
	calls int
}

const maxCalls = 64

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	r.calls++
	if r.calls > maxCalls {
		return nil, errors.New("fuzz: call budget spent")
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json;charset=UTF-8"}},
		Body: io.NopCloser(bytes.NewReader(r.body)), Request: req}, nil
}

// Gateway replies in 002's shape {stat:{cid,code,codename,systime},result,data};
// data holds both the login's token and the indicators, as the same body
// answers both calls.
var gatewayReplies = []string{
	`{"stat":{"cid":"c1","code":0,"codename":"SUCCESS","systime":1768008600000},"result":"","data":{"token":"t0k3n","passengerFlow":12,"passPassengerFlow":"30","outsidePassengerFlow":18,"inShopRate":"40%","outFlowCount":"7"}}`,
	`{"stat":{"cid":"c2","code":"0","codename":"SUCCESS"},"data":{"token":"t","passengerFlow":"","outFlowCount":null}}`,
	`{"stat":{"cid":"c3","code":"7","codename":"SIGN_WRONG"},"result":"Invalid signature"}`,
	`{"stat":{"code":9990001,"codename":"token missing"}}`,
	`{"stat":{"code":-100,"codename":"API_CALL_REPEAT"}}`,
	`{"stat":{"code":-500}}`,
	`{"stat":{"code":0},"data":null}`,
	`{"stat":{"code":0},"data":{"token":"t","passengerFlow":1e300}}`,
	`{"stat":{"code":0},"data":{"token":"t","passengerFlow":"NaN"}}`,
	`{"stat":{}}`,
	`not json`,
}

func checkErr(t *testing.T, op string, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	var ve *vendors.Error
	if !errors.As(err, &ve) || ve.Vendor != opretail.Name || ve.Kind == "" {
		t.Fatalf("%s: error %T %v is not a typed %s error", op, err, err, opretail.Name)
	}
	return false
}

// A count is never the undefined int64 conversion of NaN, an infinity or
// a float out of range (amd64 gives MinInt64; arm64 saturates): such a
// reply must be refused as malformed instead.
func checkCounts(t *testing.T, what string, c vendors.TrafficCounts) {
	t.Helper()
	for _, n := range []int64{c.Entries, c.PassersBy, c.Left, c.UniqTotal} {
		if n == math.MinInt64 || n == math.MaxInt64 { // what NaN or an out-of-range float converts to
			t.Fatalf("%s: count %d is an undefined conversion (%+v)", what, n, c)
		}
	}
}

// FuzzGatewayReply sends one fuzzed gateway reply to the login and the
// indicator calls of TrafficToday (op even) or TrafficDays (odd).
func FuzzGatewayReply(f *testing.F) {
	for _, r := range gatewayReplies {
		f.Add(uint8(0), []byte(r))
		f.Add(uint8(1), []byte(r))
	}
	shanghai := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 1, 10, 2, 30, 0, 0, shanghai) // two and a half hours into the day
	target := vendors.TrafficTarget{Shop: vendors.ShopRef{ShopID: "10086"}, Location: shanghai}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		c, err := opretail.NewClient(vendors.Account{BaseURL: "http://127.0.0.1:9/cloud.api", AppID: "demo-key", Secret: "s3cr3t",
			User: "manager@fresh", Password: "pa55word"}, &http.Client{Transport: &replay{body: body}},
			opretail.WithClock(func() time.Time { return now }),
			opretail.WithBackoff(func(context.Context, time.Duration) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		today := vendors.DateOf(now, shanghai)
		var days []vendors.TrafficDay
		if op%2 == 0 {
			day, err := c.TrafficToday(context.Background(), target)
			if !checkErr(t, "TrafficToday", err) {
				return
			}
			if len(day.Hours) != 3 {
				t.Fatalf("today at 02:30 has %d hours", len(day.Hours))
			}
			days = []vendors.TrafficDay{day}
		} else {
			days, err = c.TrafficDays(context.Background(), target, today.AddDays(-1), today.AddDays(-1))
			if !checkErr(t, "TrafficDays", err) {
				return
			}
			if len(days) != 1 || len(days[0].Hours) != 24 || !days[0].Final {
				t.Fatalf("one closed day asked, got %+v", days)
			}
		}
		for _, d := range days {
			checkCounts(t, d.Date.String(), d.Day)
			for i, h := range d.Hours {
				if vendors.DateOf(h.Start, shanghai) != d.Date || (i > 0 && !h.Start.After(d.Hours[i-1].Start)) {
					t.Fatalf("hour %v of %v out of place", h.Start, d.Date)
				}
				checkCounts(t, h.Start.String(), h.TrafficCounts)
			}
		}
	})
}
