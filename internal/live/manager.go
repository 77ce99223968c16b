// Package live shares vendor video streams among viewers and proxies them
// to browsers on our own origin.
//
// One vendor stream is started per key (a camera and quality, or one
// playback) however many people watch: the Manager starts it on the first
// viewer, counts viewers, stops it at the vendor a short linger after the
// last one leaves, and starts it again when the vendor's URL expires.
// HTTP-FLV comes in over one upstream connection and is fanned out (flvhub.go)
// over plain HTTP or a websocket; HLS playlists are fetched once for all
// viewers and rewritten so every URI in them points back at us (hls.go,
// hlsproxy.go). An RTSP stream (a Sunmi camera on the LAN) is read once by
// gortsplib and muxed to HLS in memory (rtsp.go, rtspsession.go). The proxy
// fetches only URLs that a vendor returned, and the vendor's URLs (with
// their auth_key or token) never reach a browser or a log.
package live

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"storelens/internal/netguard"
	"storelens/internal/vendors"
)

// Starter starts and stops the vendor stream of one key. The handlers build
// it from the camera's adapter; the Manager calls it at most once at a time
// per key.
type Starter interface {
	Start(ctx context.Context) (vendors.Stream, error)
	Stop(ctx context.Context, s vendors.Stream) error
}

// Info describes a key for the status page and the viewer count.
type Info struct {
	Camera uint
	// Label names the session in logs ("收银台 · live 0"); the status page
	// writes its own from Name, Kind, Quality and From in the reader's
	// language.
	Label   string
	Name    string // the camera's name
	Kind    string // "live" or "playback"
	Quality vendors.Quality
	From    time.Time // playback: where the recording starts
	// Media is what the vendor's stream URLs may reach (the vendor's
	// configured media hosts, the camera's own address): with
	// Options.Guard, every playlist, segment and FLV fetch of the session
	// goes through it (netguard.go). nil: Options.HTTP as it is.
	Media *netguard.Policy
}

// Options configure a Manager.
type Options struct {
	// HTTP fetches from the vendor's media URLs. It must not have an
	// overall Timeout (a stream lasts for hours): Dial and response-header
	// timeouts belong on its transport.
	HTTP *http.Client
	Log  *slog.Logger
	// Linger is how long a stream without viewers is kept before it is
	// stopped at the vendor (so a page reload does not restart it).
	Linger time.Duration
	// HLSViewerTTL is how long an HLS viewer counts after its last request.
	HLSViewerTTL time.Duration
	// RefreshBefore restarts a stream this long before its URL expires.
	RefreshBefore time.Duration
	// ViewerBuffer is how many FLV chunks may wait for a viewer before the
	// viewer is dropped as too slow.
	ViewerBuffer int
	Now          func() time.Time
	// Guard enforces each session's Info.Media (and counts refusals).
	Guard *netguard.Guard
	// LANDial routes the RTSP connection of a camera on a shop's LAN
	// (Info.Media.Shop): through the shop's on-site connector when it has
	// one (chain mode), else direct, the dialer given. Nil: direct.
	LANDial func(shop uint, direct DialFunc) DialFunc
}

// DialFunc is net.Dialer.DialContext's shape.
type DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// Manager owns the shared sessions.
type Manager struct {
	opt      Options
	mu       sync.Mutex
	sessions map[string]*Session
	closed   bool
	sweeping bool
	stop     chan struct{}
	wg       sync.WaitGroup
}

// ErrClosed means the Manager is shutting down.
var ErrClosed = errors.New("live: shutting down")

// NewManager returns a Manager. It starts nothing: Start runs its sweeper,
// and Close ends every session at shutdown.
func NewManager(opt Options) *Manager {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Linger <= 0 {
		opt.Linger = 5 * time.Second
	}
	if opt.HLSViewerTTL <= 0 {
		opt.HLSViewerTTL = 15 * time.Second
	}
	if opt.RefreshBefore <= 0 {
		opt.RefreshBefore = 30 * time.Second
	}
	if opt.ViewerBuffer <= 0 {
		opt.ViewerBuffer = 256
	}
	return &Manager{opt: opt, sessions: map[string]*Session{}, stop: make(chan struct{})}
}

// Start runs the sweeper that ends sessions nobody has watched for Linger,
// until Close. Without it sessions end only at Close.
func (m *Manager) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sweeping || m.closed {
		return
	}
	m.sweeping = true
	m.wg.Add(1)
	go m.sweep()
}

// Session is one shared vendor stream.
type Session struct {
	m       *Manager
	key     string
	info    Info
	starter Starter

	mu          sync.Mutex
	flvViewers  int
	hlsViewers  map[string]time.Time // viewer id -> last request
	idleSince   time.Time            // zero while watched
	closed      bool
	done        chan struct{} // closed when the session ends
	hub         *flvHub
	hls         *hlsProxy
	startMu     sync.Mutex // one vendor start or stop at a time
	stream      vendors.Stream
	started     bool
	startedAt   time.Time
	starts      int
	forceReload bool
	rtspMu      sync.Mutex // the RTSP-to-HLS of an RTSP stream (rtspsession.go)
	rtsp        *RTSPHLS
	rtspOpens   int
	mediaOnce   sync.Once
	media       *http.Client // the guarded client of Info.Media
}

// session returns the session of key, creating it (not yet started at the
// vendor) if needed.
func (m *Manager) session(key string, info Info, st Starter) (*Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	s := m.sessions[key]
	if s != nil {
		s.mu.Lock()
		gone := s.closed
		s.mu.Unlock()
		if gone { // ending right now: the next viewer gets a new session
			s = nil
		}
	}
	if s == nil {
		s = &Session{m: m, key: key, info: info, starter: st, hlsViewers: map[string]time.Time{},
			idleSince: m.opt.Now(), done: make(chan struct{})}
		s.hls = newHLSProxy(s)
		m.sessions[key] = s
	}
	return s, nil
}

// Viewers is the number of people watching key now.
func (m *Manager) Viewers(key string) int {
	m.mu.Lock()
	s := m.sessions[key]
	m.mu.Unlock()
	if s == nil {
		return 0
	}
	return s.Viewers()
}

// Viewers is the number of FLV and HLS viewers of the session.
func (s *Session) Viewers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flvViewers + len(s.hlsViewers)
}

// join counts an FLV viewer in; leave counts it out.
func (s *Session) join() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.flvViewers++
	s.idleSince = time.Time{}
	return true
}

func (s *Session) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flvViewers--
	s.markIdle()
}

// touchHLS counts an HLS viewer in (or keeps it in) until HLSViewerTTL
// after its last request.
func (s *Session) touchHLS(view string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.hlsViewers[view] = s.m.opt.Now()
	s.idleSince = time.Time{}
	return true
}

// markIdle notes when the session lost its last viewer. Called with s.mu.
func (s *Session) markIdle() {
	if s.flvViewers == 0 && len(s.hlsViewers) == 0 && s.idleSince.IsZero() {
		s.idleSince = s.m.opt.Now()
	}
}

// sweep expires HLS viewers and ends sessions idle for longer than Linger.
func (m *Manager) sweep() {
	defer m.wg.Done()
	t := time.NewTicker(sweepEvery(m.opt.Linger))
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.sweepOnce()
		}
	}
}

func sweepEvery(linger time.Duration) time.Duration {
	return min(max(linger/4, 50*time.Millisecond), time.Second)
}

func (m *Manager) sweepOnce() {
	now := m.opt.Now()
	m.mu.Lock()
	all := slices.Collect(maps.Values(m.sessions))
	m.mu.Unlock()
	for _, s := range all {
		s.mu.Lock()
		for v, at := range s.hlsViewers {
			if now.Sub(at) > m.opt.HLSViewerTTL {
				delete(s.hlsViewers, v)
			}
		}
		s.markIdle()
		s.mu.Unlock()
		m.end(s, true)
	}
}

// end closes the session (if ifIdle, only when it has had no viewer for
// Linger), closes its viewers and upstream and stops the stream at the
// vendor. The idle check and the closing happen under one lock, so a viewer
// who arrives meanwhile either keeps the session or gets a new one.
func (m *Manager) end(s *Session, ifIdle bool) {
	s.mu.Lock()
	idle := !s.idleSince.IsZero() && m.opt.Now().Sub(s.idleSince) >= m.opt.Linger
	if s.closed || (ifIdle && !idle) {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	hub := s.hub
	s.mu.Unlock()
	m.mu.Lock()
	if m.sessions[s.key] == s {
		delete(m.sessions, s.key)
	}
	m.mu.Unlock()
	if hub != nil {
		hub.close()
	}
	s.closeRTSP()
	s.stopVendor()
}

// stopVendor stops the stream at the vendor if it was started.
func (s *Session) stopVendor() {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if !s.started {
		return
	}
	s.started = false
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := s.starter.Stop(ctx, s.stream); err != nil {
		s.m.opt.Log.Warn("live: vendor stop failed", "camera", s.info.Camera, "stream", s.info.Label, "err", err)
		return
	}
	s.m.opt.Log.Info("live: vendor stream stopped", "camera", s.info.Camera, "stream", s.info.Label)
}

// current returns the vendor stream, starting it (or starting it again
// when its URLs are about to expire, or after the upstream refused them).
func (s *Session) current(ctx context.Context) (vendors.Stream, error) {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	s.mu.Lock()
	closed, reload := s.closed, s.forceReload
	s.forceReload = false
	s.mu.Unlock()
	if closed {
		return vendors.Stream{}, ErrClosed
	}
	now := s.m.opt.Now()
	fresh := s.started && !reload && (s.stream.Expires.IsZero() || now.Before(s.stream.Expires.Add(-s.m.opt.RefreshBefore)))
	if fresh {
		return s.stream, nil
	}
	if s.started && s.stream.ClientID != "" {
		// A playback is a vendor session of its own: end the old one first.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.starter.Stop(sctx, s.stream)
		cancel()
		s.started = false
	}
	st, err := s.starter.Start(ctx)
	if err != nil {
		if reload { // the old URLs are still refused: try a start again next time
			s.reload()
		}
		return vendors.Stream{}, err
	}
	s.stream, s.started, s.startedAt = st, true, now
	s.starts++
	s.m.opt.Log.Info("live: vendor stream started", "camera", s.info.Camera, "stream", s.info.Label,
		"expires", st.Expires, "restart", s.starts > 1)
	return st, nil
}

// reload makes the next current() start the stream again: the upstream
// refused its URL (expired early, or stopped at the vendor).
func (s *Session) reload() {
	s.mu.Lock()
	s.forceReload = true
	s.mu.Unlock()
}

// Status is one session as the status page shows it.
type Status struct {
	Info
	Viewers  int
	Started  time.Time
	Expires  time.Time
	Restarts int
}

// Sessions lists the sessions, for the status page.
func (m *Manager) Sessions() []Status {
	m.mu.Lock()
	all := slices.Collect(maps.Values(m.sessions))
	m.mu.Unlock()
	out := make([]Status, 0, len(all))
	for _, s := range all {
		s.startMu.Lock()
		st := Status{Info: s.info, Started: s.startedAt, Expires: s.stream.Expires, Restarts: max(s.starts-1, 0)}
		s.startMu.Unlock()
		st.Viewers = s.Viewers()
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Status) int {
		if a.Camera != b.Camera {
			return int(a.Camera) - int(b.Camera)
		}
		return compareStrings(a.Label, b.Label)
	})
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Close ends every session (stopping the streams at the vendor) and the
// sweeper.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	all := slices.Collect(maps.Values(m.sessions))
	m.mu.Unlock()
	close(m.stop)
	for _, s := range all {
		m.end(s, false)
	}
	m.wg.Wait()
	return nil
}
