package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// rewriteAll maps every URI to "<P|R>:<absolute URL>" so the test sees how
// each was resolved and classified.
func rewriteAll(t *testing.T, in, base string) string {
	t.Helper()
	out, err := rewritePlaylist([]byte(in), mustURL(base), func(abs *url.URL, playlist bool) (string, error) {
		if playlist {
			return "P:" + abs.String(), nil
		}
		return "R:" + abs.String(), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestRewriteMasterPlaylist(t *testing.T) {
	in := `#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="zh",URI="audio/zh.m3u8?auth_key=1-a-0-b"
#EXT-X-SESSION-KEY:METHOD=AES-128,URI="/keys/session.key"
#EXT-X-STREAM-INF:BANDWIDTH=2000000,AUDIO="aud"
hd/index.m3u8?auth_key=1-a-0-b
#EXT-X-STREAM-INF:BANDWIDTH=800000
https://cdn2.example/sd/playlist?x=1
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,URI="iframes.m3u8"`
	want := `#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="zh",URI="P:https://cdn.example/live/cam/audio/zh.m3u8?auth_key=1-a-0-b"
#EXT-X-SESSION-KEY:METHOD=AES-128,URI="R:https://cdn.example/keys/session.key"
#EXT-X-STREAM-INF:BANDWIDTH=2000000,AUDIO="aud"
P:https://cdn.example/live/cam/hd/index.m3u8?auth_key=1-a-0-b
#EXT-X-STREAM-INF:BANDWIDTH=800000
P:https://cdn2.example/sd/playlist?x=1
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,URI="P:https://cdn.example/live/cam/iframes.m3u8"`
	if got := rewriteAll(t, in, "https://cdn.example/live/cam/master.m3u8?auth_key=9-z-0-y"); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRewriteMediaPlaylist(t *testing.T) {
	in := "#EXTM3U\r\n#EXT-X-VERSION:7\r\n#EXT-X-TARGETDURATION:2\r\n#EXT-X-MEDIA-SEQUENCE:40\r\n" +
		`#EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"` + "\r\n" +
		`#EXT-X-KEY:METHOD=AES-128,URI="../keys/k1?auth_key=1-a-0-b",IV=0x0123` + "\r\n" +
		"#EXTINF:2.000,\r\n#EXT-X-BYTERANGE:75232@720\r\nall.mp4\r\n" +
		"#EXTINF:2.000,\r\n#EXT-X-BYTERANGE:82112\r\nall.mp4\r\n" +
		"#EXT-X-KEY:METHOD=NONE\r\n" +
		`#EXT-X-KEY:METHOD=AES-128,URI="data:text/plain;base64,AAAA"` + "\r\n" +
		"#EXTINF:2.0,\r\nhttp://other.example/seg41.ts#frag\r\n" +
		`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg42.part0.ts"` + "\r\n" +
		`#EXT-X-RENDITION-REPORT:URI="../sd/index.m3u8",LAST-MSN=41`
	want := `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:40
#EXT-X-MAP:URI="R:https://cdn.example/a/hd/init.mp4",BYTERANGE="720@0"
#EXT-X-KEY:METHOD=AES-128,URI="R:https://cdn.example/a/keys/k1?auth_key=1-a-0-b",IV=0x0123
#EXTINF:2.000,
#EXT-X-BYTERANGE:75232@720
R:https://cdn.example/a/hd/all.mp4
#EXTINF:2.000,
#EXT-X-BYTERANGE:82112
R:https://cdn.example/a/hd/all.mp4
#EXT-X-KEY:METHOD=NONE
#EXT-X-KEY:METHOD=AES-128,URI="data:text/plain;base64,AAAA"
#EXTINF:2.0,
R:http://other.example/seg41.ts
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="R:https://cdn.example/a/hd/seg42.part0.ts"
#EXT-X-RENDITION-REPORT:URI="P:https://cdn.example/a/sd/index.m3u8",LAST-MSN=41`
	if got := rewriteAll(t, in, "https://cdn.example/a/hd/index.m3u8"); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRewriteRefusals(t *testing.T) {
	m := func(*url.URL, bool) (string, error) { return "x", nil }
	if _, err := rewritePlaylist([]byte("<html>"), mustURL("https://h/p.m3u8"), m); !errors.Is(err, errNotPlaylist) {
		t.Fatalf("html: %v", err)
	}
	if _, err := rewritePlaylist([]byte("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd"), mustURL("https://h/p.m3u8"), m); err == nil {
		t.Fatal("a file: URI was mapped")
	}
}

// hlsUpstream is a live HLS origin: a media playlist of segments whose
// URIs carry their own auth_key; every request is counted by path.
type hlsUpstream struct {
	mu      sync.Mutex
	hits    map[string]int
	start   time.Time
	refuse  atomic.Bool // answer 403 to everything (keys expired)
	segDur  time.Duration
	playlst atomic.Int64
}

func (u *hlsUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.hits[r.URL.Path]++
	u.mu.Unlock()
	if u.refuse.Load() && strings.Contains(r.URL.RawQuery, "secret1") {
		http.Error(w, "expired", http.StatusForbidden)
		return
	}
	if r.URL.Query().Get("auth_key") == "" {
		http.Error(w, "no key", http.StatusForbidden)
		return
	}
	if strings.HasSuffix(r.URL.Path, ".m3u8") {
		u.playlst.Add(1)
		k := int(time.Since(u.start) / u.segDur)
		fmt.Fprintf(w, "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:%d\n", max(0, k-3))
		for n := max(0, k-3); n <= k; n++ {
			fmt.Fprintf(w, "#EXTINF:1.0,\nseg/%d.ts?auth_key=%s-%d\n", n, r.URL.Query().Get("auth_key"), time.Now().UnixNano())
		}
		return
	}
	w.Header().Set("Content-Type", "video/mp2t")
	fmt.Fprintf(w, "segment %s", r.URL.Path)
}

func (u *hlsUpstream) segmentHits() (segs, total int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for p, n := range u.hits {
		if strings.HasSuffix(p, ".ts") {
			segs += n
			if n > total {
				total = n
			}
		}
	}
	return segs, total
}

func newHLSFixture(t testing.TB) (*Manager, *Session, *fakeStarter, *hlsUpstream, *httptest.Server) {
	up := &hlsUpstream{hits: map[string]int{}, start: time.Now(), segDur: 200 * time.Millisecond}
	upSrv := httptest.NewServer(up)
	t.Cleanup(upSrv.Close)
	m := newTestManager(t, 300*time.Millisecond)
	st := &fakeStarter{base: upSrv.URL}
	s, _ := m.Acquire("cam2/0", Info{Camera: 2}, st)
	return m, s, st, up, upSrv
}

func getPlaylist(t testing.TB, s *Session, view string) string {
	rec := httptest.NewRecorder()
	if err := s.ServeHLSPlaylist(rec, httptest.NewRequest("GET", "/x/index.m3u8", nil), view); err != nil {
		t.Fatal(err)
	}
	return rec.Body.String()
}

func TestHLSProxyHidesKeysAndServesOnlyVendorURLs(t *testing.T) {
	_, s, _, up, upSrv := newHLSFixture(t)
	pl := getPlaylist(t, s, "viewer-0001")
	if strings.Contains(pl, "auth_key") || strings.Contains(pl, "secret") || strings.Contains(pl, upSrv.URL[7:]) {
		t.Fatalf("vendor URL or key in the browser's playlist:\n%s", pl)
	}
	var tok string
	for _, l := range strings.Split(pl, "\n") {
		if strings.HasPrefix(l, ResourcePrefix) {
			tok = strings.TrimPrefix(l, ResourcePrefix)
		}
	}
	rec := httptest.NewRecorder()
	if err := s.ServeHLSResource(rec, httptest.NewRequest("GET", "/x", nil), "viewer-0001", tok); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rec.Body.String(), "segment /seg/") || rec.Header().Get("Content-Type") != "video/mp2t" {
		t.Fatalf("segment: %q %q", rec.Body.String(), rec.Header().Get("Content-Type"))
	}
	// A token no vendor playlist named, or a URL, is never fetched.
	before := len(up.hits)
	for _, bad := range []string{"AAAAAAAAAAAAAAAA.ts", "http://127.0.0.1/x", "../live.m3u8"} {
		err := s.ServeHLSResource(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil), "viewer-0001", bad)
		if !errors.Is(err, ErrUnknownResource) {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	if len(up.hits) != before {
		t.Fatal("an unknown token reached the upstream")
	}
}

func TestHLSViewersCountedAndLastStops(t *testing.T) {
	m, s, st, _, _ := newHLSFixture(t)
	getPlaylist(t, s, "viewer-0001")
	getPlaylist(t, s, "viewer-0002")
	if n := m.Viewers("cam2/0"); n != 2 {
		t.Fatalf("viewers %d", n)
	}
	waitFor(t, "the vendor stop", 3*time.Second, func() bool { _, stops := st.counts(); return stops == 1 })
	if m.Viewers("cam2/0") != 0 {
		t.Fatal("viewers left over")
	}
}

func TestHLSExpiredKeysRestart(t *testing.T) {
	_, s, st, up, _ := newHLSFixture(t)
	getPlaylist(t, s, "viewer-0001")
	up.refuse.Store(true)
	time.Sleep(playlistTTL)
	pl := getPlaylist(t, s, "viewer-0001")
	if starts, _ := st.counts(); starts != 2 || !strings.Contains(pl, "#EXTINF") {
		t.Fatalf("starts %d\n%s", starts, pl)
	}
}

// Many viewers, one upstream fetch per segment.
func TestHLSFetchedOnceForManyViewers(t *testing.T) {
	_, s, _, up, _ := newHLSFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for v := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hlsViewer(ctx, s, fmt.Sprintf("viewer-%04d", v))
		}()
	}
	wg.Wait()
	segs, most := up.segmentHits()
	if segs == 0 || most != 1 {
		t.Fatalf("%d segment fetches, a segment fetched %d times", segs, most)
	}
}

// hlsViewer plays like hls.js: poll the playlist, fetch each new segment.
func hlsViewer(ctx context.Context, s *Session, view string) {
	seen := map[string]bool{}
	for ctx.Err() == nil {
		rec := httptest.NewRecorder()
		if s.ServeHLSPlaylist(rec, httptest.NewRequest("GET", "/p", nil), view) != nil {
			return
		}
		for _, l := range strings.Split(rec.Body.String(), "\n") {
			if tok, ok := strings.CutPrefix(l, ResourcePrefix); ok && !seen[tok] {
				seen[tok] = true
				_ = s.ServeHLSResource(httptest.NewRecorder(), httptest.NewRequest("GET", "/r", nil), view, tok)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	_, _ = io.Discard.Write(nil)
}
