package events

import (
	"log/slog"
	"time"

	"storelens/internal/models"
)

// NewReplayCacheForTest is the replay cache a service of store would
// have with Replay kind (the benchmark).
func NewReplayCacheForTest(st *models.Store, kind string, window time.Duration) ReplayCache {
	return newReplayCache(&Service{cfg: Config{Store: st, Replay: kind, WebhookWindow: window}, log: slog.New(slog.DiscardHandler)})
}
