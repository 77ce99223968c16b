package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"storelens/internal/connectors"
	"storelens/internal/connectors/edge"
	"storelens/internal/models"
)

// The 200-edge benchmark: the real server (this test binary run as
// the server, TestEventsKillHelper) with 200 shops, each paired with an edge
// of its own (in this process, production backoff 1..5 s): the server's
// memory per connected edge (its RSS from /proc before and after they
// connect), then the server is stopped with SIGTERM and started again on the
// same address, and the time until every edge is connected again is taken
// from the moment the new server answers /healthz.
//
//	go test -run '^$' -bench EdgesReconnect -benchtime 1x ./cmd/web/
//
// STORELENS_EDGES (200) changes the count; STORELENS_EDGES_DOWN (0) keeps
// the server down that many seconds between the exit and the start (the
// edges' backoff grows to its 5 s cap).
func BenchmarkEdgesReconnect(b *testing.B) {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("STORELENS_EDGES")); err == nil && v > 0 {
		n = v
	}
	down := time.Duration(0)
	if v, err := strconv.Atoi(os.Getenv("STORELENS_EDGES_DOWN")); err == nil && v > 0 {
		down = time.Duration(v) * time.Second
	}
	ctx := context.Background()
	dir := b.TempDir()
	dataDir := filepath.Join(dir, "data")
	os.MkdirAll(dataDir, 0o700)
	keyEnv := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	addr := freeAddrB(b)
	edgeDir := func(i int) string { return filepath.Join(dir, "edge", strconv.Itoa(i)) }
	base := "http://" + addr

	// The shops, each paired with its edge's key in the server's database
	// (the pairing the tab does, without its per-address rate limit).
	st, err := models.Open(ctx, filepath.Join(dataDir, "storelens.db"), models.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		sh := models.Shop{Name: fmt.Sprintf("Shop %03d", i), Timezone: "Asia/Shanghai"}
		if err := st.CreateShop(ctx, &sh); err != nil {
			b.Fatal(err)
		}
		code := fmt.Sprintf("BENCH-%03d-%d", i, time.Now().UnixNano())
		if err := st.CreateConnectorCode(ctx, &models.ConnectorCode{ShopID: sh.ID, CodeHash: connectors.HashCode(code),
			CreatedBy: "bench", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
		key, err := edge.LoadOrCreateKey(edgeDir(i))
		if err != nil {
			b.Fatal(err)
		}
		pub := base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
		if _, _, err := st.PairConnector(ctx, connectors.HashCode(code), pub, fmt.Sprintf("edge-%03d", i)); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()

	argv, _ := json.Marshal([]string{"--addr", addr, "--data-dir", dataDir, "--demo", "off", "--log-level", "warn"})
	logFile, _ := os.Create(filepath.Join(dir, "server.log"))
	defer logFile.Close()
	start := func() (*exec.Cmd, time.Time) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEventsKillHelper$")
		cmd.Env = append(os.Environ(), "STORELENS_KILL_ARGS="+string(argv), "STORELENS_ADMIN_PASSWORD=edges-bench-password",
			"STORELENS_SECRET_KEY="+keyEnv)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		waitHealthyB(b, base)
		return cmd, time.Now()
	}
	server, _ := start()
	defer func() {
		if server.ProcessState == nil {
			server.Process.Kill()
			server.Wait()
		}
	}()
	time.Sleep(2 * time.Second) // past the start's allocations
	rss0 := rssOf(b, server.Process.Pid)

	// The edges connect.
	var up atomic.Int64
	ectx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	policy := edge.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, true, edge.DefaultPorts)
	for i := range n {
		e, err := edge.New(edge.Config{Server: base, DataDir: edgeDir(i), Policy: policy,
			Log: slog.New(slog.DiscardHandler), OnConnect: func() { up.Add(1) }})
		if err != nil {
			b.Fatal(err)
		}
		wg.Go(func() { _ = e.Run(ectx) })
	}
	waitFor := func(want int64, d time.Duration) time.Time {
		deadline := time.Now().Add(d)
		for up.Load() < want {
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d edges connected after %s", up.Load()-want+int64(n), n, d)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Now()
	}
	waitFor(int64(n), time.Minute)
	time.Sleep(3 * time.Second) // heartbeats and RTT pings under way
	rss1 := rssOf(b, server.Process.Pid)

	b.ResetTimer()
	for range b.N {
		// Restart: SIGTERM, wait for the exit, start again.
		term := time.Now()
		if err := server.Process.Signal(syscall.SIGTERM); err != nil {
			b.Fatal(err)
		}
		server.Wait()
		time.Sleep(down)
		before := up.Load()
		var ready time.Time
		server, ready = start()
		done := waitFor(before+int64(n), 2*time.Minute)
		b.ReportMetric(done.Sub(ready).Seconds(), "s-all-reconnected")
		b.ReportMetric(done.Sub(term).Seconds(), "s-from-sigterm")
	}
	b.ReportMetric(float64(rss1-rss0)/float64(n)/1024, "server-KB/edge")
	b.ReportMetric(float64(rss1)/(1<<20), "server-rss-MB")
	b.ReportMetric(float64(n), "edges")
}

var healthClient = &http.Client{Timeout: 2 * time.Second}

func waitHealthyB(b *testing.B, base string) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := healthClient.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("the server does not answer /healthz: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rssOf is pid's resident set in bytes (Linux /proc).
func rssOf(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc here: %v", err)
	}
	for line := range strings.Lines(string(raw)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
