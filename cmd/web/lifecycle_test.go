package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// goroutines returns the stacks of the running goroutines by id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if id := regexp.MustCompile(`^goroutine (\d+) `).FindStringSubmatch(g); id != nil {
			out[id[1]] = g
		}
	}
	return out
}

// createdByUs reports whether a goroutine was started by StoreLens code
// other than the simulators: the demo's simulated clouds and cameras stand
// for the world outside the server and run their own listeners.
func createdByUs(stack string) bool {
	i := strings.LastIndex(stack, "\ncreated by ")
	if i < 0 {
		return false
	}
	creator := stack[i:]
	return strings.Contains(creator, "storelens/") && !strings.Contains(creator, "/sim.") &&
		!strings.Contains(creator, "storelens/internal/demo.")
}

// Wiring builds everything and starts nothing: no goroutine of the server's
// own is running until the group starts, and the group's tasks are in the
// stated order. This is what keeps the vendor registry and every service's
// fields from being read by background work while they are still set.
func TestBuildStartsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, err := loadConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"), "--demo", "on"},
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	e, err := openEnv(ctx, cfg, log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close(log)
	before := goroutines()
	a, err := build(ctx, cfg, log, e, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // anything started would be visible by now
	for id, g := range goroutines() {
		if _, old := before[id]; !old && createdByUs(g) {
			t.Errorf("wiring started a goroutine:\n%s", g)
		}
	}
	want := []string{"session sweep", "connector tunnels", "camera status", "faces", "traffic sync and backfill", "alerts outbox", "alert rules", "demo cameras",
		"event pipeline and sources", "event sources", "video sessions", "demo event generators"}
	if e.demo.Devices.Chain != nil { // the chain shop's connector (127.0.0.2 is here)
		want = slices.Insert(want, 2, "demo on-site connector")
	}
	if got := a.tasks.Names(); !slices.Equal(got, want) {
		t.Fatalf("tasks %v, want %v", got, want)
	}
	if err := a.tasks.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.tasks.Stop(); err != nil {
		t.Fatal(err)
	}
	// Everything the tasks started has stopped again.
	time.Sleep(100 * time.Millisecond)
	for id, g := range goroutines() {
		if _, old := before[id]; !old && createdByUs(g) && !strings.Contains(g, "database/sql") {
			t.Errorf("still running after Stop:\n%s", g)
		}
	}
}

// The whole server, demo on, started and stopped 20 times over one data
// directory (the first start seeds it), with a request in flight at some
// of the stops: each start serves, each stop exits 0. Run under -race (as
// make test does), this is the check that no background work reads what
// wiring is still setting, and that stopping waits for everything.
func TestStartStopTwenty(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole server 20 times")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	addrRe := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)
	for i := range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		out := &syncBuffer{}
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--data-dir", dataDir, "--demo", "on", "--log-level", "error"},
				func(string) string { return "" }, out, io.Discard)
		}()
		var base string
		for deadline := time.Now().Add(120 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if m := addrRe.FindStringSubmatch(out.String()); m != nil {
				base = m[1]
			}
			select {
			case code := <-done:
				t.Fatalf("start %d: exited %d before serving:\n%s", i+1, code, out.String())
			default:
			}
		}
		if base == "" {
			cancel()
			t.Fatalf("start %d: not serving after 120 s:\n%s", i+1, out.String())
		}
		if i%2 == 1 { // stop with requests arriving
			go func() {
				for range 5 {
					if res, err := http.Get(base + "/login"); err == nil {
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
					}
				}
			}()
		}
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("stop %d: exit code %d:\n%s", i+1, code, out.String())
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("stop %d: did not stop within 60 s", i+1)
		}
	}
}
