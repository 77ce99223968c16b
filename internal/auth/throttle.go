package auth

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Throttle slows down password guessing without ever locking an account
// (OWASP Authentication Cheat Sheet, "Login Throttling", and "Slow Down
// Online Guessing Attacks with Device Cookies"). Failures are counted
//
//   - per account and client address: one client guessing one account;
//   - per client address: one client guessing many accounts;
//   - per device: a browser holding a valid device cookie for the account
//     (it signed in to it before) is counted on its own counter only, so
//     other clients' failures never slow it, and a stolen cookie still
//     guesses no faster than anyone else.
//
// Nothing is counted per account alone: five wrong passwords from anywhere
// cannot keep the owner out. From the Free-th failure within Window on, each
// failure on a counter imposes a wait (1 s, doubling, at most Max) before
// that counter's next attempt is even checked: a fresh client makes 5
// attempts at once, and its 6th waits 1 s. An IPv6 client is counted by
// its /64, since one host holds a whole /64.
//
// The counters live in a CounterStore: the database (models.Store, shared
// by every instance) in the server, or memory in tests.
type Throttle struct {
	store  CounterStore
	now    func() time.Time
	free   int
	window time.Duration
	max    time.Duration
	keep   int // most counters kept; attackers rotating addresses make new ones
	fails  atomic.Int64
}

// CounterStore holds the throttle's counters; *models.Store is one.
type CounterStore interface {
	SigninWait(ctx context.Context, keys []string, now time.Time) (time.Time, error)
	SigninFail(ctx context.Context, key string, now time.Time, window time.Duration, delay func(int) time.Duration) (int, time.Time, error)
	SigninClear(ctx context.Context, keys ...string) error
	SigninSweep(ctx context.Context, now time.Time, window time.Duration, keep int) (int64, error)
}

// The policy: after 5 failures in 15 minutes, waits of 1 s, 2 s, 4 s... up to
// 15 minutes before each next attempt, on each counter; at most 100,000
// counters are kept.
const (
	ThrottleFree   = 5
	ThrottleWindow = 15 * time.Minute
	ThrottleMax    = 15 * time.Minute
	ThrottleKeep   = 100_000
)

// NewStoredThrottle returns a throttle keeping its counters in store.
func NewStoredThrottle(store CounterStore, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{store: store, now: now, free: ThrottleFree, window: ThrottleWindow, max: ThrottleMax, keep: ThrottleKeep}
}

// NewThrottle returns a throttle keeping its counters in this process's
// memory (at most 10,000): for tests and single-process tools. The server
// uses NewStoredThrottle with the database.
func NewThrottle(now func() time.Time) *Throttle {
	t := NewStoredThrottle(NewMemoryCounters(), now)
	t.keep = 10_000
	return t
}

// Attempt is one sign-in attempt: the account named, the client's address
// (gin's ClientIP: X-Forwarded-For only from trusted proxies) and, when the
// request carries a valid device cookie for that account, the device's id.
type Attempt struct {
	Account string
	Addr    string
	Device  string
}

// Counter names, for the audit log.
const (
	CounterAccountClient = "account+client"
	CounterClient        = "client"
	CounterDevice        = "device"
)

// Delay is a wait imposed by a failure.
type Delay struct {
	Counter  string // CounterAccountClient, CounterClient or CounterDevice
	Failures int    // failures on that counter within the window
	Wait     time.Duration
	Until    time.Time
}

type counter struct{ name, key string }

func (a Attempt) counters() []counter {
	if a.Device != "" {
		return []counter{{CounterDevice, "dev:" + a.Device}}
	}
	client := ClientKey(a.Addr)
	return []counter{
		{CounterAccountClient, "ac:" + NormalizeAccount(a.Account) + "\n" + client},
		{CounterClient, "ip:" + client},
	}
}

func keysOf(cs []counter) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.key
	}
	return out
}

// NormalizeAccount is the form of a user name counters and device cookies
// use (user names are case-insensitive).
func NormalizeAccount(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ClientKey is the client an address counts as: an IPv4 address itself, an
// IPv6 address by its /64 (an IPv4-mapped one as IPv4); anything else as
// given.
func ClientKey(addr string) string {
	ip, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p.String()
}

// Wait returns how long a must wait before it may be checked; zero means go
// ahead.
func (t *Throttle) Wait(ctx context.Context, a Attempt) (time.Duration, error) {
	now := t.now()
	until, err := t.store.SigninWait(ctx, keysOf(a.counters()), now)
	if err != nil || until.IsZero() {
		return 0, err
	}
	return until.Sub(now), nil
}

// Fail records a failed attempt and returns the waits it imposed (for the
// audit log): none for a counter's first 4 failures.
func (t *Throttle) Fail(ctx context.Context, a Attempt) ([]Delay, error) {
	now := t.now()
	var out []Delay
	for _, c := range a.counters() {
		var d time.Duration
		n, until, err := t.store.SigninFail(ctx, c.key, now, t.window, func(n int) time.Duration {
			d = t.delay(n)
			return d
		})
		if err != nil {
			return out, err
		}
		if d > 0 {
			out = append(out, Delay{Counter: c.name, Failures: n, Wait: d, Until: until})
		}
	}
	if t.fails.Add(1)%128 == 0 {
		if _, err := t.store.SigninSweep(ctx, now, t.window, t.keep); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (t *Throttle) delay(n int) time.Duration {
	over := n - t.free // the Free-th failure imposes the first wait
	if over < 0 {
		return 0
	}
	return min(time.Second<<min(over, 20), t.max)
}

// Succeed clears the counters of a's account on a's client (or a's device).
// The client's own counter stays: one right password must not reset a
// guesser working through many accounts.
func (t *Throttle) Succeed(ctx context.Context, a Attempt) error {
	cs := a.counters()
	return t.store.SigninClear(ctx, cs[0].key)
}

// Sweep forgets stale counters and trims them to the size bound; Fail calls
// it every 128 failures.
func (t *Throttle) Sweep(ctx context.Context) (int64, error) {
	return t.store.SigninSweep(ctx, t.now(), t.window, t.keep)
}

// MemoryCounters is a CounterStore in memory.
type MemoryCounters struct {
	mu   sync.Mutex
	rows map[string]*memRow
}

type memRow struct {
	failures    int
	last, until time.Time
}

// NewMemoryCounters returns an empty in-memory store.
func NewMemoryCounters() *MemoryCounters { return &MemoryCounters{rows: map[string]*memRow{}} }

// SigninWait implements CounterStore.
func (m *MemoryCounters) SigninWait(_ context.Context, keys []string, now time.Time) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var until time.Time
	for _, k := range keys {
		if r, ok := m.rows[k]; ok && r.until.After(now) && r.until.After(until) {
			until = r.until
		}
	}
	return until, nil
}

// SigninFail implements CounterStore.
func (m *MemoryCounters) SigninFail(_ context.Context, key string, now time.Time, window time.Duration, delay func(int) time.Duration) (int, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rows[key]
	if r == nil {
		r = &memRow{}
		m.rows[key] = r
	}
	if now.Sub(r.last) > window {
		r.failures = 0
	}
	r.failures++
	r.last = now
	if d := delay(r.failures); d > 0 && now.Add(d).After(r.until) {
		r.until = now.Add(d)
	}
	if !r.until.After(now) {
		return r.failures, time.Time{}, nil
	}
	return r.failures, r.until, nil
}

// SigninClear implements CounterStore.
func (m *MemoryCounters) SigninClear(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		delete(m.rows, k)
	}
	return nil
}

// SigninSweep implements CounterStore.
func (m *MemoryCounters) SigninSweep(_ context.Context, now time.Time, window time.Duration, keep int) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, r := range m.rows {
		if now.Sub(r.last) > window && !r.until.After(now) {
			delete(m.rows, k)
		}
	}
	for len(m.rows) > keep { // rare: only under address rotation; drop the oldest
		var oldest string
		var at time.Time
		for k, r := range m.rows {
			if oldest == "" || r.last.Before(at) {
				oldest, at = k, r.last
			}
		}
		delete(m.rows, oldest)
	}
	return int64(len(m.rows)), nil
}
