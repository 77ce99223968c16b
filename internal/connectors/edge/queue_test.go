package edge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The queue keeps posts in order across a reopen, is bounded, and only
// Delete takes a post out; its file is 0600.
func TestQueueOrderBoundReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	q, err := OpenQueue(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := q.Put(ctx, Post{Received: time.Now(), ContentType: "multipart/form-data; boundary=x", Body: []byte(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.Put(ctx, Post{Body: []byte("4")}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("a fourth post in a queue of 3: %v", err)
	}
	ps, err := q.After(ctx, 0, 10)
	if err != nil || len(ps) != 3 || string(ps[0].Body) != "1" || string(ps[2].Body) != "3" {
		t.Fatalf("After: %v %v", ps, err)
	}
	if err := q.Delete(ctx, ps[0].ID); err != nil || q.Depth() != 2 {
		t.Fatalf("delete: %v, depth %d", err, q.Depth())
	}
	// Not closed (as a kill leaves it): a second open sees the same posts.
	q2, err := OpenQueue(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer q2.Close()
	defer q.Close()
	if q2.Depth() != 2 {
		t.Fatalf("reopened depth %d, want 2", q2.Depth())
	}
	ps, err = q2.After(ctx, 0, 10)
	if err != nil || len(ps) != 2 || string(ps[0].Body) != "2" || ps[0].ContentType != "multipart/form-data; boundary=x" || ps[0].Received.IsZero() {
		t.Fatalf("reopened: %+v %v", ps, err)
	}
	if rest, _ := q2.After(ctx, ps[0].ID, 10); len(rest) != 1 || string(rest[0].Body) != "3" {
		t.Fatalf("After(id): %+v", rest)
	}
	fi, err := os.Stat(filepath.Join(dir, QueueFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("queue file mode %v %v", fi.Mode().Perm(), err)
	}
}
