package main

import (
	"context"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/connectors"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
)

// The edge benchmark: 8 cameras x 2 Mbit/s through one
// storelens-edge process (the real binary, built by the benchmark), its CPU
// and memory read from /proc, and the latency a tunnelled chunk adds
// against a direct dial of the same camera. The "cameras" are TCP servers
// on 127.0.0.2 sending video as a camera's RTSP does: 25 frames a second,
// each frame's bytes written back to back as 1,400-byte packets (an RTP
// packet's size), each stamped with its send time; the central reads them through
// connectors.Hub.DialContext, as internal/live reads a LAN camera's RTSP.
//
//	go test -run '^$' -bench EdgeEightCameras -benchtime 1x ./cmd/edge/
//
// STORELENS_EDGE_BENCH_SECONDS (10), _CAMERAS (8), _MBITS (2), _FPS (25)
// change it.
func BenchmarkEdgeEightCameras(b *testing.B) {
	seconds := envInt("STORELENS_EDGE_BENCH_SECONDS", 10)
	cams := envInt("STORELENS_EDGE_BENCH_CAMERAS", 8)
	mbits := envInt("STORELENS_EDGE_BENCH_MBITS", 2)
	fps := envInt("STORELENS_EDGE_BENCH_FPS", 25)
	window := time.Duration(seconds) * time.Second

	// The cameras.
	var addrs []string
	var ports []string
	for range cams {
		ln, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			b.Skipf("no 127.0.0.2 here: %v", err)
		}
		b.Cleanup(func() { ln.Close() })
		go serveChunks(ln, mbits*1_000_000, fps)
		addrs = append(addrs, ln.Addr().String())
		_, p, _ := net.SplitHostPort(ln.Addr().String())
		ports = append(ports, p)
	}

	// The central: a hub on a store, behind TLS.
	st := modelstest.Open(b, models.Options{})
	ctx := context.Background()
	shop := models.Shop{Name: "Bench shop", Timezone: "Asia/Shanghai"}
	if err := st.CreateShop(ctx, &shop); err != nil {
		b.Fatal(err)
	}
	hub := &connectors.Hub{Store: st, Log: slog.New(slog.DiscardHandler)}
	mux := http.NewServeMux()
	mux.HandleFunc(connectors.PairPath, hub.Pair)
	mux.HandleFunc(connectors.TunnelPath, hub.Tunnel)
	srv := httptest.NewTLSServer(mux)
	b.Cleanup(srv.Close)
	hctx, stopHub := context.WithCancel(ctx)
	b.Cleanup(stopHub)
	go hub.Run(hctx)
	caFile := filepath.Join(b.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		b.Fatal(err)
	}
	code, _, err := hub.NewCode(ctx, models.Actor{Username: "bench"}, shop.ID, false)
	if err != nil {
		b.Fatal(err)
	}

	// The edge: the real binary (built here, CGO off as shipped), its own
	// process.
	bin := filepath.Join(b.TempDir(), "storelens-edge")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--server", srv.URL, "--pair", code,
		"--allow", "127.0.0.2/32", "--ports", strings.Join(ports, ","), "--ca", caFile, "--status", "", "--hook-listen", "",
		"--data-dir", b.TempDir())
	var logs lockedBuf
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, err := hub.Status(ctx, shop.ID)
		if err == nil && s.Online {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("edge not online in 20 s:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	direct := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	b.ResetTimer()
	for range b.N {
		directLat, _ := readStreams(b, addrs, direct, window/2)
		cpu0, t0 := procCPU(b, cmd.Process.Pid), time.Now()
		tunLat, bytes := readStreams(b, addrs, hub.Dialer(shop.ID), window)
		cpu := procCPU(b, cmd.Process.Pid) - cpu0
		elapsed := time.Since(t0)
		rss, hwm := procMem(b, cmd.Process.Pid)
		dp, tp := p99(directLat), p99(tunLat)
		b.ReportMetric(float64(cpu)/float64(elapsed)*100, "edge-cpu-%")
		b.ReportMetric(float64(rss)/(1<<20), "edge-rss-MB")
		b.ReportMetric(float64(hwm)/(1<<20), "edge-peak-rss-MB")
		b.ReportMetric(float64(bytes)*8/elapsed.Seconds()/1e6, "Mbit/s")
		b.ReportMetric(ms(dp), "direct-p99-ms")
		b.ReportMetric(ms(tp), "tunnel-p99-ms")
		b.ReportMetric(ms(tp-dp), "added-p99-ms")
	}
}

const chunk = 1400

// serveChunks sends each connection stamped packets at bps bits a second,
// fps bursts (frames) a second, until it closes.
func serveChunks(ln net.Listener, bps, fps int) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			buf := make([]byte, chunk)
			start, sent := time.Now(), 0
			tick := time.NewTicker(time.Second / time.Duration(fps))
			defer tick.Stop()
			for range tick.C {
				due := int(time.Since(start).Seconds() * float64(bps) / 8)
				for ; sent+chunk <= due; sent += chunk {
					binary.BigEndian.PutUint64(buf, uint64(time.Now().UnixNano()))
					if _, err := c.Write(buf); err != nil {
						return
					}
				}
			}
		}()
	}
}

// readStreams reads every camera for d through dial and returns each
// chunk's latency and the bytes read.
func readStreams(b *testing.B, addrs []string, dial connectors.DialFunc, d time.Duration) ([]time.Duration, int64) {
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	var (
		mu    sync.Mutex
		lat   []time.Duration
		total int64
		wg    sync.WaitGroup
	)
	end := time.Now().Add(d)
	for _, a := range addrs {
		c, err := dial(ctx, "tcp", a)
		if err != nil {
			b.Fatalf("dial %s: %v", a, err)
		}
		wg.Go(func() {
			defer c.Close()
			var mine []time.Duration
			var n int64
			buf := make([]byte, chunk)
			c.SetReadDeadline(end.Add(5 * time.Second))
			for time.Now().Before(end) {
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Errorf("read %s: %v", a, err)
					break
				}
				mine = append(mine, time.Since(time.Unix(0, int64(binary.BigEndian.Uint64(buf)))))
				n += chunk
			}
			mu.Lock()
			lat, total = append(lat, mine...), total+n
			mu.Unlock()
		})
	}
	wg.Wait()
	return lat, total
}

func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)*99/100]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// procCPU is the user+system CPU time of pid (Linux /proc; clock ticks of
// 100 Hz, USER_HZ on every Linux that Go runs on).
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Skipf("no /proc here: %v", err)
	}
	// Fields after the command's closing parenthesis: utime is the 12th, stime the 13th.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+stime) * 10 * time.Millisecond
}

// procMem is pid's resident set now and at its peak, in bytes.
func procMem(b *testing.B, pid int) (rss, hwm int64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc here: %v", err)
	}
	for line := range strings.Lines(string(raw)) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
