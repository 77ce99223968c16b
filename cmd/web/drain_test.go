package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM with --drain-wait: the server keeps serving for the wait with
// /readyz at 503 "draining" (a load balancer takes it out) and /healthz at
// 200 (it is not dead), then stops cleanly.
func TestSIGTERMDrainsBeforeStopping(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	const wait = 3 * time.Second
	argv, _ := json.Marshal([]string{"--addr", addr, "--data-dir", filepath.Join(dir, "data"), "--demo", "off",
		"--log-level", "warn", "--drain-wait", wait.String()})
	cmd := exec.Command(os.Args[0], "-test.run=^TestEventsKillHelper$")
	cmd.Env = append(os.Environ(), "STORELENS_KILL_ARGS="+string(argv), "STORELENS_ADMIN_PASSWORD=drain-test-password")
	logs, _ := os.Create(filepath.Join(dir, "server.log"))
	defer logs.Close()
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitHealthy(t, base)
	client := &http.Client{Timeout: 2 * time.Second}
	get := func(path string) (int, string) {
		res, err := client.Get(base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, strings.TrimSpace(string(b))
	}
	if st, body := get("/readyz"); st != http.StatusOK {
		t.Fatalf("readyz before the signal: %d %q", st, body)
	}
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, wait, "/readyz to answer draining", func() bool {
		st, body := get("/readyz")
		return st == http.StatusServiceUnavailable && body == "draining"
	})
	if st, _ := get("/healthz"); st != http.StatusOK {
		t.Fatalf("healthz while draining: %d", st)
	}
	if st, _ := get("/login"); st != http.StatusOK {
		t.Fatalf("a page while draining: %d", st)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			b, _ := os.ReadFile(logs.Name())
			t.Fatalf("exit after draining: %v\n%s", err, b)
		}
		if d := time.Since(signalled); d < wait {
			t.Fatalf("stopped %v after the signal, before the %v drain", d, wait)
		}
	case <-time.After(wait + 30*time.Second):
		t.Fatal("the server did not stop after draining")
	}
}

func TestConfigDrainWait(t *testing.T) {
	none := func(string) string { return "" }
	if c, err := loadConfig(nil, none, io.Discard); err != nil || c.DrainWait != 0 {
		t.Fatalf("default: %v %v (one instance needs no drain)", c.DrainWait, err)
	}
	if c, err := loadConfig(nil, func(k string) string { return map[string]string{"STORELENS_DRAIN_WAIT": "10s"}[k] }, io.Discard); err != nil || c.DrainWait != 10*time.Second {
		t.Fatalf("from the environment: %v %v", c.DrainWait, err)
	}
	for _, bad := range []string{"soon", "-1s", "1h"} {
		if _, err := loadConfig([]string{"--drain-wait", bad}, none, io.Discard); err == nil || !strings.Contains(err.Error(), "--drain-wait") {
			t.Errorf("--drain-wait %q: %v", bad, err)
		}
	}
}
