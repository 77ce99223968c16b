package live

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"storelens/internal/vendors/sunmilan/sim"
)

// BenchmarkFLVFanout: one 2 Mbit/s FLV upstream to 100 viewers through the
// proxy on loopback. The upstream and the viewers run in a child process
// (this test binary again, as TestFLVLoadGenerator), so the CPU measured
// here is the proxy's alone. Reported:
//   - core-%: the proxy's CPU (user+system) as a percentage of one core;
//   - rss-MB: the proxy process's peak resident memory;
//   - join-ms: a late joiner's wait for its first frame (a keyframe);
//   - bytes-equal: viewers that received exactly the upstream's bytes (of 100);
//   - close-s: from the last viewer leaving to the upstream connection closing.
func BenchmarkFLVFanout(b *testing.B) {
	const viewers, seconds = 100, 6
	m := NewManager(Options{HTTP: &http.Client{}, Linger: 5 * time.Second, ViewerBuffer: 512})
	m.Start()
	defer m.Close()
	st := &fakeStarter{}
	s, _ := m.Acquire("bench", Info{Camera: 1}, st)
	proxy := serveSession(b, s)

	// Every wait has a deadline: the child stops itself well inside it
	// (each of its waits is bounded too), and this kills it past it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestFLVLoadGenerator$", "-test.timeout=90s")
	cmd.Env = append(os.Environ(), "FLV_LOAD_PROXY="+proxy.URL, "FLV_LOAD_VIEWERS="+strconv.Itoa(viewers),
		"FLV_LOAD_SECONDS="+strconv.Itoa(seconds))
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	lines := bufio.NewScanner(out)
	res := map[string]float64{}
	var cpu0 syscall.Rusage
	var t0 time.Time
	b.ResetTimer()
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		switch {
		case len(f) == 2 && f[0] == "UP":
			st.mu.Lock()
			st.base = f[1]
			st.mu.Unlock()
		case len(f) == 1 && f[0] == "STREAMING":
			syscall.Getrusage(syscall.RUSAGE_SELF, &cpu0)
			t0 = time.Now()
		case len(f) > 0 && f[0] == "FAIL":
			b.Fatalf("load generator: %s", strings.Join(f[1:], " "))
		case len(f) > 0 && f[0] == "RES":
			var cpu1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &cpu1)
			wall := time.Since(t0)
			used := time.Duration(cpu1.Utime.Nano() + cpu1.Stime.Nano() - cpu0.Utime.Nano() - cpu0.Stime.Nano())
			res["core-%"] = 100 * used.Seconds() / wall.Seconds()
			res["rss-MB"] = float64(cpu1.Maxrss) / 1024
			for _, kv := range f[1:] {
				k, v, _ := strings.Cut(kv, "=")
				res[k], _ = strconv.ParseFloat(v, 64)
			}
		}
	}
	b.StopTimer()
	if ctx.Err() != nil {
		b.Fatalf("the load generator did not finish within its deadline (killed): %v", ctx.Err())
	}
	if len(res) == 0 {
		b.Fatal("the load generator reported nothing")
	}
	if res["join-ms"] < 0 {
		b.Fatal("the late joiner got no keyframe within its deadline")
	}
	for _, k := range []string{"core-%", "rss-MB", "join-ms", "bytes-equal", "close-s"} {
		b.ReportMetric(res[k], k)
	}
}

// TestFLVLoadGenerator is BenchmarkFLVFanout's child process: the upstream
// and the viewers. It does nothing in an ordinary test run.
func TestFLVLoadGenerator(t *testing.T) {
	proxy := os.Getenv("FLV_LOAD_PROXY")
	if proxy == "" {
		t.Skip("only as BenchmarkFLVFanout's load generator")
	}
	n, _ := strconv.Atoi(os.Getenv("FLV_LOAD_VIEWERS"))
	secs, _ := strconv.Atoi(os.Getenv("FLV_LOAD_SECONDS"))

	// The upstream: 25 fps of 10,000-byte frames is 2 Mbit/s; a keyframe a
	// second. It starts sending once every viewer has joined, so each of
	// them should receive every byte, and it pauses at the end so that the
	// counts can be compared before the viewers leave. Like a real camera,
	// it accepts a reconnect (the proxy redials a stalled upstream) and
	// streams again from a keyframe; bytes-equal then says so.
	release, pause := make(chan struct{}), make(chan struct{})
	var sent atomic.Int64
	var active atomic.Int64    // upstream connections open
	var lastClose atomic.Int64 // UnixNano of the last upstream connection's end
	src := &flvSource{fps: 25, gop: 25, frameSize: 10_000}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		active.Add(1)
		defer func() {
			lastClose.Store(time.Now().UnixNano())
			active.Add(-1)
		}()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go func() {
			select {
			case <-pause:
				cancel()
			case <-ctx.Done():
			}
		}()
		select {
		case <-pause: // paused already: held open, silent
		default:
			cw := &countingWriter{ResponseWriter: w, n: &sent}
			src.ServeHTTP(cw, r.WithContext(ctx))
		}
		<-r.Context().Done() // held open, silent, until the proxy lets go
	}))
	defer up.Close()
	fmt.Println("UP", up.URL)
	fail := func(format string, args ...any) {
		fmt.Println("FAIL", fmt.Sprintf(format, args...))
		t.Fatalf(format, args...)
	}

	counts := make([]atomic.Int64, n)
	var joined sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	var done sync.WaitGroup
	for i := range n {
		joined.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", proxy, nil)
			resp, err := http.DefaultClient.Do(req)
			joined.Done()
			if err != nil {
				return
			}
			defer resp.Body.Close()
			buf := make([]byte, 64<<10)
			for {
				k, err := resp.Body.Read(buf)
				counts[i].Add(int64(k))
				if err != nil {
					return
				}
			}
		}()
	}
	if !waitGroup(&joined, 30*time.Second) {
		cancel()
		fail("the %d viewers did not all join within 30s", n)
	}
	fmt.Println("STREAMING")
	close(release)

	// A late joiner, half-way through.
	time.Sleep(time.Duration(secs) * time.Second / 2)
	joinStart := time.Now()
	var joinMs float64 = -1
	joinCtx, joinCancel := context.WithTimeout(ctx, 10*time.Second)
	req, _ := http.NewRequestWithContext(joinCtx, "GET", proxy, nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		fr := newFLVReader(resp.Body)
		if _, err := fr.header(); err == nil {
			for {
				tag, err := fr.next()
				if err != nil {
					break
				}
				if tag.kind == kindKeyframe {
					joinMs = float64(time.Since(joinStart).Microseconds()) / 1000
					break
				}
			}
		}
		resp.Body.Close()
	}
	joinCancel()
	if joinMs < 0 {
		cancel()
		fail("the late joiner got no keyframe within 10s")
	}
	time.Sleep(time.Duration(secs)*time.Second/2 - time.Since(joinStart))
	close(pause)
	time.Sleep(time.Second) // what is in flight arrives
	equal := 0
	for i := range counts {
		if counts[i].Load() == sent.Load() {
			equal++
		}
	}
	cancel()
	if !waitGroup(&done, 30*time.Second) {
		fail("the viewers did not stop within 30s of leaving")
	}
	left := time.Now()
	closeS := -1.0
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if active.Load() == 0 {
			closeS = time.Unix(0, lastClose.Load()).Sub(left).Seconds()
			break
		}
	}
	fmt.Printf("RES join-ms=%.1f bytes-equal=%d close-s=%.2f\n", joinMs, equal, closeS)
}

// waitGroup waits for wg at most d and reports whether it finished.
func waitGroup(wg *sync.WaitGroup, d time.Duration) bool {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	k, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(k))
	return k, err
}

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// BenchmarkHLSFanout: 200 viewers play one live HLS stream (1 s segments)
// through the proxy for 6 s. fetch-ratio is upstream segment fetches per
// distinct segment fetched (1.0: each fetched once, however many viewers).
func BenchmarkHLSFanout(b *testing.B) {
	const viewers = 200
	up := &hlsUpstream{hits: map[string]int{}, start: time.Now(), segDur: time.Second}
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()
	m := NewManager(Options{HTTP: &http.Client{}, Linger: time.Second})
	m.Start()
	defer m.Close()
	s, _ := m.Acquire("bench", Info{Camera: 1}, &fakeStarter{base: upSrv.URL})
	b.ResetTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for v := range viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hlsViewer(ctx, s, fmt.Sprintf("viewer-%04d", v))
		}()
	}
	wg.Wait()
	b.StopTimer()
	up.mu.Lock()
	distinct, fetches := 0, 0
	for p, n := range up.hits {
		if strings.HasSuffix(p, ".ts") {
			distinct++
			fetches += n
		}
	}
	up.mu.Unlock()
	b.ReportMetric(float64(fetches)/float64(distinct), "fetch-ratio")
	b.ReportMetric(float64(distinct), "segments")
	b.ReportMetric(float64(up.playlst.Load()), "upstream-playlists")
}

// BenchmarkRTSPHLSFanout: 200 viewers play one LAN camera's live stream
// (the simulator's RTSP, the clip at 25 fps) as HLS through the manager
// for 8 s. rtsp-plays is RTSP sessions the camera saw (1: one upstream for
// all), vendor-starts the URLs asked for, viewers-with-video how many
// viewers got a segment, first-seg-ms the slowest viewer's wait for its
// first segment (a cold start: the RTSP session and the muxer's first
// segment), segments-per-viewer the mean fetched.
func BenchmarkRTSPHLSFanout(b *testing.B) {
	const viewers = 200
	cam, err := sim.New(sim.Options{SN: "C201D8BS00901", AppID: "A", Secret: "S", ActivationCode: "X", Activated: true})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := cam.StartRTSP("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer cam.Close()
	st := &rtspStarter{cam: cam}
	m := NewManager(Options{Linger: time.Second})
	m.Start()
	defer m.Close()
	b.ResetTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstMax time.Duration
	got, total := 0, 0
	for v := range viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, first := rtspViewer(ctx, m, st, fmt.Sprintf("viewer-%04d", v))
			mu.Lock()
			defer mu.Unlock()
			total += n
			if n > 0 {
				got++
				firstMax = max(firstMax, first.Sub(start))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	plays := 0
	for _, e := range cam.RTSPLog() {
		if e.Op == "PLAY" {
			plays++
		}
	}
	b.ReportMetric(float64(plays), "rtsp-plays")
	b.ReportMetric(float64(st.count()), "vendor-starts")
	b.ReportMetric(float64(got), "viewers-with-video")
	b.ReportMetric(float64(firstMax.Milliseconds()), "first-seg-ms")
	b.ReportMetric(float64(total)/viewers, "segments-per-viewer")
}

// rtspViewer plays like hls.js until ctx ends: the top playlist, then the
// media playlist every 500 ms and each new segment. It returns the
// segments fetched and when the first came.
func rtspViewer(ctx context.Context, m *Manager, st Starter, view string) (int, time.Time) {
	get := func(name string) (int, string) {
		s, err := m.Acquire("live/9/1", Info{Camera: 9, Kind: "live"}, st)
		if err != nil {
			return 0, ""
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/"+name, nil)
		if name == "index.m3u8" {
			err = s.ServeHLSPlaylist(rec, req, view)
		} else {
			err = s.ServeHLSResource(rec, req, view, strings.TrimPrefix(name, ResourcePrefix))
		}
		if err != nil {
			return 0, ""
		}
		return rec.Code, rec.Body.String()
	}
	code, top := get("index.m3u8")
	if code != 200 {
		return 0, time.Time{}
	}
	media := lastURI(top)
	seen := map[string]bool{}
	var first time.Time
	for ctx.Err() == nil {
		if code, mp := get(media); code == 200 {
			if seg := lastURI(mp); seg != "" && !seen[seg] {
				if c, _ := get(ResourcePrefix + seg); c == 200 {
					seen[seg] = true
					if first.IsZero() {
						first = time.Now()
					}
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	return len(seen), first
}
