package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startOnce runs the server on dataDir until it serves, then stops it, and
// returns what it logged.
func startOnce(t *testing.T, dataDir string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--data-dir", dataDir, "--demo", "off", "--log-level", "warn"},
			func(string) string { return "" }, out, logs)
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "serving on") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(out.String(), "serving on") {
			t.Fatalf("exit %d:\n%s\n%s", code, out.String(), logs.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("did not shut down")
	}
	return logs.String()
}

func perm(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// After the first start (umask 022, as on most systems) the data directory
// is 0700 and the database, -wal, -shm and key files 0600; a directory
// loosened afterwards is fixed at the next start, with a warning.
func TestFirstStartFileModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	startOnce(t, dir)
	if m := perm(t, dir); m != 0o700 {
		t.Errorf("data directory %04o, want 0700", m)
	}
	for _, f := range []string{"storelens.db", "storelens.db-wal", "storelens.db-shm", "secret.key"} {
		p := filepath.Join(dir, f)
		if _, err := os.Stat(p); os.IsNotExist(err) {
			continue // -wal and -shm go when the database closes cleanly
		}
		if m := perm(t, p); m != 0o600 {
			t.Errorf("%s %04o, want 0600", f, m)
		}
	}
	if m := perm(t, filepath.Join(dir, "storelens.db")); m != 0o600 {
		t.Errorf("database %04o", m)
	}
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Join(dir, "storelens.db"), 0o644)
	os.Chmod(filepath.Join(dir, "secret.key"), 0o644)
	logs := startOnce(t, dir)
	if n := strings.Count(logs, "mode was too open"); n != 3 {
		t.Errorf("%d warnings at the second start, want 3:\n%s", n, logs)
	}
	if perm(t, dir) != 0o700 || perm(t, filepath.Join(dir, "storelens.db")) != 0o600 || perm(t, filepath.Join(dir, "secret.key")) != 0o600 {
		t.Error("loose modes not fixed")
	}
}
