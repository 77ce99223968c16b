package photos

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStore(t *testing.T) {
	dir := t.TempDir()
	s, err := NewStore(filepath.Join(dir, "photos"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Put([]byte("photo one"))
	if err != nil || !ValidHash(h) || h != Hash([]byte("photo one")) {
		t.Fatalf("Put = %q, %v", h, err)
	}
	again, _ := s.Put([]byte("photo one"))
	if again != h {
		t.Fatal("same bytes, another name")
	}
	b, err := s.Get(h)
	if err != nil || string(b) != "photo one" || !s.Has(h) {
		t.Fatalf("Get = %q, %v", b, err)
	}
	info, _ := os.Stat(filepath.Join(dir, "photos", h[:2], h+".jpg"))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode())
	}
	var seen []string
	s.Walk(func(hash string, mod time.Time) error { seen = append(seen, hash); return nil })
	if len(seen) != 1 || seen[0] != h {
		t.Fatalf("Walk saw %v", seen)
	}
	for _, bad := range []string{"../../etc/passwd", "", h[:63], h + "0", "ABCDEF" + h[6:]} {
		if _, err := s.Get(bad); !errors.Is(err, ErrNoPhoto) || s.Has(bad) {
			t.Errorf("Get(%q) = %v", bad, err)
		}
	}
	if err := s.Remove(h); err != nil || s.Has(h) {
		t.Fatalf("Remove: %v", err)
	}
	if err := s.Remove(h); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
	if _, err := s.Get(h); !errors.Is(err, ErrNoPhoto) {
		t.Fatalf("Get after Remove: %v", err)
	}
}
