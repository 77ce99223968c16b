// Package datadir keeps the data directory private to the server's user:
// the directory 0700, the database (and SQLite's -wal and -shm files) and
// the secret key 0600. Checked at every start; anything looser is fixed,
// with a warning, since it means every local user could read the sealed
// vendor secrets' ciphertext and every face record.
package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// The files of a data directory that must be private.
const (
	DBFile  = "storelens.db"
	KeyFile = "secret.key"
)

// Modes the directory and its private files must have.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// Private lists the private files of dir: the database, its WAL and shared
// memory files, the key.
func Private(dir string) []string {
	db := filepath.Join(dir, DBFile)
	return []string{db, db + "-wal", db + "-shm", filepath.Join(dir, KeyFile)}
}

// Prepare creates dir (0700) if needed and fixes the modes of it and of its
// private files that exist. It creates an empty database file 0600 when
// there is none, so that SQLite, which gives the -wal and -shm files the
// database file's mode, makes them 0600 too. Call it before opening the
// database, and Check after.
func Prepare(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return err
	}
	db := filepath.Join(dir, DBFile)
	f, err := os.OpenFile(db, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return err
		}
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("datadir: create %s: %w", db, err)
	}
	return Check(dir, log)
}

// Check fixes, with a warning each, the modes of dir and of its private
// files that exist.
func Check(dir string, log *slog.Logger) error {
	if err := fix(dir, DirMode, true, log); err != nil {
		return err
	}
	for _, p := range Private(dir) {
		if err := fix(p, FileMode, false, log); err != nil {
			return err
		}
	}
	return nil
}

func fix(path string, want fs.FileMode, dir bool, log *slog.Logger) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && !dir {
		return nil
	}
	if err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	if st.IsDir() != dir {
		return fmt.Errorf("datadir: %s: want a %s", path, map[bool]string{true: "directory", false: "file"}[dir])
	}
	if got := st.Mode().Perm(); got != want {
		if err := os.Chmod(path, want); err != nil {
			return fmt.Errorf("datadir: %s has mode %04o, want %04o: %w", path, got, want, err)
		}
		log.Warn("data directory: mode was too open, fixed", "path", path, "was", fmt.Sprintf("%04o", got), "now", fmt.Sprintf("%04o", want))
	}
	return nil
}
