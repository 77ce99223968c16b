package live

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// serveSession serves one session's FLV over HTTP and over a websocket.
func serveSession(t testing.TB, s *Session) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ws" {
			conn, err := UpgradeFLV(w, r)
			if err == nil {
				_ = s.ServeFLVWebsocket(conn)
			}
			return
		}
		_ = s.ServeFLV(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// readTags reads the FLV header and n tags, returning their kinds.
func readTags(t *testing.T, r io.Reader, n int) []tagKind {
	t.Helper()
	fr := newFLVReader(r)
	if _, err := fr.header(); err != nil {
		t.Fatalf("header: %v", err)
	}
	var kinds []tagKind
	for range n {
		tag, err := fr.next()
		if err != nil {
			t.Fatalf("tag: %v", err)
		}
		kinds = append(kinds, tag.kind)
	}
	return kinds
}

func TestLateJoinerStartsAtAKeyframe(t *testing.T) {
	src := &flvSource{fps: 50, gop: 25, frameSize: 500}
	up, _ := newUpstream(t, src)
	m := newTestManager(t, time.Second)
	s, _ := m.Acquire("cam1/0", Info{Camera: 1, Label: "live 0"}, &fakeStarter{base: up.URL})
	srv := serveSession(t, s)

	first, err := streamClient.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Body.Close()
	k := readTags(t, first.Body, 40) // the stream is flowing, mid-GOP
	if k[0] != kindMeta || k[1] != kindVideoConfig || k[2] != kindKeyframe {
		t.Fatalf("first viewer: %v", k[:3])
	}
	// The late joiner: over a websocket, as the browser does.
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(30 * time.Second)) // a stalled stream fails, not hangs
	pr, pw := io.Pipe()
	go func() {
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			pw.Write(b)
		}
	}()
	start := time.Now()
	late := readTags(t, bufio.NewReader(pr), 4)
	if late[0] != kindMeta || late[1] != kindVideoConfig || late[2] != kindKeyframe || late[3] != kindFrame {
		t.Fatalf("late joiner got %v", late)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("late joiner waited %s for its first frame", d)
	}
	if src.connects.Load() != 1 || m.Viewers("cam1/0") != 2 {
		t.Fatalf("upstream connects %d, viewers %d", src.connects.Load(), m.Viewers("cam1/0"))
	}
}

func TestSlowViewerDroppedOthersKeepPlaying(t *testing.T) {
	// 50 fps: the slow viewer's 64-chunk queue fills in about 1.3 s, and the
	// fast one may be starved of CPU that long (race detector, a busy
	// machine) without being mistaken for slow.
	src := &flvSource{fps: 50, gop: 50, frameSize: 200}
	up, _ := newUpstream(t, src)
	m := newTestManager(t, time.Second)
	s, _ := m.Acquire("cam1/0", Info{Camera: 1}, &fakeStarter{base: up.URL})
	srv := serveSession(t, s)

	slow, leave, err := s.watch() // a viewer that never reads
	if err != nil {
		t.Fatal(err)
	}
	defer leave()
	resp, err := streamClient.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make(chan int64)
	go func() { n, _ := io.CopyN(io.Discard, resp.Body, 150*211); got <- n }()
	select {
	case <-slow.done:
		if !slow.slow {
			t.Fatal("ended, but not as slow")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the slow viewer was never dropped")
	}
	select {
	case n := <-got: // 150 frames, past the slow one's 64-chunk queue filling
		if n != 150*211 {
			t.Fatalf("fast viewer got %d bytes", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the fast viewer stalled")
	}
}

func TestLastViewerStopsTheVendorStream(t *testing.T) {
	src := &flvSource{fps: 25, gop: 25, frameSize: 100}
	up, _ := newUpstream(t, src)
	m := newTestManager(t, 200*time.Millisecond)
	st := &fakeStarter{base: up.URL}
	s, _ := m.Acquire("cam1/1", Info{Camera: 1}, st)
	srv := serveSession(t, s)
	for range 2 {
		resp, err := streamClient.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		readTags(t, resp.Body, 3)
		resp.Body.Close()
	}
	waitFor(t, "the vendor stop", 3*time.Second, func() bool { _, stops := st.counts(); return stops == 1 })
	if starts, _ := st.counts(); starts != 1 {
		t.Fatalf("%d starts for two viewers", starts)
	}
	waitFor(t, "the upstream to close", 2*time.Second, func() bool { return !m.FLVUpstream("cam1/1").Open })
	// A new viewer after that gets a new session and a new start.
	s2, _ := m.Acquire("cam1/1", Info{Camera: 1}, st)
	if s2 == s {
		t.Fatal("an ended session was handed out again")
	}
}

// A vendor URL that expires is started again; the viewer keeps playing.
func TestExpiredURLRestartsTheStream(t *testing.T) {
	src := &flvSource{fps: 50, gop: 25, frameSize: 100}
	up, refused := newUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.URL.Query().Get("auth_key") == "secret1" { // the CDN ends the session at expiry
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, 700*time.Millisecond)
			defer cancel()
		}
		src.ServeHTTP(w, r.WithContext(ctx))
	}))
	m := NewManager(Options{HTTP: &http.Client{}, Linger: time.Second, RefreshBefore: 100 * time.Millisecond})
	m.Start()
	defer m.Close()
	st := &fakeStarter{base: up.URL, ttl: 800 * time.Millisecond}
	s, _ := m.Acquire("cam1/0", Info{Camera: 1}, st)
	srv := serveSession(t, s)
	resp, err := streamClient.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	time.Sleep(900 * time.Millisecond)
	refused.Store("secret1", true)
	// 50 fps for 2.5 s: frames keep coming across the restart.
	readTags(t, resp.Body, 125)
	starts, stops := st.counts()
	if starts < 2 || stops != 0 {
		t.Fatalf("starts %d stops %d", starts, stops)
	}
}

// An upstream that refuses the URL (stopped at the vendor behind our back)
// makes the manager start the stream again rather than retry forever.
func TestRefusedURLStartsAgain(t *testing.T) {
	src := &flvSource{fps: 25, gop: 25, frameSize: 100}
	up, refused := newUpstream(t, src)
	refused.Store("secret1", true)
	m := newTestManager(t, time.Second)
	st := &fakeStarter{base: up.URL}
	s, _ := m.Acquire("cam1/0", Info{Camera: 1}, st)
	srv := serveSession(t, s)
	resp, err := streamClient.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	readTags(t, resp.Body, 3)
	if starts, _ := st.counts(); starts != 2 {
		t.Fatalf("starts %d", starts)
	}
}

// A vendor that stops letting the stream start (the camera went off line)
// ends the viewers' streams after a few tries rather than leaving them
// waiting on a frozen picture.
func TestViewersLetGoWhenTheVendorRefuses(t *testing.T) {
	src := &flvSource{fps: 25, gop: 25, frameSize: 100}
	up, refused := newUpstream(t, src)
	m := newTestManager(t, time.Second)
	st := &fakeStarter{base: up.URL}
	s, _ := m.Acquire("cam1/0", Info{Camera: 1}, st)
	v, leave, err := s.watch()
	if err != nil {
		t.Fatal(err)
	}
	defer leave()
	waitFor(t, "the stream", 2*time.Second, func() bool { return m.FLVUpstream("cam1/0").Open })
	st.mu.Lock()
	st.failWith = errors.New("5011")
	st.mu.Unlock()
	refused.Store("secret1", true)
	// Ending the upstream response: the next connect is refused, the
	// restart fails three times (0.25 + 0.5 + 1 s of backoff).
	up.CloseClientConnections()
	select {
	case <-v.done:
	case <-time.After(15 * time.Second): // generous: a loaded machine under -race
		t.Fatal("the viewer was kept waiting")
	}
}
