package alerts

import (
	"time"

	"storelens/internal/models"
)

// burstLimit is a kind's second, shorter window: Feishu's custom bot
// allows 100 a minute AND 5 a second (doc.go).
var burstLimit = map[string]Limit{Feishu: {5, time.Second}}

// DefaultEmailPerMinute is an e-mail channel's rate when its setting is 0.
const DefaultEmailPerMinute = 60

// ChannelLimit is a channel's rate limit: its kind's documented one, or,
// for e-mail, the channel's own setting (per minute).
func (s *Service) ChannelLimit(c models.AlertChannel) Limit {
	if l, ok := s.cfg.Limits[c.Kind]; ok {
		return l
	}
	if c.Kind == Email && c.RatePerMin > 0 {
		return Limit{c.RatePerMin, time.Minute}
	}
	return documentedLimit[c.Kind]
}

// burstOf is a channel's burst window, if its kind has one (a test's
// Limits override for the kind drops it unless Limits[kind+"/burst"] sets it).
func (s *Service) burstOf(c models.AlertChannel) (Limit, bool) {
	if l, ok := s.cfg.Limits[c.Kind+"/burst"]; ok {
		return l, true
	}
	if _, ok := s.cfg.Limits[c.Kind]; ok {
		return Limit{}, false
	}
	l, ok := burstLimit[c.Kind]
	return l, ok
}

// inWindow counts the attempts (end times, oldest first) within per of now.
func inWindow(list []time.Time, now time.Time, per time.Duration) int {
	n := 0
	for _, t := range list {
		if now.Sub(t) < per {
			n++
		}
	}
	return n
}

// windowWait is how long until the window lim has room for one more
// attempt: 0 if it has room now, else until enough of its oldest attempts
// have left it.
func windowWait(list []time.Time, now time.Time, lim Limit) time.Duration {
	var in []time.Time
	for _, t := range list {
		if now.Sub(t) < lim.Per {
			in = append(in, t)
		}
	}
	if len(in) < lim.N || lim.N <= 0 {
		return 0
	}
	// The attempt whose leaving brings the count below N.
	t := in[len(in)-lim.N]
	return lim.Per - now.Sub(t)
}

// heldBack lists the channels paused beyond now (a full window or a
// failure's backoff).
func (s *Service) heldBack() []uint {
	now := s.cfg.Now()
	s.limMu.Lock()
	defer s.limMu.Unlock()
	var ids []uint
	for id, t := range s.paused {
		if t.After(now) {
			ids = append(ids, id)
		}
	}
	return ids
}
