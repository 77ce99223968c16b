// Package cluster is what several StoreLens instances on one PostgreSQL
// database share at run time (DESIGN.md "Several instances"): the live
// events of every instance reach the browsers of every other.
//
// Fan-out: each commit of new events notifies the channel
// models.EventsChannel with its highest id (inside the inserting
// transaction, models.InsertEvents, which also orders the writers of all
// instances with an advisory lock, so ids become visible in id order). Each
// instance runs one Fanout: its own connection LISTENs, and on every
// notification it loads the events after the last id it published and
// publishes them to its own hub, in id order. Its own instance's events come
// the same way (the writer does not publish them directly on PostgreSQL):
// one ordered stream per hub, so a browser's "after my last id" never skips
// an event that another instance committed in between, and nothing is
// published twice. A lost connection is re-made with backoff and the fan-out
// catches up from its last id: nothing is missed.
//
// On SQLite there is one instance and none of this runs: the writer
// publishes to the hub directly.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"storelens/internal/models"
)

// Target is the instance's own live hub.
type Target interface {
	Publish(evs ...*models.Event)
	PublishPicture(shopID uint, eventID int64)
}

// Options build a Fanout.
type Options struct {
	// URL is the PostgreSQL database's (the same as the store's).
	URL   string
	Store *models.Store
	Hub   Target
	Log   *slog.Logger
	// Page bounds the events loaded per query (500).
	Page int
	// Poll is the longest the fan-out waits without a notification
	// before looking anyway (5 s): a safety net, not the path.
	Poll time.Duration
	// MinBackoff and MaxBackoff bound the waits between reconnections
	// (100 ms, 5 s).
	MinBackoff, MaxBackoff time.Duration
}

// Fanout carries events stored by any instance to this instance's hub. It
// is also the events writer's publisher on PostgreSQL (Publish,
// PublishPicture).
type Fanout struct {
	o    Options
	self string // this instance's name in picture notifications

	mu   sync.Mutex
	last int64 // the highest id published to the hub
	init bool  // last is set

	pid        atomic.Uint32 // the listening connection's backend pid (tests)
	reconnects atomic.Int64
}

// New returns a fan-out; Run starts it.
func New(o Options) *Fanout {
	if o.Page <= 0 {
		o.Page = 500
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &Fanout{o: o, self: hex.EncodeToString(b[:])}
}

// Publish is the events writer's publisher. It publishes nothing: the
// transaction that stored evs has notified every instance, this one too,
// and each fan-out publishes them in id order with the others' (to
// publish them here as well would put them twice, or out of order, in
// this instance's stream).
func (f *Fanout) Publish(...*models.Event) {}

// PublishPicture tells this instance's feeds at once and the other
// instances through the channel ("p:<instance>:<shop>:<event>"; each
// skips its own).
func (f *Fanout) PublishPicture(shopID uint, eventID int64) {
	f.o.Hub.PublishPicture(shopID, eventID)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	payload := fmt.Sprintf("p:%s:%d:%d", f.self, shopID, eventID)
	if err := f.o.Store.DB().WithContext(ctx).Exec("SELECT pg_notify(?, ?)", models.EventsChannel, payload).Error; err != nil {
		f.o.Log.Warn("cluster: picture notification", "event", eventID, "err", err)
	}
}

// Prime starts the stream after the newest event stored now: call it
// before the server takes requests, so a browser's backlog and the hub's
// stream meet (Run would otherwise start from the newest event when it
// first connects, which may be after a browser read its backlog).
func (f *Fanout) Prime(ctx context.Context) error {
	last, err := f.o.Store.LastEventID(ctx, models.EventSet{All: true})
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.init {
		f.last, f.init = last, true
	}
	return nil
}

// Last is the highest event id published to the hub.
func (f *Fanout) Last() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// BackendPID is the listening connection's server process once it
// listens and has caught up (0 before, and while reconnecting): tests end
// it with pg_terminate_backend.
func (f *Fanout) BackendPID() uint32 { return f.pid.Load() }

// Reconnects is how many times the listening connection was made again.
func (f *Fanout) Reconnects() int64 { return f.reconnects.Load() }

// Run listens until ctx ends, reconnecting with backoff.
func (f *Fanout) Run(ctx context.Context) error {
	backoff := f.o.MinBackoff
	for first := true; ; first = false {
		if !first {
			f.reconnects.Add(1)
		}
		start := time.Now()
		err := f.listen(ctx)
		f.pid.Store(0)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > 30*time.Second {
			backoff = f.o.MinBackoff // it had been up a while: a fresh failure
		}
		f.o.Log.Warn("cluster: event listener lost its connection; reconnecting", "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, f.o.MaxBackoff)
	}
}

// listen is one connection's life: LISTEN, catch up, then follow.
func (f *Fanout) listen(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(cctx, f.o.URL)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = conn.Close(c)
		cancel()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{models.EventsChannel}.Sanitize()); err != nil {
		return err
	}
	// Listening before reading: an event committed from now on is either
	// in what we read or notified after.
	f.mu.Lock()
	if !f.init {
		// The first start: browsers read what came before from the store
		// (their backlog); the hub carries what comes from now on.
		last, err := f.o.Store.LastEventID(ctx, models.EventSet{All: true})
		if err != nil {
			f.mu.Unlock()
			return err
		}
		f.last, f.init = last, true
	}
	f.mu.Unlock()
	if err := f.catchUp(ctx); err != nil {
		return err
	}
	f.pid.Store(conn.PgConn().PID()) // listening and caught up
	for {
		// The poll's timeout only sets a deadline on the socket (pgx's
		// default for a connection of a URL): the connection survives it.
		wctx, cancel := context.WithTimeout(ctx, f.o.Poll)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			f.handle(n.Payload)
		case !errors.Is(err, context.DeadlineExceeded):
			return err
		}
		if err := f.catchUp(ctx); err != nil {
			return err
		}
	}
}

// handle acts on a picture notification of another instance; event
// notifications need nothing but the catch-up that follows every wake.
func (f *Fanout) handle(payload string) {
	if !strings.HasPrefix(payload, "p:") {
		return
	}
	parts := strings.Split(payload, ":")
	if len(parts) != 4 || parts[1] == f.self {
		return
	}
	shop, err1 := strconv.ParseUint(parts[2], 10, 64)
	id, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	f.o.Hub.PublishPicture(uint(shop), id)
}

// catchUp publishes every event after the last one published, in id order.
func (f *Fanout) catchUp(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		evs, err := f.o.Store.EventsAfter(ctx, models.EventSet{All: true}, f.last, f.o.Page)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		ptrs := make([]*models.Event, len(evs))
		for i := range evs {
			ptrs[i] = &evs[i]
		}
		f.o.Hub.Publish(ptrs...)
		f.last = evs[len(evs)-1].ID
		if len(evs) < f.o.Page {
			return nil
		}
	}
}
