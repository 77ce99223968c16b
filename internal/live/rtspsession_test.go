package live

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan/sim"
)

// rtspStarter hands out live URLs of a simulated LAN camera, as the
// sunmilan adapter does after getLiveStream.
type rtspStarter struct {
	cam    *sim.Camera
	mu     sync.Mutex
	starts int
}

func (r *rtspStarter) Start(context.Context) (vendors.Stream, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.starts++
	return vendors.Stream{RTSP: r.cam.IssueRTSP("live_hd")}, nil
}

func (r *rtspStarter) Stop(context.Context, vendors.Stream) error { return nil }

func (r *rtspStarter) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.starts
}

func simRTSPCamera(t *testing.T) *sim.Camera {
	t.Helper()
	cam, err := sim.New(sim.Options{SN: "C201D8BS00900", AppID: "A", Secret: "S", ActivationCode: "X", Activated: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cam.StartRTSP("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cam.Close() })
	return cam
}

// hlsServer serves one session's HLS as the handlers do.
func hlsServer(t *testing.T, m *Manager, key string, st Starter) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/") // <view>/index.m3u8 or <view>/r/<file>
		sess, err := m.Acquire(key, Info{Camera: 1, Kind: "live"}, st)
		if err == nil {
			if len(parts) == 2 {
				err = sess.ServeHLSPlaylist(w, r, parts[0])
			} else {
				err = sess.ServeHLSResource(w, r, parts[0], parts[2])
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// watchHLS plays like hls.js: top playlist, media playlist, newest segment.
func watchHLS(t *testing.T, base, view string) {
	code, top := get(t, base+"/"+view+"/index.m3u8")
	if code != 200 {
		t.Errorf("playlist %d: %s", code, top)
		return
	}
	if strings.Contains(top, "rtsp") || strings.Contains(top, "127.0.0.1") {
		t.Errorf("the playlist names the camera:\n%s", top)
	}
	media := lastURI(top)
	if !strings.HasPrefix(media, ResourcePrefix) {
		t.Errorf("media playlist URI %q", media)
		return
	}
	code, mp := get(t, base+"/"+view+"/"+media)
	if code != 200 || !strings.Contains(mp, "#EXTINF") {
		t.Errorf("media playlist %d:\n%s", code, mp)
		return
	}
	code, seg := get(t, base+"/"+view+"/"+ResourcePrefix+lastURI(mp))
	if code != 200 || len(seg) < 188 || seg[0] != 0x47 {
		t.Errorf("segment %d, %d bytes", code, len(seg))
	}
}

func lastURI(pl string) string {
	var u string
	for _, l := range strings.Split(pl, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			u = l
		}
	}
	return u
}

// Two viewers of a LAN camera share one RTSP session; after the last one
// leaves (and the linger), the session is torn down at the camera.
func TestRTSPSessionSharedThenTornDown(t *testing.T) {
	cam := simRTSPCamera(t)
	st := &rtspStarter{cam: cam}
	m := NewManager(Options{Linger: 300 * time.Millisecond, HLSViewerTTL: 700 * time.Millisecond})
	m.Start()
	defer m.Close()
	srv := hlsServer(t, m, "live/1/1", st)

	var wg sync.WaitGroup
	for _, v := range []string{"viewer-aaaa", "viewer-bbbb"} {
		wg.Add(1)
		go func() { defer wg.Done(); watchHLS(t, srv.URL, v) }()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if n := m.Viewers("live/1/1"); n != 2 {
		t.Fatalf("%d viewers", n)
	}
	if st.count() != 1 || m.RTSPOpens("live/1/1") != 1 || cam.RTSPPlaying() != 1 {
		t.Fatalf("upstream: %d starts, %d RTSP opens, %d playing at the camera", st.count(), m.RTSPOpens("live/1/1"), cam.RTSPPlaying())
	}
	waitFor(t, "the TEARDOWN at the camera", 10*time.Second, func() bool {
		log := cam.RTSPLog()
		return len(log) == 2 && log[1].Op == "STOP" && log[1].Reason == "TEARDOWN"
	})
	if _, ok := m.Lookup("live/1/1"); ok {
		t.Fatal("the session outlived its viewers")
	}
}

// A camera that drops the stream (a restart): the next request asks the
// vendor for a fresh URL and opens a new RTSP session.
func TestRTSPSessionReopensAfterDrop(t *testing.T) {
	cam := simRTSPCamera(t)
	st := &rtspStarter{cam: cam}
	m := NewManager(Options{Linger: 5 * time.Second})
	m.Start()
	defer m.Close()
	srv := hlsServer(t, m, "live/1/0", st)
	watchHLS(t, srv.URL, "viewer-aaaa")
	if err := cam.DropRTSP(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the drop noticed", 10*time.Second, func() bool {
		s, ok := m.Lookup("live/1/0")
		if !ok {
			return false
		}
		s.rtspMu.Lock()
		defer s.rtspMu.Unlock()
		return s.rtsp != nil && isDone(s.rtsp.Done())
	})
	watchHLS(t, srv.URL, "viewer-aaaa")
	if st.count() != 2 || m.RTSPOpens("live/1/0") != 2 {
		t.Fatalf("%d vendor starts, %d RTSP opens", st.count(), m.RTSPOpens("live/1/0"))
	}
	log := cam.RTSPLog()
	if len(log) != 3 || log[1].Reason != "disconnect" || log[2].Op != "PLAY" {
		t.Fatalf("camera log %+v", log)
	}
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestPrefixURIs(t *testing.T) {
	in := "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:1,\nseg1.ts\n"
	want := "#EXTM3U\n#EXT-X-MAP:URI=\"r/init.mp4\"\n#EXTINF:1,\nr/seg1.ts\n"
	got, err := prefixURIs([]byte(in), "r/")
	if err != nil || string(got) != want {
		t.Fatalf("got %v\n%s", err, got)
	}
	if _, err := prefixURIs([]byte("#EXTM3U\nhttp://elsewhere/seg.ts\n"), "r/"); err == nil {
		t.Fatal("a muxer playlist naming another host was passed on")
	}
}
