package live

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/netguard"
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
