package auth

import (
	"strings"
	"sync"
	"time"
)

// Throttle slows down password guessing. Each failed sign-in is counted
// against both the user name and the client address; past a few free
// failures, each further one doubles the wait before the next attempt is
// even checked. A success clears the user name's count.
type Throttle struct {
	mu     sync.Mutex
	now    func() time.Time
	free   int           // failures allowed before waits begin
	window time.Duration // failures older than this are forgotten
	max    time.Duration // longest wait
	seen   map[string]*failures
}

type failures struct {
	count int
	last  time.Time
	until time.Time
}

// NewThrottle returns a throttle with StoreLens's policy: 5 free failures in
// 15 minutes, then waits of 1 s, 2 s, 4 s... up to 15 minutes.
func NewThrottle(now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{now: now, free: 5, window: 15 * time.Minute, max: 15 * time.Minute, seen: map[string]*failures{}}
}

func keys(username, ip string) []string {
	return []string{"u:" + strings.ToLower(strings.TrimSpace(username)), "ip:" + ip}
}

// Wait returns how long the caller must wait before this attempt may be
// checked; zero means go ahead.
func (t *Throttle) Wait(username, ip string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, k := range keys(username, ip) {
		if f, ok := t.seen[k]; ok && f.until.After(now) {
			wait = max(wait, f.until.Sub(now))
		}
	}
	return wait
}

// Fail records a failed attempt.
func (t *Throttle) Fail(username, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.gc(now)
	for _, k := range keys(username, ip) {
		f := t.seen[k]
		if f == nil || now.Sub(f.last) > t.window {
			f = &failures{}
			t.seen[k] = f
		}
		f.count++
		f.last = now
		if over := f.count - t.free; over > 0 {
			d := time.Second << min(over-1, 20)
			f.until = now.Add(min(d, t.max))
		}
	}
}

// Succeed clears the user name's failures (not the address's: one right
// password must not reset a guesser working through many accounts).
func (t *Throttle) Succeed(username string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.seen, keys(username, "")[0])
}

// gc forgets stale entries so the map cannot grow without bound.
func (t *Throttle) gc(now time.Time) {
	if len(t.seen) < 10000 {
		return
	}
	for k, f := range t.seen {
		if now.Sub(f.last) > t.window && !f.until.After(now) {
			delete(t.seen, k)
		}
	}
}
