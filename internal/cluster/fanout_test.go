package cluster_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/cluster"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
)

// recorder is a hub that remembers what it was given, in order.
type recorder struct {
	mu   sync.Mutex
	ids  []int64
	pics []int64
	wake chan struct{}
}

func newRecorder() *recorder { return &recorder{wake: make(chan struct{}, 1)} }

func (r *recorder) Publish(evs ...*models.Event) {
	r.mu.Lock()
	for _, e := range evs {
		r.ids = append(r.ids, e.ID)
	}
	r.mu.Unlock()
	r.signal()
}

func (r *recorder) PublishPicture(_ uint, id int64) {
	r.mu.Lock()
	r.pics = append(r.pics, id)
	r.mu.Unlock()
	r.signal()
}

func (r *recorder) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *recorder) snapshot() ([]int64, []int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.ids...), append([]int64(nil), r.pics...)
}

// waitFor waits until cond holds on what was published, or fails after d.
func (r *recorder) waitFor(t *testing.T, d time.Duration, what string, cond func(ids, pics []int64) bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		ids, pics := r.snapshot()
		if cond(ids, pics) {
			return
		}
		select {
		case <-r.wake:
		case <-deadline:
			t.Fatalf("%s: not within %s (published %v, pictures %v)", what, d, ids, pics)
		}
	}
}

// instance is one StoreLens instance's part: its own store (connection
// pool) on the shared database, its hub and its fan-out.
type instance struct {
	st  *models.Store
	hub *recorder
	fan *cluster.Fanout
}

// pair opens two instances on one fresh PostgreSQL database and starts
// their fan-outs.
func pair(t testing.TB, opt cluster.Options) (a, b *instance, shop uint) {
	t.Helper()
	base := modelstest.PostgresURL()
	if base == "" {
		t.Skip("PostgreSQL only: set " + modelstest.EnvURL + " (scripts/pgtest.sh)")
	}
	url, err := modelstest.NewDatabase(t, base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	open := func() *instance {
		st, err := models.Open(ctx, t.TempDir()+"/unused.db", models.Options{DatabaseURL: url, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		in := &instance{st: st, hub: newRecorder()}
		o := opt
		o.URL, o.Store, o.Hub = url, st, in.hub
		in.fan = cluster.New(o)
		if err := in.fan.Prime(ctx); err != nil { // as cmd/web does, before it serves
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = in.fan.Run(ctx) }()
		return in
	}
	a, b = open(), open()
	sh := models.Shop{Name: "shop"}
	if err := a.st.CreateShop(ctx, &sh); err != nil {
		t.Fatal(err)
	}
	for _, in := range []*instance{a, b} {
		waitListening(t, in.fan)
	}
	return a, b, sh.ID
}

func waitListening(t testing.TB, f *cluster.Fanout) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.BackendPID() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the fan-out did not connect")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var seq atomic.Int64

// store stores n events through in's store, as its events writer does.
func (in *instance) store(t testing.TB, shop uint, n int) []int64 {
	t.Helper()
	var evs []*models.Event
	for i := 0; i < n; i++ {
		evs = append(evs, &models.Event{ShopID: shop, Vendor: "t", DedupeKey: fmt.Sprint("k", seq.Add(1)), Kind: "face",
			OccurredAt: time.Now(), ReceivedAt: time.Now()})
	}
	if _, err := in.st.InsertEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	in.fan.Publish(evs...)
	var ids []int64
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	return ids
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// An event stored by instance A reaches B's hub within a second, once; and
// A's own hub gets it once too (through the same stream, not twice).
func TestEventStoredByOneInstanceReachesTheOther(t *testing.T) {
	// A short poll: its timeouts must leave the connection up.
	a, b, shop := pair(t, cluster.Options{Poll: 30 * time.Millisecond})
	start := time.Now()
	ids := a.store(t, shop, 1)
	b.hub.waitFor(t, time.Second, "B gets A's event", func(got, _ []int64) bool { return len(got) >= 1 })
	t.Logf("A -> B in %s", time.Since(start))
	a.hub.waitFor(t, time.Second, "A gets its own event", func(got, _ []int64) bool { return len(got) >= 1 })
	// And back: B's event reaches A.
	ids = append(ids, b.store(t, shop, 2)...)
	for name, in := range map[string]*instance{"A": a, "B": b} {
		in.hub.waitFor(t, time.Second, name+" gets all three", func(got, _ []int64) bool { return len(got) >= 3 })
	}
	time.Sleep(200 * time.Millisecond) // a duplicate would come by now
	for name, in := range map[string]*instance{"A": a, "B": b} {
		if got, _ := in.hub.snapshot(); !equal(got, ids) {
			t.Errorf("%s's hub got %v, want %v exactly once each, in order", name, got, ids)
		}
		if n := in.fan.Reconnects(); n != 0 {
			t.Errorf("%s reconnected %d times: a poll's timeout broke the connection", name, n)
		}
	}
}

// Writers on two instances at once: each hub gets every event once, in id
// order (the commit-order lock: no id becomes visible after a later one).
func TestConcurrentWritersGiveOneOrderedStream(t *testing.T) {
	a, b, shop := pair(t, cluster.Options{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var all []int64
	for _, in := range []*instance{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				ids := in.store(t, shop, 1+i%4)
				mu.Lock()
				all = append(all, ids...)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for name, in := range map[string]*instance{"A": a, "B": b} {
		in.hub.waitFor(t, 5*time.Second, name+" gets every event", func(got, _ []int64) bool { return len(got) >= len(all) })
		got, _ := in.hub.snapshot()
		if len(got) != len(all) {
			t.Errorf("%s: %d events published, %d stored", name, len(got), len(all))
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Fatalf("%s: id %d after %d: not in id order", name, got[i], got[i-1])
			}
		}
	}
}

// B's listening connection is killed while A stores a burst: after the
// reconnection B has every event, none twice, in id order.
func TestListenerReconnectsAndCatchesUp(t *testing.T) {
	a, b, shop := pair(t, cluster.Options{MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	var want []int64
	want = append(want, a.store(t, shop, 3)...)
	b.hub.waitFor(t, time.Second, "B before the kill", func(got, _ []int64) bool { return len(got) == 3 })
	pid := b.fan.BackendPID()
	done := make(chan []int64)
	go func() {
		var ids []int64
		for i := 0; i < 50; i++ {
			ids = append(ids, a.store(t, shop, 2)...)
			time.Sleep(2 * time.Millisecond)
		}
		done <- ids
	}()
	time.Sleep(20 * time.Millisecond)
	var killed bool
	if err := a.st.DB().Raw("SELECT pg_terminate_backend(?)", pid).Scan(&killed).Error; err != nil || !killed {
		t.Fatalf("pg_terminate_backend(%d): %v %v", pid, killed, err)
	}
	want = append(want, <-done...)
	b.hub.waitFor(t, 10*time.Second, "B after the reconnection", func(got, _ []int64) bool { return len(got) >= len(want) })
	time.Sleep(200 * time.Millisecond)
	if got, _ := b.hub.snapshot(); !equal(got, want) {
		t.Fatalf("B got %d events %v\nwant %d %v", len(got), got, len(want), want)
	}
	if b.fan.Reconnects() < 1 || b.fan.BackendPID() == pid {
		t.Fatalf("B did not reconnect (reconnects %d, pid %d was %d)", b.fan.Reconnects(), b.fan.BackendPID(), pid)
	}
}

// A picture kept on A is told to A's feeds at once and to B's through
// the channel; neither gets it twice.
func TestPictureNoticeReachesTheOtherInstanceOnce(t *testing.T) {
	a, b, shop := pair(t, cluster.Options{})
	ids := a.store(t, shop, 1)
	a.fan.PublishPicture(shop, ids[0])
	b.hub.waitFor(t, time.Second, "B's picture notice", func(_, pics []int64) bool { return len(pics) == 1 })
	time.Sleep(200 * time.Millisecond)
	for name, in := range map[string]*instance{"A": a, "B": b} {
		if _, pics := in.hub.snapshot(); !equal(pics, ids) {
			t.Errorf("%s: picture notices %v, want %v", name, pics, ids)
		}
	}
}

// Primed before the server takes requests, the fan-out publishes an
// event stored before its connection was up (a browser's backlog may end
// before it): nothing between the backlog and the stream is lost.
func TestPrimedFanoutPublishesWhatCameBeforeItConnected(t *testing.T) {
	a, _, shop := pair(t, cluster.Options{})
	old := a.store(t, shop, 2) // before: in every browser's backlog
	a.hub.waitFor(t, time.Second, "A's first events", func(got, _ []int64) bool { return len(got) == 2 })
	hub := newRecorder()
	fan := cluster.New(cluster.Options{URL: a.fan.URLForTest(), Store: a.st, Hub: hub})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := fan.Prime(ctx); err != nil {
		t.Fatal(err)
	}
	between := a.store(t, shop, 1) // after the prime, before the connection
	done := make(chan struct{})
	go func() { defer close(done); _ = fan.Run(ctx) }()
	defer func() { cancel(); <-done }()
	hub.waitFor(t, 2*time.Second, "the event stored between prime and connection", func(got, _ []int64) bool { return len(got) >= 1 })
	after := a.store(t, shop, 1)
	hub.waitFor(t, time.Second, "the next event", func(got, _ []int64) bool { return len(got) >= 2 })
	if got, _ := hub.snapshot(); !equal(got, append(between, after...)) {
		t.Fatalf("published %v, want %v (not the earlier %v)", got, append(between, after...), old)
	}
}
