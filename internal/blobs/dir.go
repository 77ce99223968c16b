package blobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Dir keeps blobs as files: root/<first two characters>/<name>, readable
// only by us. Writing is atomic (a temporary file renamed into place).
type Dir struct{ root string }

// NewDir opens (creating) the directory.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("blobs: %w", err)
	}
	return &Dir{root: root}, nil
}

// DirAt is the directory root, made by the first Put.
func DirAt(root string) *Dir { return &Dir{root: root} }

func (d *Dir) path(name string) string { return filepath.Join(d.root, name[:2], name) }

// Put implements Store.
func (d *Dir) Put(_ context.Context, name string, data []byte) error {
	if !validName(name) {
		return ErrBadName
	}
	p := d.path(name)
	if _, err := os.Stat(p); err == nil {
		now := time.Now()
		_ = os.Chtimes(p, now, now) // fresh again for the sweepers
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("blobs: store: %w", err)
	}
	return nil
}

// Get implements Store.
func (d *Dir) Get(_ context.Context, name string) ([]byte, time.Time, error) {
	if !validName(name) {
		return nil, time.Time{}, ErrNotFound
	}
	f, err := os.Open(d.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, time.Time{}, ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	b := make([]byte, info.Size())
	if _, err := f.ReadAt(b, 0); err != nil && info.Size() > 0 {
		return nil, time.Time{}, err
	}
	return b, info.ModTime(), nil
}

// Has implements Store.
func (d *Dir) Has(_ context.Context, name string) (bool, error) {
	if !validName(name) {
		return false, nil
	}
	_, err := os.Stat(d.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Remove implements Store.
func (d *Dir) Remove(_ context.Context, name string) error {
	if !validName(name) {
		return nil
	}
	err := os.Remove(d.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Walk implements Store; temporary files of a Put under way are skipped.
func (d *Dir) Walk(ctx context.Context, f func(name string, put time.Time) error) error {
	return filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == d.root {
			return nil // nothing put yet
		}
		if err != nil || e.IsDir() {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := e.Name()
		if !validName(name) || strings.HasPrefix(name, ".") || filepath.Base(filepath.Dir(p)) != name[:2] {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return nil
		}
		return f(name, info.ModTime())
	})
}
