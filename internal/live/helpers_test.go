package live

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/vendors"
)

// fakeStarter counts starts and stops and hands out URLs on an upstream.
type fakeStarter struct {
	mu       sync.Mutex
	base     string
	ttl      time.Duration
	starts   int
	stops    int
	failWith error
	playback bool
}

func (f *fakeStarter) Start(ctx context.Context) (vendors.Stream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWith != nil {
		return vendors.Stream{}, f.failWith
	}
	f.starts++
	st := vendors.Stream{FLV: fmt.Sprintf("%s/live.flv?auth_key=secret%d", f.base, f.starts),
		HLS: fmt.Sprintf("%s/live.m3u8?auth_key=secret%d", f.base, f.starts)}
	if f.ttl > 0 {
		st.Expires = time.Now().Add(f.ttl)
	}
	if f.playback {
		st.ClientID = fmt.Sprintf("client-%d", f.starts)
	}
	return st, nil
}

func (f *fakeStarter) Stop(ctx context.Context, s vendors.Stream) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stops++
	return nil
}

func (f *fakeStarter) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.starts, f.stops
}

// flvSource writes a synthetic FLV stream: header, metadata, AVC config,
// then frames of frameSize bytes at fps, a keyframe every gop frames.
type flvSource struct {
	fps, gop, frameSize int
	connects            atomic.Int64
	sent                atomic.Int64 // bytes written to all upstream clients
}

func appendTestTag(b []byte, typ byte, ts uint32, body []byte) []byte {
	n := len(body)
	b = append(b, typ, byte(n>>16), byte(n>>8), byte(n), byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24), 0, 0, 0)
	b = append(b, body...)
	return binary.BigEndian.AppendUint32(b, uint32(11+n))
}

func (s *flvSource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.connects.Add(1)
	w.Header().Set("Content-Type", "video/x-flv")
	rc := http.NewResponseController(w)
	b := []byte{'F', 'L', 'V', 1, 1, 0, 0, 0, 9, 0, 0, 0, 0}
	b = appendTestTag(b, tagScript, 0, []byte{2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'})
	b = appendTestTag(b, tagVideo, 0, []byte{0x17, 0, 0, 0, 0, 1, 0x42, 0, 0x1e})
	frame := make([]byte, s.frameSize)
	start := time.Now()
	interval := time.Second / time.Duration(s.fps)
	for i := 0; ; i++ {
		ts := uint32(i) * uint32(interval/time.Millisecond)
		if i%s.gop == 0 {
			frame[0] = 0x17
		} else {
			frame[0] = 0x27
		}
		frame[1] = 1
		b = appendTestTag(b, tagVideo, ts, frame)
		if _, err := w.Write(b); err != nil {
			return
		}
		s.sent.Add(int64(len(b)))
		if rc.Flush() != nil {
			return
		}
		b = b[:0]
		select {
		case <-r.Context().Done():
			return
		case <-time.After(time.Until(start.Add(time.Duration(i+1) * interval))):
		}
	}
}

// newUpstream serves the FLV source at /live.flv behind an auth_key check
// that refuses keys listed in refused.
func newUpstream(t testing.TB, src http.Handler) (*httptest.Server, *sync.Map) {
	refused := &sync.Map{}
	mux := http.NewServeMux()
	mux.HandleFunc("/live.flv", func(w http.ResponseWriter, r *http.Request) {
		if _, no := refused.Load(r.URL.Query().Get("auth_key")); no {
			http.Error(w, "expired", http.StatusForbidden)
			return
		}
		src.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, refused
}

// streamClient reads the tests' live streams: its Timeout bounds the whole
// exchange, body included, so a stream that stalls fails the test rather
// than hanging it.
var streamClient = &http.Client{Timeout: 30 * time.Second}

func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newTestManager(t testing.TB, linger time.Duration) *Manager {
	m := NewManager(Options{HTTP: &http.Client{}, Linger: linger, HLSViewerTTL: 300 * time.Millisecond, ViewerBuffer: 64})
	m.Start()
	t.Cleanup(func() { m.Close() })
	return m
}
