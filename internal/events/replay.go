package events

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan/lanevents"
	"storelens/migrations"
)

// ReplayCache remembers the accepted webhook posts (app id and signature)
// while their timestamps are fresh, so a captured post sent again inside
// the window is refused.
type ReplayCache interface {
	// Check records key, a post sent at ts, and reports whether it is new.
	Check(ctx context.Context, key string, ts, now time.Time) (bool, error)
	// Forget removes key: a post accepted but not stored.
	Forget(ctx context.Context, key string)
}

// Replay caches for Config.Replay.
const (
	// ReplayStored keeps the cache in the database: every instance on it
	// refuses a post another accepted (the default on PostgreSQL).
	ReplayStored = "stored"
	// ReplayMemory keeps it in this process (the default on SQLite: one
	// instance; see BenchmarkWebhookReplayCheck).
	ReplayMemory = "memory"
)

func newReplayCache(s *Service) ReplayCache {
	kind := s.cfg.Replay
	if kind == "" {
		kind = ReplayMemory
		if s.cfg.Store.Dialect() == migrations.Postgres {
			kind = ReplayStored
		}
	}
	if kind == ReplayStored {
		return &storedReplay{st: s.cfg.Store, window: s.cfg.WebhookWindow, log: s.log}
	}
	return memoryReplay{lanevents.NewReplayGuard(s.cfg.WebhookWindow)}
}

type memoryReplay struct{ g *lanevents.ReplayGuard }

func (m memoryReplay) Check(_ context.Context, key string, ts, now time.Time) (bool, error) {
	return m.g.Check(key, ts, now), nil
}

func (m memoryReplay) Forget(_ context.Context, key string) { m.g.Forget(key) }

// storedReplay is the cache in the database (models.WebhookReplayAdd);
// every 256th post prunes the expired rows.
type storedReplay struct {
	st     *models.Store
	window time.Duration
	log    *slog.Logger
	adds   atomic.Int64
}

func (r *storedReplay) Check(ctx context.Context, key string, ts, now time.Time) (bool, error) {
	// As the memory guard: remembered for the window after the post's
	// time (and a second), when it would be refused as stale anyway.
	fresh, err := r.st.WebhookReplayAdd(ctx, key, ts.Add(r.window+time.Second), now)
	if err != nil {
		return false, err
	}
	if r.adds.Add(1)%256 == 0 {
		if _, err := r.st.WebhookReplayPrune(ctx, now); err != nil {
			r.log.Warn("events: prune the webhook replay cache", "err", err)
		}
	}
	return fresh, nil
}

func (r *storedReplay) Forget(ctx context.Context, key string) {
	// Its own deadline: the request's may be what failed.
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := r.st.WebhookReplayForget(c, key); err != nil {
		r.log.Warn("events: forget a webhook post", "err", err)
	}
}
