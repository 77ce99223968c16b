package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder notes starts and stops in the order they happen.
type recorder struct {
	mu  sync.Mutex
	log []string
}

func (r *recorder) note(s string) { r.mu.Lock(); r.log = append(r.log, s); r.mu.Unlock() }
func (r *recorder) get() []string { r.mu.Lock(); defer r.mu.Unlock(); return slices.Clone(r.log) }

func (r *recorder) task(name string, startErr error) Task {
	return Task{Name: name,
		Start: func(context.Context) error { r.note("start " + name); return startErr },
		Stop:  func() error { r.note("stop " + name); return nil }}
}

func TestOrder(t *testing.T) {
	var r recorder
	g := New(nil)
	for _, n := range []string{"a", "b", "c"} {
		g.Add(r.task(n, nil))
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g.Stop(); err != nil {
		t.Fatal(err)
	}
	want := []string{"start a", "start b", "start c", "stop c", "stop b", "stop a"}
	if got := r.get(); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if err := g.Stop(); err != nil || len(r.get()) != len(want) {
		t.Fatalf("a second Stop stopped again: %v %v", r.get(), err)
	}
}

// A failed start stops what had started, in reverse, and not the rest.
func TestStartFailure(t *testing.T) {
	var r recorder
	g := New(nil)
	g.Add(r.task("a", nil))
	g.Add(r.task("b", nil))
	g.Add(r.task("c", errors.New("no port")))
	g.Add(r.task("d", nil))
	err := g.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "start c: no port") {
		t.Fatalf("err %v", err)
	}
	want := []string{"start a", "start b", "start c", "stop b", "stop a"}
	if got := r.get(); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestAddAfterStartPanics(t *testing.T) {
	g := New(nil)
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Add after Start did not panic")
		}
	}()
	g.Add(Loop("late", func(ctx context.Context) { <-ctx.Done() }))
}

// Loop's Stop waits for the run function to return: work that is still
// finishing when Stop is called is done when Stop returns.
func TestLoopWaits(t *testing.T) {
	var finished bool
	g := New(nil)
	g.Add(Loop("slow", func(ctx context.Context) {
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond)
		finished = true // no lock: Stop's wait orders this before the read
	}))
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.Stop()
	if !finished {
		t.Fatal("Stop returned before the loop finished")
	}
}
