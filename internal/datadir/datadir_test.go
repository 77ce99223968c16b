package datadir_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"storelens/internal/datadir"
	"storelens/internal/models"
	"storelens/internal/secrets"
)

func mode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// A first start under the usual umask 022: the directory is 0700 and the
// database, its -wal and -shm files and the key are 0600.
func TestFirstStartModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	log := slog.New(slog.DiscardHandler)
	if err := datadir.Prepare(dir, log); err != nil {
		t.Fatal(err)
	}
	st, err := models.Open(context.Background(), filepath.Join(dir, datadir.DBFile), models.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSetting(context.Background(), "x", "y"); err != nil { // a write: the WAL exists
		t.Fatal(err)
	}
	if _, err := secrets.LoadKey(filepath.Join(dir, datadir.KeyFile), ""); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("data directory %04o, want 0700", m)
	}
	for _, p := range datadir.Private(dir) {
		if m := mode(t, p); m != 0o600 {
			t.Errorf("%s: %04o, want 0600", filepath.Base(p), m)
		}
	}
}

// A data directory left 0755 with 0644 files is fixed, each with a warning.
func TestLooseModesFixedWithWarning(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	os.Mkdir(dir, 0o755)
	os.Chmod(dir, 0o755)
	for _, p := range datadir.Private(dir) {
		os.WriteFile(p, nil, 0o644)
		os.Chmod(p, 0o644)
	}
	var buf bytes.Buffer
	if err := datadir.Check(dir, slog.New(slog.NewTextHandler(&buf, nil))); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("directory %04o", m)
	}
	for _, p := range datadir.Private(dir) {
		if m := mode(t, p); m != 0o600 {
			t.Errorf("%s: %04o", p, m)
		}
	}
	if n := strings.Count(buf.String(), "mode was too open"); n != 5 {
		t.Fatalf("%d warnings, want 5:\n%s", n, buf.String())
	}
	buf.Reset()
	datadir.Check(dir, slog.New(slog.NewTextHandler(&buf, nil)))
	if buf.Len() != 0 {
		t.Fatalf("warning with the modes right: %s", buf.String())
	}
}
