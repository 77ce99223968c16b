package sunmicloud_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud/sim"
)

var cam = vendors.DeviceRef{ID: "549755805878", SN: "C101P98200023"}

func opsOf(s *sim.Server, path string) []sim.Call {
	var out []sim.Call
	for _, c := range s.Calls() {
		if c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

func TestLiveStartStop(t *testing.T) {
	c, s := setup(t)
	ctx := context.Background()
	st, err := c.StartLive(ctx, shop, cam, vendors.QualityHigh)
	if err != nil {
		t.Fatal(err)
	}
	// The simulator's URLs live an hour; the expiry is read from auth_key.
	if !strings.Contains(st.FLV, "auth_key=") || !strings.Contains(st.HLS, ".m3u8") ||
		st.Expires.Before(time.Now().Add(59*time.Minute)) || st.Expires.After(time.Now().Add(61*time.Minute)) {
		t.Fatalf("stream %+v", st)
	}
	calls := opsOf(s, "/media/live/start")
	if len(calls) != 1 || calls[0].Params["resolution"] != "1" || calls[0].Params["ipc_sn"] != cam.SN {
		t.Fatalf("calls %+v", calls)
	}
	if err := c.StopLive(ctx, shop, cam, vendors.QualityHigh); err != nil {
		t.Fatal(err)
	}
	if s.LiveActive(cam.SN, 1) {
		t.Fatal("still running at the vendor")
	}
	_, err = c.StartLive(ctx, shop, vendors.DeviceRef{SN: "C201D8BS00001"}, vendors.QualitySuper)
	wantKind(t, err, vendors.KindDeviceOffline, 5011)
}

func TestPlaybackClientID(t *testing.T) {
	c, s := setup(t)
	ctx := context.Background()
	from := time.Now().Add(-2 * time.Hour).Truncate(time.Hour)
	st, err := c.StartPlayback(ctx, shop, cam, from, from.Add(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.ClientID, "SAAS-OpenAPI_") {
		t.Fatalf("client id %q", st.ClientID)
	}
	if err := c.StopPlayback(ctx, st); err != nil {
		t.Fatal(err)
	}
	stops := opsOf(s, "/media/playback/stop")
	// 000 §5.3.9: client_id and the public parameters only.
	if len(stops) != 1 || len(stops[0].Params) != 4 || stops[0].Params["client_id"] != st.ClientID {
		t.Fatalf("stop %+v", stops)
	}
	_, err = c.StartPlayback(ctx, shop, cam, from, from.Add(2*time.Hour))
	wantKind(t, err, vendors.KindInvalidParam, 5021)
	_, err = c.StartPlayback(ctx, shop, cam, time.Now().Add(time.Hour), time.Now().Add(2*time.Hour))
	wantKind(t, err, vendors.KindNoData, 5087)
}

// A day's recordings take 24 one-hour calls (000 §5.3.4: 3600 s at most).
func TestRecordingsInHourWindows(t *testing.T) {
	c, s := setup(t)
	day := time.Now().Add(-48 * time.Hour).Truncate(24 * time.Hour)
	recs, err := c.Recordings(context.Background(), shop, cam, day, day.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	calls := opsOf(s, "/media/video/getList")
	if len(calls) != 24 {
		t.Fatalf("%d calls", len(calls))
	}
	for _, cl := range calls {
		if cl.Code != 0 && cl.Code != 5013 {
			t.Fatalf("call refused: %+v", cl)
		}
	}
	// 288 files a day, about one in twelve missing, none listed twice
	// although the boundary files are in two windows.
	if len(recs) < 240 || len(recs) > 288 {
		t.Fatalf("%d recordings", len(recs))
	}
	for i, r := range recs {
		if i > 0 && !r.Start.After(recs[i-1].Start) {
			t.Fatalf("not ordered or duplicated at %d", i)
		}
		if !strings.HasPrefix(r.URL, "https://127.0.0.1:") { // "https: //" repaired (NOTES 29)
			t.Fatalf("url %q", r.URL)
		}
	}
}

func TestMotionsPaged(t *testing.T) {
	c, s := setup(t)
	from := time.Now().Add(-96 * time.Hour)
	ms, err := c.Motions(context.Background(), shop, cam, from, from.Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	calls := opsOf(s, "/media/motionDetection/getList")
	if len(ms) < 150 || len(calls) != (len(ms)+99)/100 {
		t.Fatalf("%d motions in %d calls", len(ms), len(calls))
	}
	for _, m := range ms {
		if m.Source < vendors.MotionPicture || m.Source > vendors.MotionBoth || m.At.Before(from) {
			t.Fatalf("motion %+v", m)
		}
	}
}

func TestSnapshots(t *testing.T) {
	c, s := setup(t)
	ctx := context.Background()
	u, err := c.LiveSnapshot(ctx, shop, cam)
	if err != nil || !strings.Contains(u, "auth_key=") {
		t.Fatalf("%q %v", u, err)
	}
	s.SetFault("/media/live/getSnapshot", sim.Fault{Code: 5515})
	_, err = c.LiveSnapshot(ctx, shop, cam)
	wantKind(t, err, vendors.KindQuota, 5515)
	_, err = c.SnapshotAt(ctx, shop, cam, time.Now().Add(time.Hour))
	wantKind(t, err, vendors.KindNoData, 5013)
}
