// Package leader runs the background work that must run once across
// several StoreLens instances (traffic sync and backfill, camera status
// checks, bulk enrollment, the session sweep) on one of them at a time.
//
// On PostgreSQL an instance leads a piece of work while it holds a session
// advisory lock named after it (pg_try_advisory_lock on a connection of its
// own): when that instance dies its session ends, PostgreSQL releases the
// lock, and another instance, trying every Poll, takes the work over. The
// holder checks its connection every Poll too and stops the work when the
// connection is gone (a restarted database, a cut network), so two
// instances overlap by at most one Poll plus the work's own stop. Each
// piece of work has its own lock, so the pieces spread over the instances.
//
// Advisory locks rather than a job queue (River): the work here is a few
// long-running loops that already keep their progress in the database (the
// backfill resumes from its last finished week), not a stream of jobs;
// what they need is "exactly one runs", which a lock gives with no schema
// and no new dependency. On SQLite (one instance) the work simply runs.
package leader

import (
	"context"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"storelens/internal/lifecycle"
)

// Elector runs work while this instance leads it.
type Elector interface {
	// Lead calls run each time this instance becomes the leader of name,
	// with a context that ends when it stops being the leader or ctx
	// ends; it returns when ctx ends and run has returned.
	Lead(ctx context.Context, name string, run func(ctx context.Context))
}

// Alone is the elector of a single instance: it always leads.
type Alone struct{}

// Lead runs run until ctx ends.
func (Alone) Lead(ctx context.Context, _ string, run func(context.Context)) { run(ctx) }

// Postgres elects by advisory locks on the database at URL.
type Postgres struct {
	URL string
	// Poll is how often a follower tries the lock and a leader checks its
	// connection (1 s when zero).
	Poll time.Duration
	Log  *slog.Logger
	// OnChange, when set, hears each change of leadership (tests).
	OnChange func(name string, leading bool)
}

// Key is the advisory lock key of name: its FNV-1a hash, so that every
// instance derives the same one.
func Key(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("storelens leader: " + name))
	return int64(h.Sum64())
}

func (p *Postgres) poll() time.Duration {
	if p.Poll > 0 {
		return p.Poll
	}
	return time.Second
}

func (p *Postgres) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (p *Postgres) changed(name string, leading bool) {
	if leading {
		p.log().Info("leading", "work", name)
	} else {
		p.log().Info("no longer leading", "work", name)
	}
	if p.OnChange != nil {
		p.OnChange(name, leading)
	}
}

// Lead follows, leads and follows again until ctx ends.
func (p *Postgres) Lead(ctx context.Context, name string, run func(context.Context)) {
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, p.URL)
		if err != nil {
			if ctx.Err() == nil {
				p.log().Warn("leader election: no database connection", "work", name, "err", err)
			}
			sleep(ctx, p.poll())
			continue
		}
		p.hold(ctx, conn, name, run)
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = conn.Close(cctx) // the session ends: the lock, if held, is released
		cancel()
	}
}

// hold waits for the lock on conn, then runs the work until the
// connection fails or ctx ends.
func (p *Postgres) hold(ctx context.Context, conn *pgx.Conn, name string, run func(context.Context)) {
	key := Key(name)
	tick := time.NewTicker(p.poll())
	defer tick.Stop()
	for {
		var got bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
			return
		}
		if got {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	p.changed(name, true)
	go func() { defer close(done); run(lctx) }()
	defer func() { cancel(); <-done; p.changed(name, false) }()
	for {
		select {
		case <-ctx.Done():
			return
		case <-done: // the work ended by itself: give the lock up
			_, _ = conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key)
			return
		case <-tick.C:
			pctx, pcancel := context.WithTimeout(ctx, p.poll())
			err := conn.Ping(pctx)
			pcancel()
			if err != nil && ctx.Err() == nil {
				p.log().Warn("leader election: connection lost, stopping the work", "work", name, "err", err)
				return
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Loop is a lifecycle task that runs run while this instance leads name
// (each time it becomes leader again, anew: run must keep its progress in
// the database, as every such loop here does).
func Loop(e Elector, name string, run func(ctx context.Context)) lifecycle.Task {
	return lifecycle.Loop(name, func(ctx context.Context) { e.Lead(ctx, name, run) })
}
