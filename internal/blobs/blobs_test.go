package blobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"storelens/internal/blobs"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
)

// stores are both implementations: files, and the database of this run
// (SQLite, or PostgreSQL under scripts/pgtest.sh).
func stores(t *testing.T) map[string]blobs.Store {
	d, err := blobs.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler)})
	return map[string]blobs.Store{"dir": d, "database": blobs.NewDatabase(st, "faces")}
}

// TestStoreContract: what every store does, the same for both.
func TestStoreContract(t *testing.T) {
	for kind, s := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			a := bytes.Repeat([]byte{0xff, 0xd8, 1, 2}, 20000) // 80 KB, a photo's size
			if err := s.Put(ctx, "ab12.jpg", a); err != nil {
				t.Fatal(err)
			}
			got, first, err := s.Get(ctx, "ab12.jpg")
			if err != nil || !bytes.Equal(got, a) {
				t.Fatalf("Get = %d bytes, %v; want the %d put", len(got), err, len(a))
			}
			if ok, err := s.Has(ctx, "ab12.jpg"); !ok || err != nil {
				t.Fatalf("Has = %v, %v", ok, err)
			}
			// Put again: kept, and fresh again for the sweepers.
			time.Sleep(20 * time.Millisecond)
			if err := s.Put(ctx, "ab12.jpg", a); err != nil {
				t.Fatal(err)
			}
			_, again, _ := s.Get(ctx, "ab12.jpg")
			if !again.After(first) {
				t.Errorf("a second Put left the time at %v (first %v)", again, first)
			}
			if err := s.Put(ctx, "cd34.png", []byte("x")); err != nil {
				t.Fatal(err)
			}
			var names []string
			if err := s.Walk(ctx, func(name string, put time.Time) error {
				if put.IsZero() {
					t.Errorf("%s walked with no time", name)
				}
				names = append(names, name)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			sort.Strings(names)
			if len(names) != 2 || names[0] != "ab12.jpg" || names[1] != "cd34.png" {
				t.Errorf("Walk = %v", names)
			}
			if err := s.Remove(ctx, "ab12.jpg"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Get(ctx, "ab12.jpg"); !errors.Is(err, blobs.ErrNotFound) {
				t.Errorf("Get after Remove: %v, want ErrNotFound", err)
			}
			if err := s.Remove(ctx, "ab12.jpg"); err != nil {
				t.Errorf("Remove of a missing blob: %v", err)
			}
			for _, bad := range []string{"../x.jpg", "ab/../../etc", ".hidden", "a", "ab12.jpg\x00", "ab c"} {
				if err := s.Put(ctx, bad, a); !errors.Is(err, blobs.ErrBadName) {
					t.Errorf("Put(%q) = %v, want ErrBadName", bad, err)
				}
				if _, _, err := s.Get(ctx, bad); !errors.Is(err, blobs.ErrNotFound) {
					t.Errorf("Get(%q) = %v, want ErrNotFound", bad, err)
				}
			}
		})
	}
}

// TestDirKeepsTheExistingLayout: a data directory written before this
// package (root/<two characters>/<name>) reads the same, and a Put in
// progress (its temporary file) is not walked.
func TestDirKeepsTheExistingLayout(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "9f"), 0o700)
	os.WriteFile(filepath.Join(root, "9f", "9f00aa.jpg"), []byte("old"), 0o600)
	os.WriteFile(filepath.Join(root, "9f", ".put-123"), []byte("half"), 0o600)
	d, err := blobs.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := d.Get(context.Background(), "9f00aa.jpg")
	if err != nil || string(b) != "old" {
		t.Fatalf("Get = %q, %v", b, err)
	}
	var names []string
	d.Walk(context.Background(), func(name string, _ time.Time) error { names = append(names, name); return nil })
	if len(names) != 1 || names[0] != "9f00aa.jpg" {
		t.Errorf("Walk = %v, want only the photo", names)
	}
}

// TestSpacesAreApart: the same name in two spaces of one database is two
// blobs.
func TestSpacesAreApart(t *testing.T) {
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	faces, pics := blobs.NewDatabase(st, "faces"), blobs.NewDatabase(st, "pictures")
	faces.Put(ctx, "aa11.jpg", []byte("face"))
	if ok, _ := pics.Has(ctx, "aa11.jpg"); ok {
		t.Fatal("a face photo is visible as an event picture")
	}
	pics.Put(ctx, "aa11.jpg", []byte("pic"))
	pics.Remove(ctx, "aa11.jpg")
	if b, _, err := faces.Get(ctx, "aa11.jpg"); err != nil || string(b) != "face" {
		t.Fatalf("the face photo after the picture's removal: %q, %v", b, err)
	}
}
