package live

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/netguard"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan/sim"
)

// TestHLSProxyFetchesOnlyMediaHosts: a vendor playlist that names a
// segment on an internal service (a listener on 127.0.0.9) or at the
// metadata address: the proxy refuses it, the service is never contacted,
// the refusal is counted for the shop. The vendor's own segments play.
func TestHLSProxyFetchesOnlyMediaHosts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.9:0")
	if err != nil {
		t.Skipf("no 127.0.0.9 here: %v", err)
	}
	var conns atomic.Int64
	in := &http.Server{Handler: http.NotFoundHandler(), ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}}
	go in.Serve(ln)
	defer in.Close()
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/live.m3u8":
			w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
			fmt.Fprintf(w, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg1.ts\n#EXTINF:2.0,\nhttp://%s/admin.ts\n#EXTINF:2.0,\nhttp://169.254.169.254/latest.ts\n", ln.Addr())
		default:
			w.Header().Set("Content-Type", "video/mp2t")
			w.Write([]byte("segment"))
		}
	}))
	defer vendor.Close()
	g := netguard.New(netguard.Options{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Errorf("dialled %s", addr)
			return nil, fmt.Errorf("test: not dialling %s", addr)
		}
		return (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
	}})
	m := NewManager(Options{HTTP: &http.Client{}, Guard: g, Linger: 300 * time.Millisecond})
	defer m.Close()
	p := netguard.ForURLs(4, "playlist", vendor.URL)
	s, err := m.Acquire("cam9/0", Info{Camera: 9, Media: &p}, &fakeStarter{base: vendor.URL})
	if err != nil {
		t.Fatal(err)
	}
	pl := getPlaylist(t, s, "viewer-0001")
	var toks []string
	for _, l := range strings.Split(pl, "\n") {
		if strings.HasPrefix(l, ResourcePrefix) {
			toks = append(toks, strings.TrimPrefix(l, ResourcePrefix))
		}
	}
	if len(toks) != 3 {
		t.Fatalf("playlist:\n%s", pl)
	}
	rec := httptest.NewRecorder()
	if err := s.ServeHLSResource(rec, httptest.NewRequest("GET", "/x", nil), "viewer-0001", toks[0]); err != nil || rec.Body.String() != "segment" {
		t.Fatalf("the vendor's own segment: %v %q", err, rec.Body.String())
	}
	for _, tok := range toks[1:] {
		err := s.ServeHLSResource(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil), "viewer-0001", tok)
		if r, ok := netguard.IsRefusal(err); !ok || r.Reason != netguard.ReasonHost {
			t.Fatalf("segment %s: %v, want a host refusal", tok, err)
		}
	}
	if n := g.Total(4); n != 2 {
		t.Fatalf("refusals = %d, want 2", n)
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("the internal service was contacted %d times", n)
	}
}

// hostStarter hands out the camera's RTSP URL with its host:port replaced, as
// a hostile camera's reply could name another address.
type hostStarter struct {
	cam  *sim.Camera
	host string
}

func (h hostStarter) Start(context.Context) (vendors.Stream, error) {
	u, err := url.Parse(h.cam.IssueRTSP("live_hd"))
	if err != nil {
		return vendors.Stream{}, err
	}
	if h.host != "" {
		u.Host = h.host
	}
	return vendors.Stream{RTSP: u.String()}, nil
}

func (hostStarter) Stop(context.Context, vendors.Stream) error { return nil }

// TestRTSPDialsOnlyTheCamera: a LAN camera session (Media: the camera's
// recorded address) opens its RTSP stream through the guard. A URL naming
// another address (a listener on 127.0.0.9) is refused before dialling and
// counted for the shop; the camera's own URL plays.
func TestRTSPDialsOnlyTheCamera(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.9:0")
	if err != nil {
		t.Skipf("no 127.0.0.9 here: %v", err)
	}
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	defer ln.Close()
	cam := simRTSPCamera(t)
	g := netguard.New(netguard.Options{})
	m := NewManager(Options{Guard: g, Linger: 300 * time.Millisecond})
	m.Start()
	defer m.Close()
	p := netguard.LANCamera(5, "127.0.0.1")
	p.What = "stream"

	bad, err := m.Acquire("live/5/1", Info{Camera: 5, Kind: "live", Media: &p}, hostStarter{cam: cam, host: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx)
	if err := bad.ServeHLSPlaylist(rec, req, "viewer-0001"); err == nil {
		t.Fatal("played an RTSP URL naming another address")
	} else if _, ok := netguard.IsRefusal(err); !ok && g.Total(5) == 0 {
		t.Fatalf("not refused by the guard: %v", err)
	}
	if g.Total(5) != 1 || conns.Load() != 0 {
		t.Fatalf("refusals %d, connections to the other address %d", g.Total(5), conns.Load())
	}

	good, err := m.Acquire("live/5/2", Info{Camera: 5, Kind: "live", Media: &p}, hostStarter{cam: cam})
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	if err := good.ServeHLSPlaylist(rec, req, "viewer-0002"); err != nil || !strings.Contains(rec.Body.String(), "#EXTM3U") {
		t.Fatalf("the camera's own URL: %v\n%s", err, rec.Body.String())
	}
}
