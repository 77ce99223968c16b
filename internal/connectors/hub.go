package connectors

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/hashicorp/yamux"

	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
)

// CodeTTL is how long a pairing code may be used.
const CodeTTL = 24 * time.Hour

// Errors of the central side.
var (
	// ErrOffline: the shop has a connector, but its tunnel is not up.
	ErrOffline = errors.New("connectors: the shop's connector is offline")
	// ErrNoConnector: the shop has no paired connector.
	ErrNoConnector = errors.New("connectors: the shop has no connector")
)

// Refused is a dial the edge refused, with its reason.
type Refused struct{ Addr, Reason, Message string }

func (r *Refused) Error() string {
	return fmt.Sprintf("connectors: the on-site connector refused %s: %s", r.Addr, r.Message)
}

// Hub is the central server's registry of connectors: it pairs them,
// accepts their tunnels and dials shops' LANs through them. Its HTTP
// handlers are Pair and Tunnel; Run closes every tunnel when it ends.
type Hub struct {
	Store *models.Store
	Log   *slog.Logger
	// Keepalive is the heartbeat interval (yamux keepalive and the RTT
	// ping); 10 s when zero.
	Keepalive time.Duration
	// PairLimit attempts per IP per PairWindow (10 per minute when zero).
	PairLimit  int
	PairWindow time.Duration
	// RateEvery is the window of the WAN bitrates the page shows (Run
	// samples the byte counts this often); 5 s when zero.
	RateEvery time.Duration
	// InstanceURL is this instance's address as the other instances reach
	// it (--instance-url): recorded as the holder of the tunnels it serves,
	// so they relay their dials through it (relay.go). "": no relaying (one
	// instance).
	InstanceURL string
	// RelayKey signs relay requests; every instance derives the same one.
	RelayKey []byte

	mu      sync.Mutex
	live    map[uint]*tunnel // by shop
	stopped bool
	tries   map[string][]time.Time
	// cached "has the shop a connector" answers, dropped on pair/revoke.
	paired map[uint]bool
	// the last queue report of each shop's edge (kept while it is offline)
	queues map[uint]QueueReport

	// Webhook stores one post an edge forwarded from its queue (the
	// central's webhook receiver, verified against received, the time the
	// edge stored it). stored=false with no error is a duplicate. An error
	// wrapping ErrHookRefused is final (the post is dropped at the edge);
	// any other is "try again". Nil: the edge's posts wait in its queue.
	Webhook func(ctx context.Context, shop uint, received time.Time, contentType string, body []byte) (stored bool, err error)
}

// ErrHookRefused marks a forwarded post the central will never store.
var ErrHookRefused = errors.New("connectors: post refused")

// QueueReport is an edge's webhook queue as it last reported it.
type QueueReport struct {
	At       time.Time
	Depth    int
	Max      int
	Full     int64     // posts the edge refused with a full queue since it started
	FullAt   time.Time // the last one
	Stored   int64     // posts stored through this central since it started
	Refused  int64     // posts the central refused for good
	Failures int64     // "try again" answers
}

type tunnel struct {
	conn      models.Connector
	version   string
	sess      *yamux.Session
	since     time.Time
	rtt       atomic.Int64 // ns
	lastSeen  atomic.Int64 // unix ns
	refused   atomic.Int64
	lastError atomic.Value // string
	hook      string       // the edge's webhook receiver on the LAN
	total     *flow        // every dial's bytes since the tunnel opened, and their bitrate

	flowMu sync.Mutex
	flows  map[string]*flow // by LAN host: a camera's HTTPS, RTSP and channel
}

// flowOf is the counter of the LAN host addr names.
func (t *tunnel) flowOf(addr string) *flow {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	t.flowMu.Lock()
	defer t.flowMu.Unlock()
	if t.flows == nil {
		t.flows = map[string]*flow{}
	}
	f := t.flows[host]
	if f == nil {
		f = newFlow(time.Now())
		t.flows[host] = f
	}
	return f
}

// flow counts the bytes of the dials to one LAN host and keeps its last
// two samples: the bitrate shown is the rate since the older one (one to
// two sample periods; since the flow began before the first sample).
type flow struct {
	in, out atomic.Int64 // from and to the edge

	mu         sync.Mutex
	prev, last rateSample
}

type rateSample struct {
	at      time.Time
	in, out int64
}

func newFlow(now time.Time) *flow {
	f := &flow{}
	f.prev.at, f.last.at = now, now
	return f
}

func (f *flow) sample(now time.Time) {
	f.mu.Lock()
	f.prev, f.last = f.last, rateSample{at: now, in: f.in.Load(), out: f.out.Load()}
	f.mu.Unlock()
}

// rates are bits a second since the older sample.
func (f *flow) rates(now time.Time) (in, out int64) {
	f.mu.Lock()
	base := f.prev
	f.mu.Unlock()
	d := now.Sub(base.at)
	if base.at.IsZero() || d < 100*time.Millisecond {
		return 0, 0
	}
	return (f.in.Load() - base.in) * 8 * int64(time.Second) / int64(d), (f.out.Load() - base.out) * 8 * int64(time.Second) / int64(d)
}

// sample takes one sample of the tunnel's every flow.
func (t *tunnel) sample(now time.Time) {
	t.total.sample(now)
	t.flowMu.Lock()
	defer t.flowMu.Unlock()
	for _, f := range t.flows {
		f.sample(now)
	}
}

func (h *Hub) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}

func (h *Hub) keepalive() time.Duration {
	if h.Keepalive > 0 {
		return h.Keepalive
	}
	return 10 * time.Second
}

// HashCode is the stored form of a pairing code.
func HashCode(code string) string {
	sum := sha256.Sum256([]byte(normalizeCode(code)))
	return hex.EncodeToString(sum[:])
}

func normalizeCode(code string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
}

// codeAlphabet leaves out look-alikes (0/O, 1/I/L).
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func newCode() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(codeAlphabet[int(x)%len(codeAlphabet)])
	}
	return sb.String(), nil // 20 symbols of 31: ~99 bits
}

// NewCode makes a one-time pairing code for shop (shown once: only its
// hash is stored) and audits it. A connector already paired keeps working
// until the new code is used (then it is refused: that is Rotate).
func (h *Hub) NewCode(ctx context.Context, actor models.Actor, shop uint, rotate bool) (string, time.Time, error) {
	code, err := newCode()
	if err != nil {
		return "", time.Time{}, err
	}
	exp := h.Store.Now().Add(CodeTTL)
	if err := h.Store.CreateConnectorCode(ctx, &models.ConnectorCode{ShopID: shop, CodeHash: HashCode(code),
		CreatedBy: actor.Username, ExpiresAt: exp}); err != nil {
		return "", time.Time{}, err
	}
	action := "connectors.code"
	if rotate {
		action = "connectors.rotate"
	}
	if err := h.Store.Audit(ctx, actor.Entry(action, "shop", strconv.FormatUint(uint64(shop), 10),
		"expires "+exp.UTC().Format(time.RFC3339))); err != nil {
		return "", time.Time{}, err
	}
	return code, exp, nil
}

// Revoke refuses the shop's connector id from now on and drops its tunnel.
func (h *Hub) Revoke(ctx context.Context, actor models.Actor, shop, id uint) error {
	if err := h.Store.RevokeConnector(ctx, shop, id); err != nil {
		return err
	}
	h.forget(shop)
	h.drop(id)
	return h.Store.Audit(ctx, actor.Entry("connectors.revoke", "shop", strconv.FormatUint(uint64(shop), 10),
		"connector "+strconv.FormatUint(uint64(id), 10)))
}

func (h *Hub) forget(shop uint) {
	h.mu.Lock()
	delete(h.paired, shop)
	h.mu.Unlock()
}

// drop closes the tunnel of connector id, if it is up.
func (h *Hub) drop(ids ...uint) {
	h.mu.Lock()
	var close []*tunnel
	for shop, t := range h.live {
		for _, id := range ids {
			if t.conn.ID == id {
				close = append(close, t)
				delete(h.live, shop)
			}
		}
	}
	h.mu.Unlock()
	for _, t := range close {
		t.sess.Close()
	}
}

// Paired reports whether shop has an active connector (then its LAN is
// dialled through it, never directly).
func (h *Hub) Paired(ctx context.Context, shop uint) (bool, error) {
	if shop == 0 {
		return false, nil
	}
	h.mu.Lock()
	v, ok := h.paired[shop]
	h.mu.Unlock()
	if ok {
		return v, nil
	}
	_, err := h.Store.ShopConnector(ctx, shop)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return false, err
	}
	v = err == nil
	h.mu.Lock()
	if h.paired == nil {
		h.paired = map[uint]bool{}
	}
	h.paired[shop] = v
	h.mu.Unlock()
	return v, nil
}

func (h *Hub) tunnelOf(shop uint) *tunnel {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.live[shop]
}

// open opens a stream to the shop's edge, through the tunnel here or
// through the instance that holds it (relay.go), and sends req; the reply
// tells whether the stream is of use. A dial's stream counts its bytes on
// the tunnel's holder.
func (h *Hub) open(ctx context.Context, shop uint, req Request) (net.Conn, Reply, error) {
	if t := h.tunnelOf(shop); t != nil {
		return h.openLocal(ctx, t, req)
	}
	return h.openRelay(ctx, shop, req)
}

// openLocal is open on a tunnel this instance holds; it counts a refused dial.
func (h *Hub) openLocal(ctx context.Context, t *tunnel, req Request) (net.Conn, Reply, error) {
	st, err := t.sess.OpenStream()
	if err != nil {
		return nil, Reply{}, fmt.Errorf("%w: %v", ErrOffline, err)
	}
	rep, err := await(ctx, st, func() error { return WriteFrame(st, req) })
	if err != nil {
		return nil, rep, err
	}
	if req.Op != OpDial {
		return st, rep, nil
	}
	if !rep.OK {
		if rep.Reason != "" {
			t.refused.Add(1)
			h.log().Warn("connector refused a dial", "shop", t.conn.ShopID, "addr", req.Addr, "reason", rep.Reason)
		}
		return st, rep, nil
	}
	return &countConn{Conn: st, t: t, f: t.flowOf(req.Addr)}, rep, nil
}

// await runs send, then reads the Reply on c within 15 s and ctx; on an
// error c is closed.
func await(ctx context.Context, c net.Conn, send func() error) (Reply, error) {
	dl := time.Now().Add(15 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	c.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	var rep Reply
	if err := send(); err != nil {
		c.Close()
		return rep, err
	}
	if err := ReadFrame(c, &rep); err != nil {
		c.Close()
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		return rep, fmt.Errorf("connectors: no answer from the connector: %w", err)
	}
	c.SetDeadline(time.Time{})
	return rep, nil
}

// DialContext opens a connection to addr on shop's LAN through the shop's
// connector (the edge dials it). A refusal is a *Refused.
func (h *Hub) DialContext(ctx context.Context, shop uint, network, addr string) (net.Conn, error) {
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
		return nil, fmt.Errorf("connectors: network %q is not carried", network)
	}
	c, rep, err := h.open(ctx, shop, Request{Op: OpDial, Network: "tcp", Addr: addr})
	if err != nil {
		return nil, err
	}
	if !rep.OK {
		c.Close()
		if rep.Reason != "" {
			return nil, &Refused{Addr: addr, Reason: rep.Reason, Message: rep.Error}
		}
		return nil, fmt.Errorf("connectors: dial %s through the connector: %s", addr, rep.Error)
	}
	return c, nil
}

// Dialer is shop's DialContext.
func (h *Hub) Dialer(shop uint) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return h.DialContext(ctx, shop, network, addr)
	}
}

// Discover asks the shop's edge to run 003's UDP discovery on its LAN.
func (h *Hub) Discover(ctx context.Context, shop uint) ([]sunmilan.Found, error) {
	c, rep, err := h.open(ctx, shop, Request{Op: OpDiscover})
	if err != nil {
		return nil, err
	}
	c.Close()
	if !rep.OK {
		return nil, fmt.Errorf("connectors: discovery at the connector failed: %s", rep.Error)
	}
	var out []sunmilan.Found
	if err := json.Unmarshal(rep.Found, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// countConn counts a dial's bytes on its tunnel and LAN host.
type countConn struct {
	net.Conn
	t *tunnel
	f *flow
}

func (c *countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.t.total.in.Add(int64(n))
	c.f.in.Add(int64(n))
	return n, err
}

func (c *countConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.t.total.out.Add(int64(n))
	c.f.out.Add(int64(n))
	return n, err
}

// Flow is what crossed the shop's uplink to one LAN host: bytes since the
// tunnel opened, and bits a second over the last RateEvery.
type Flow struct {
	Host              string
	BytesIn, BytesOut int64
	RateIn, RateOut   int64
}

// Status is what the connector page shows.
type Status struct {
	Connector models.Connector
	Paired    bool
	Pending   bool // an unused code is waiting
	Online    bool
	Version   string
	Since     time.Time
	LastSeen  time.Time
	RTT       time.Duration
	Refused   int64
	BytesIn   int64
	BytesOut  int64
	// The WAN bitrate in total and per LAN host (by host), bits a second
	// from and to the edge.
	RateIn, RateOut int64
	Flows           []Flow
	LastTunnelFail  string
	// The edge's webhook receiver and queue (its last report; HasQueue
	// false: none yet).
	Hook     string
	HasQueue bool
	Queue    QueueReport
}

// Status is shop's connector state.
func (h *Hub) Status(ctx context.Context, shop uint) (Status, error) {
	var s Status
	c, err := h.Store.ShopConnector(ctx, shop)
	switch {
	case errors.Is(err, models.ErrNotFound):
	case err != nil:
		return s, err
	default:
		s.Connector, s.Paired, s.Version = c, true, c.Version
		if c.LastSeen != nil {
			s.LastSeen = *c.LastSeen
		}
		s.Hook = c.HookURL
		s.Queue, s.HasQueue = h.Queue(shop)
	}
	if s.Pending, err = h.Store.PendingConnectorCode(ctx, shop); err != nil {
		return s, err
	}
	if t := h.tunnelOf(shop); t != nil && t.conn.ID == c.ID {
		s.Online, s.Version, s.Since, s.Hook = true, t.version, t.since, t.hook
		s.LastSeen = time.Unix(0, t.lastSeen.Load())
		s.RTT = time.Duration(t.rtt.Load())
		s.Refused, s.BytesIn, s.BytesOut = t.refused.Load(), t.total.in.Load(), t.total.out.Load()
		now := time.Now()
		s.RateIn, s.RateOut = t.total.rates(now)
		s.Flows = t.flowList(now)
	}
	return s, nil
}

func (t *tunnel) flowList(now time.Time) []Flow {
	t.flowMu.Lock()
	defer t.flowMu.Unlock()
	out := make([]Flow, 0, len(t.flows))
	for host, f := range t.flows {
		fl := Flow{Host: host, BytesIn: f.in.Load(), BytesOut: f.out.Load()}
		fl.RateIn, fl.RateOut = f.rates(now)
		out = append(out, fl)
	}
	slices.SortFunc(out, func(a, b Flow) int { return strings.Compare(a.Host, b.Host) })
	return out
}

// Run samples the tunnels' byte counts every RateEvery (the bitrates) until
// ctx ends, then closes every tunnel and refuses new ones.
func (h *Hub) Run(ctx context.Context) error {
	every := h.RateEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case now := <-tick.C:
			h.mu.Lock()
			live := slices.Collect(maps.Values(h.live))
			h.mu.Unlock()
			for _, t := range live {
				t.sample(now)
			}
		}
	}
	h.mu.Lock()
	h.stopped = true
	live := h.live
	h.live = nil
	h.mu.Unlock()
	for _, t := range live {
		t.sess.Close()
	}
	return nil
}

// allow is the per-IP rate limit of pairing attempts.
func (h *Hub) allow(ip string) bool {
	limit, window := h.PairLimit, h.PairWindow
	if limit <= 0 {
		limit = 10
	}
	if window <= 0 {
		window = time.Minute
	}
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tries == nil {
		h.tries = map[string][]time.Time{}
	}
	keep := h.tries[ip][:0]
	for _, t := range h.tries[ip] {
		if now.Sub(t) < window {
			keep = append(keep, t)
		}
	}
	if len(h.tries) > 10000 { // bounded: forget the oldest IPs wholesale
		h.tries = map[string][]time.Time{}
	}
	if len(keep) >= limit {
		h.tries[ip] = keep
		return false
	}
	h.tries[ip] = append(keep, now)
	return true
}

func (h *Hub) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Pair is the handler of POST PairPath.
func (h *Hub) Pair(w http.ResponseWriter, r *http.Request) { h.ServePair(w, r, h.clientIP(r)) }

// ServePair is Pair for a client at ip (the router's trusted-proxy rule).
func (h *Hub) ServePair(w http.ResponseWriter, r *http.Request, ip string) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, PairReply{Error: "POST only"})
		return
	}
	actor := models.Actor{Username: "", IP: ip}
	if !h.allow(ip) {
		_ = h.Store.Audit(r.Context(), actor.Entry("connectors.pair_refused", "connector", "", "rate limited"))
		w.Header().Set("Retry-After", "60")
		writeJSON(w, http.StatusTooManyRequests, PairReply{Error: "too many pairing attempts from this address; wait a minute"})
		return
	}
	var req PairRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, PairReply{Error: "bad request body"})
		return
	}
	if len(req.Key) != ed25519.PublicKeySize {
		writeJSON(w, http.StatusBadRequest, PairReply{Error: "the key is not an ed25519 public key"})
		return
	}
	name := req.Name
	if len(name) > 64 {
		name = name[:64]
	}
	key := base64.StdEncoding.EncodeToString(req.Key)
	c, revoked, err := h.Store.PairConnector(r.Context(), HashCode(req.Code), key, name)
	if err != nil {
		msg, code := "pairing failed", http.StatusInternalServerError
		switch {
		case errors.Is(err, models.ErrCodeUnknown):
			msg, code = "unknown pairing code", http.StatusForbidden
		case errors.Is(err, models.ErrCodeUsed):
			msg, code = "this pairing code was used already; ask for a new one on the shop's On-site connector page", http.StatusForbidden
		case errors.Is(err, models.ErrCodeExpired):
			msg, code = "this pairing code expired; ask for a new one on the shop's On-site connector page", http.StatusForbidden
		default:
			h.log().Error("pair connector", "err", err)
		}
		_ = h.Store.Audit(r.Context(), actor.Entry("connectors.pair_refused", "connector", "", msg))
		writeJSON(w, code, PairReply{Error: msg})
		return
	}
	h.forget(c.ShopID)
	h.drop(revoked...)
	_ = h.Store.Audit(r.Context(), actor.Entry("connectors.pair", "shop", strconv.FormatUint(uint64(c.ShopID), 10),
		fmt.Sprintf("connector %d %q paired; replaced %v", c.ID, name, revoked)))
	h.log().Info("connector paired", "shop", c.ShopID, "connector", c.ID, "name", name)
	writeJSON(w, http.StatusOK, PairReply{Connector: c.ID, Shop: c.ShopID})
}

var upgrader = websocket.Upgrader{ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10,
	// An edge is not a browser: there is no Origin to check; the key is the credential.
	CheckOrigin: func(*http.Request) bool { return true }}

// Tunnel is the handler of GET TunnelPath: it authenticates the edge and
// serves its session until either side ends it.
func (h *Hub) Tunnel(w http.ResponseWriter, r *http.Request) { h.ServeTunnel(w, r, h.clientIP(r)) }

// ServeTunnel is Tunnel for a client at ip.
func (h *Hub) ServeTunnel(w http.ResponseWriter, r *http.Request, ip string) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	defer ws.Close()
	ws.SetReadLimit(1 << 20)
	t, err := h.handshake(r.Context(), ws)
	if err != nil {
		h.log().Warn("connector tunnel refused", "ip", ip, "err", err)
		return
	}
	conn := NewWSConn(ws)
	sess, err := yamux.Client(conn, YamuxConfig(h.keepalive()))
	if err != nil {
		return
	}
	t.sess, t.since = sess, time.Now()
	t.lastSeen.Store(time.Now().UnixNano())
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		sess.Close()
		return
	}
	if h.live == nil {
		h.live = map[uint]*tunnel{}
	}
	old := h.live[t.conn.ShopID]
	h.live[t.conn.ShopID] = t
	h.mu.Unlock()
	if old != nil {
		old.sess.Close()
	}
	h.touch(context.WithoutCancel(r.Context()), t)
	if err := h.Store.SetConnectorHook(context.WithoutCancel(r.Context()), t.conn.ID, t.hook); err != nil {
		h.log().Warn("record the connector's hook address", "err", err)
	}
	go h.accept(r.Context(), t)
	h.log().Info("connector online", "shop", t.conn.ShopID, "connector", t.conn.ID, "version", t.version, "ip", ip)
	h.heartbeat(t)
	h.mu.Lock()
	cur := h.live[t.conn.ShopID]
	if cur == t {
		delete(h.live, t.conn.ShopID)
	}
	h.mu.Unlock()
	sess.Close()
	_ = h.Store.TouchConnector(context.WithoutCancel(r.Context()), t.conn.ID, t.version)
	// A newer tunnel of the same connector here (the edge reconnected)
	// keeps this instance the holder.
	if h.InstanceURL != "" && (cur == nil || cur == t || cur.conn.ID != t.conn.ID) {
		if err := h.Store.ReleaseConnector(context.WithoutCancel(r.Context()), t.conn.ID, h.InstanceURL); err != nil {
			h.log().Warn("release the connector's tunnel", "err", err)
		}
	}
	h.log().Info("connector offline", "shop", t.conn.ShopID, "connector", t.conn.ID)
}

// SeenEvery is how often a live tunnel's last_seen is written to the
// database; a connector seen within SeenFresh is alive on some instance.
const (
	SeenEvery = time.Minute
	SeenFresh = 2*SeenEvery + 30*time.Second
)

// AliveAnywhere reports whether st's connector has a live tunnel on this
// instance or, by its last_seen, on another one (several instances).
func AliveAnywhere(st Status, now time.Time) bool {
	return st.Online || st.Paired && !st.LastSeen.IsZero() && now.Sub(st.LastSeen) < SeenFresh
}

// heartbeat pings the edge every keepalive interval (the RTT shown) until
// the session ends.
func (h *Hub) heartbeat(t *tunnel) {
	tick := time.NewTicker(h.keepalive())
	defer tick.Stop()
	touched := time.Now()
	ping := func() {
		if d, err := t.sess.Ping(); err == nil {
			t.rtt.Store(int64(d))
			now := time.Now()
			t.lastSeen.Store(now.UnixNano())
			// The database's last_seen (and relay_url) say to the other
			// instances that the tunnel is alive here: once a SeenEvery.
			if now.Sub(touched) >= SeenEvery {
				touched = now
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				h.touch(ctx, t)
				cancel()
			}
		}
	}
	ping()
	for {
		select {
		case <-t.sess.CloseChan():
			return
		case <-tick.C:
			ping()
		}
	}
}

// touch writes the live tunnel t's last_seen and, relaying, this
// instance as its holder.
func (h *Hub) touch(ctx context.Context, t *tunnel) {
	_ = h.Store.TouchConnector(ctx, t.conn.ID, t.version)
	if h.InstanceURL == "" {
		return
	}
	if err := h.Store.HoldConnector(ctx, t.conn.ID, h.InstanceURL); err != nil {
		h.log().Warn("record this instance as the connector's holder", "err", err)
	}
}

func (h *Hub) handshake(ctx context.Context, ws *websocket.Conn) (*tunnel, error) {
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	defer ws.SetReadDeadline(time.Time{})
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	if err := ws.WriteJSON(Hello{Proto: Proto, Nonce: nonce, Server: "storelens"}); err != nil {
		return nil, err
	}
	var a Auth
	if err := ws.ReadJSON(&a); err != nil {
		return nil, err
	}
	refuse := func(code, msg string) (*tunnel, error) {
		_ = ws.WriteJSON(Result{Error: msg, Code: code})
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, code), time.Now().Add(time.Second))
		return nil, errors.New(msg)
	}
	if a.Error != "" {
		return nil, fmt.Errorf("the connector refused this server: %s", a.Error)
	}
	if a.Proto != Proto {
		return refuse("proto", fmt.Sprintf("incompatible connector: it speaks tunnel protocol %d, this server speaks %d; install the storelens-edge that matches this server (version %q connected)", a.Proto, Proto, a.Version))
	}
	if len(a.Key) != ed25519.PublicKeySize || !ed25519.Verify(a.Key, SignedChallenge(nonce), a.Sig) {
		return refuse("signature", "the connector's signature does not verify")
	}
	c, err := h.Store.ConnectorByKey(ctx, base64.StdEncoding.EncodeToString(a.Key))
	if errors.Is(err, models.ErrNotFound) {
		return refuse("unknown", "this connector's key is not paired with this server; pair it again with a new code")
	} else if err != nil {
		return refuse("error", "the server could not check the key")
	}
	if c.RevokedAt != nil {
		return refuse("revoked", "this connector was revoked; pair it again with a new code from the shop's On-site connector page")
	}
	version := a.Version
	if len(version) > 40 {
		version = version[:40]
	}
	if err := ws.WriteJSON(Result{OK: true, Shop: c.ShopID}); err != nil {
		return nil, err
	}
	hook := a.Hook
	if len(hook) > 200 || (hook != "" && !strings.HasPrefix(hook, "http://") && !strings.HasPrefix(hook, "https://")) {
		hook = ""
	}
	return &tunnel{conn: c, version: version, hook: hook, total: newFlow(time.Now())}, nil
}

// DialFunc is net.Dialer.DialContext's shape (sunmilan.DialFunc).
type DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// LANDial is the dialer of an address on shop's LAN: through the shop's
// connector when it has one paired (then never directly, even while it is
// offline), direct otherwise (the central sits on that LAN).
func (h *Hub) LANDial(shop uint, direct DialFunc) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		paired, err := h.Paired(ctx, shop)
		if err != nil {
			return nil, err
		}
		if paired {
			return h.DialContext(ctx, shop, network, addr)
		}
		return direct(ctx, network, addr)
	}
}

// RemoteDiscover is devices.LAN.Remote: a shop with a connector is
// discovered at its edge.
func (h *Hub) RemoteDiscover(ctx context.Context, shop uint) ([]sunmilan.Found, bool, error) {
	paired, err := h.Paired(ctx, shop)
	if err != nil || !paired {
		return nil, false, err
	}
	found, err := h.Discover(ctx, shop)
	return found, true, err
}
