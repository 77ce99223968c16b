package leader_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"storelens/internal/leader"
	"storelens/internal/models/modelstest"
)

// work counts who runs a piece of work and how many run it at once.
type work struct {
	mu      sync.Mutex
	running map[string]bool
	starts  map[string]int
	most    int
}

func newWork() *work { return &work{running: map[string]bool{}, starts: map[string]int{}} }

func (w *work) run(who string) func(ctx context.Context) {
	return func(ctx context.Context) {
		w.mu.Lock()
		w.running[who] = true
		w.starts[who]++
		n := 0
		for _, r := range w.running {
			if r {
				n++
			}
		}
		w.most = max(w.most, n)
		w.mu.Unlock()
		<-ctx.Done()
		w.mu.Lock()
		w.running[who] = false
		w.mu.Unlock()
	}
}

func (w *work) who() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for k, r := range w.running {
		if r {
			out = append(out, k)
		}
	}
	return out
}

func waitFor(t *testing.T, what string, d time.Duration, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Alone always leads: the work runs until the context ends.
func TestAloneRuns(t *testing.T) {
	w := newWork()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { leader.Alone{}.Lead(ctx, "sync", w.run("a")); close(done) }()
	waitFor(t, "the work running", time.Second, func() bool { return len(w.who()) == 1 })
	cancel()
	<-done
	if len(w.who()) != 0 {
		t.Fatal("still running after the context ended")
	}
}

// Three instances on one PostgreSQL database: one runs the work; when the
// leader's session is killed (its instance gone) another takes over within
// two polls and the old one stops; when the leader stops cleanly the work
// moves at once; a second piece of work has its own leader election.
func TestPostgresOneLeaderAndTakeover(t *testing.T) {
	base := modelstest.PostgresURL()
	if base == "" {
		t.Skip("needs PostgreSQL: set " + modelstest.EnvURL + " (scripts/pgtest.sh)")
	}
	url, err := modelstest.NewDatabase(t, base)
	if err != nil {
		t.Fatal(err)
	}
	const poll = 100 * time.Millisecond
	w := newWork()
	type inst struct {
		cancel context.CancelFunc
		done   chan struct{}
	}
	insts := map[string]*inst{}
	for _, name := range []string{"a", "b", "c"} {
		ctx, cancel := context.WithCancel(context.Background())
		in := &inst{cancel: cancel, done: make(chan struct{})}
		insts[name] = in
		e := &leader.Postgres{URL: url, Poll: poll}
		go func() { e.Lead(ctx, "traffic sync", w.run(name)); close(in.done) }()
	}
	t.Cleanup(func() {
		for _, in := range insts {
			in.cancel()
			<-in.done
		}
	})
	waitFor(t, "one leader", 5*time.Second, func() bool { return len(w.who()) == 1 })
	time.Sleep(5 * poll) // nobody else starts
	first := w.who()
	if len(first) != 1 || w.most != 1 {
		t.Fatalf("running %v, at most %d at once", first, w.most)
	}

	// The leader's session killed, as when its instance dies.
	admin, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	var killed int
	if err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objid = ($1::bigint & 4294967295)::oid`, leader.Key("traffic sync")).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d sessions: %v", killed, err)
	}
	start := time.Now()
	waitFor(t, "another instance leading", 2*time.Second, func() bool {
		r := w.who()
		return len(r) >= 1 && (len(r) > 1 || r[0] != first[0])
	})
	waitFor(t, "the old leader stopped", 10*poll, func() bool { return len(w.who()) == 1 })
	second := w.who()[0]
	t.Logf("taken over by %s in %v (old leader %s)", second, time.Since(start).Round(time.Millisecond), first[0])
	if second == first[0] {
		t.Fatal("the same instance leads again")
	}
	// The old leader follows again: it reconnected and waits.
	time.Sleep(5 * poll)
	if r := w.who(); len(r) != 1 || r[0] != second {
		t.Fatalf("running %v", r)
	}

	// A clean stop moves the work at once.
	insts[second].cancel()
	<-insts[second].done
	waitFor(t, "a third leader", 2*time.Second, func() bool { r := w.who(); return len(r) == 1 && r[0] != second })

	// Another piece of work elects on its own lock.
	other := newWork()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var leading atomic.Bool
	e := &leader.Postgres{URL: url, Poll: poll, OnChange: func(name string, on bool) { leading.Store(on) }}
	go e.Lead(ctx, "camera status", other.run("d"))
	waitFor(t, "the second work's leader", 2*time.Second, func() bool { return len(other.who()) == 1 && leading.Load() })
}
