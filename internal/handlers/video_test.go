package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func camPath(shopID, camID uint) string { return fmt.Sprintf("/shops/%d/cameras/%d", shopID, camID) }

// A manager sees the video of their shops only: every stream URL of
// another shop's camera is a 404, exactly like a missing one.
func TestVideoScope(t *testing.T) {
	a := newTestApp(t)
	mgr := a.login("manager", managerPW)
	other := camPath(a.shopB.ID, a.camera(a.shopB.ID, "C101P98200103").ID)
	for _, p := range []string{"/live", "/live/0/flv", "/live/0/ws", "/live/0/hls/viewer-0001/index.m3u8",
		"/live/0/hls/viewer-0001/r/AAAA.ts", "/live/0/viewers", "/snapshot", "/recordings", "/playback/ws?from=1&to=2&view=viewer-0001"} {
		if r := mgr.get(other + p); r.status != http.StatusNotFound {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	if r := mgr.post(other+"/live/0/start", nil); r.status != http.StatusNotFound {
		t.Errorf("start: %d", r.status)
	}
	if r := mgr.get(fmt.Sprintf("/shops/%d/wall", a.shopB.ID)); r.status != http.StatusNotFound {
		t.Errorf("wall: %d", r.status)
	}
	own := camPath(a.shopA.ID, a.camera(a.shopA.ID, "C201D8BS00101").ID)
	r := mgr.get(own + "/live")
	if r.status != 200 {
		t.Fatalf("own camera: %d", r.status)
	}
	r.has(t, `data-ws="`+own+`/live/0/ws"`, "/static/vendor/mpegts.js")
	if r := mgr.get(own + "/live/2/flv"); r.status != http.StatusNotFound {
		t.Errorf("quality 2: %d", r.status)
	}
	if r := mgr.get("/video/streams"); r.status != http.StatusForbidden {
		t.Errorf("status page for a manager: %d", r.status)
	}
}

// A camera the vendor cannot reach: the start says so in the reader's
// language, with the vendor's code.
func TestLiveStartOfflineCamera(t *testing.T) {
	a := newTestApp(t)
	admin := a.login("admin", adminPW)
	till := camPath(a.shopA.ID, a.camera(a.shopA.ID, "C101P98200102").ID)
	r := admin.post(till+"/live/0/start", nil)
	if r.status != http.StatusBadGateway || !strings.Contains(r.body, "5011") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	admin.lang = "zh-CN"
	r = admin.post(till+"/live/0/start", nil)
	if !strings.Contains(r.body, "5011") || strings.Contains(r.body, "camera could not") {
		t.Fatalf("zh: %s", r.body)
	}
}

// HLS through the router: the playlist names only our URLs, a segment is
// fetched once from the vendor, a token nobody was given is a 404.
func TestLiveHLSThroughTheProxy(t *testing.T) {
	a := newTestApp(t)
	admin := a.login("admin", adminPW)
	door := camPath(a.shopA.ID, a.camera(a.shopA.ID, "C201D8BS00101").ID)
	base := door + "/live/1/hls/viewer-0001/"
	r := admin.get(base + "index.m3u8")
	if r.status != 200 || r.header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
		t.Fatalf("playlist %d %q", r.status, r.body)
	}
	simHost := strings.TrimPrefix(strings.TrimSuffix(a.simURL, "/openapi"), "https://")
	r.lacks(t, "auth_key", simHost, "https:")
	var seg string
	for _, l := range strings.Split(r.body, "\n") {
		if strings.HasPrefix(l, "r/") {
			seg = l
		}
	}
	for range 3 {
		s := admin.get(base + seg)
		if s.status != 200 || s.header.Get("Content-Type") != "video/mp2t" || len(s.body)%188 != 0 {
			t.Fatalf("segment %d %q", s.status, s.header.Get("Content-Type"))
		}
	}
	if st := a.sim.MediaStats(); st.SegmentFetches != 1 {
		t.Fatalf("vendor segment fetches %d", st.SegmentFetches)
	}
	if s := admin.get(base + "r/bm90LWdpdmVuLXRva2Vu.ts"); s.status != 404 {
		t.Fatalf("unknown token: %d", s.status)
	}
	if v := admin.get(door + "/live/1/viewers"); !strings.Contains(v.body, `"viewers":1`) {
		t.Fatalf("viewers %s", v.body)
	}
}

// FLV through a server whose WriteTimeout is shorter than the stream: the
// stream lifts it, and the last viewer leaving stops the vendor stream.
func TestLiveFLVOutlivesWriteTimeoutAndStops(t *testing.T) {
	a := newTestApp(t)
	admin := a.login("admin", adminPW)
	srv := httptest.NewUnstartedServer(a.srv.Config.Handler)
	srv.Config.WriteTimeout = 500 * time.Millisecond
	srv.Start()
	defer srv.Close()
	door := camPath(a.shopA.ID, a.camera(a.shopA.ID, "C201D8BS00101").ID)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a stalled stream fails, not hangs
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+door+"/live/0/flv", nil)
	u, _ := url.Parse(a.srv.URL)
	for _, c := range admin.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/x-flv" {
		t.Fatalf("flv: %v %v", resp, err)
	}
	start := time.Now()
	n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, 60_000)) // ~2 s of the 200 kbit/s clip after the primer
	resp.Body.Close()
	if n != 60_000 || time.Since(start) < time.Second {
		t.Fatalf("read %d bytes in %s", n, time.Since(start))
	}
	if !a.sim.LiveActive("C201D8BS00101", 0) {
		t.Fatal("the vendor stream is not running")
	}
	deadline := time.Now().Add(5 * time.Second)
	for a.sim.LiveActive("C201D8BS00101", 0) {
		if time.Now().After(deadline) {
			t.Fatal("the vendor stream was not stopped after the last viewer left")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The websocket goes through the session middleware and Gin (both wrap the
// writer) and carries FLV.
func TestLiveWebsocket(t *testing.T) {
	a := newTestApp(t)
	admin := a.login("admin", adminPW)
	door := camPath(a.shopA.ID, a.camera(a.shopA.ID, "C201D8BS00101").ID)
	d := websocket.Dialer{Jar: admin.c.Jar}
	ws, resp, err := d.Dial("ws"+strings.TrimPrefix(a.srv.URL, "http")+door+"/live/0/ws", http.Header{"Origin": {a.srv.URL}})
	if err != nil {
		t.Fatalf("dial: %v %v", err, resp)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, b, err := ws.ReadMessage()
	if err != nil || !strings.HasPrefix(string(b), "FLV") {
		t.Fatalf("first message %q %v", b[:min(len(b), 8)], err)
	}
	// Another site's page may not open it (cookie or not).
	_, resp, err = d.Dial("ws"+strings.TrimPrefix(a.srv.URL, "http")+door+"/live/0/ws", http.Header{"Origin": {"https://evil.example"}})
	if err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site dial: %v %v", err, resp)
	}
	// An offline camera: the socket closes with 4001 and the reason.
	till := camPath(a.shopA.ID, a.camera(a.shopA.ID, "C101P98200102").ID)
	ws2, _, err := d.Dial("ws"+strings.TrimPrefix(a.srv.URL, "http")+till+"/live/0/ws", http.Header{"Origin": {a.srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	ws2.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, _, err = ws2.ReadMessage()
	var ce *websocket.CloseError
	if !asCloseError(err, &ce) || ce.Code != 4001 || !strings.Contains(ce.Text, "5011") {
		t.Fatalf("close: %v", err)
	}
}

func asCloseError(err error, ce **websocket.CloseError) bool { return errors.As(err, ce) }

func TestRecordingsPageAndSnapshot(t *testing.T) {
	a := newTestApp(t)
	admin := a.login("admin", adminPW)
	door := camPath(a.shopA.ID, a.camera(a.shopA.ID, "C201D8BS00101").ID)
	day := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format("2006-01-02")
	r := admin.get(door + "/recordings?date=" + day)
	if r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	if n := strings.Count(r.body, `data-testid="recording"`); n < 5 {
		t.Fatalf("%d recording spans", n)
	}
	if !strings.Contains(r.body, `data-testid="motion"`) {
		t.Fatal("no motion detections")
	}
	s := admin.get(door + "/snapshot?date=" + day + "&time=12:00:30")
	if s.status != 200 && s.status != http.StatusBadGateway { // 502 if 12:00 is one of the gaps
		t.Fatalf("snapshot %d", s.status)
	}
	if s.status == 200 && (s.header.Get("Content-Type") != "image/jpeg" || !strings.Contains(s.header.Get("Content-Disposition"), "attachment")) {
		t.Fatalf("snapshot headers %v", s.header)
	}
	if s := admin.get(door + "/snapshot?date=" + day + "&time=nope"); s.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad time %d", s.status)
	}
}
