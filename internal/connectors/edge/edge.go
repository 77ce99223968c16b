// Package edge is storelens-edge, a shop's on-site connector (issue 15):
// it pairs with the central server once, then keeps one outbound tunnel
// to it and dials, for the central, only what its Policy allows on the
// shop's LAN. It terminates nothing: bytes are copied both ways.
package edge

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/hashicorp/yamux"

	"storelens/internal/connectors"
	"storelens/internal/vendors/sunmilan"
)

// Version is this build's version, sent in the handshake.
var Version = "0.1.0"

// KeyFile is the private key's name in the data directory (0600).
const KeyFile = "edge.key"

// ErrIncompatible: the central speaks another tunnel protocol.
var ErrIncompatible = errors.New("edge: incompatible central server")

// ErrRefused: the central refused this edge's key (revoked, unknown).
var ErrRefused = errors.New("edge: the central server refused this connector")

// Config is one edge.
type Config struct {
	Server  string // https://central.example
	DataDir string
	Policy  *Policy
	// RootCAs verify the central's TLS (nil: the system roots).
	RootCAs *x509.CertPool
	// Discovery is where 003's UDP discovery asks and listens (zero: 003's
	// broadcast on 10001).
	Discovery sunmilan.DiscoverOptions
	Log       *slog.Logger
	Keepalive time.Duration // 10 s when zero
	// Backoff bounds the reconnect delay (1 s .. 5 s when zero, so the edge
	// is back within 5 s of the central's return), with jitter.
	BackoffMin, BackoffMax time.Duration
	// Proto is the tunnel protocol spoken (connectors.Proto when zero;
	// tests set another to see the refusal).
	Proto int
	// OnConnect is called each time the tunnel is up (tests).
	OnConnect func()
	// Queue is the durable outbox of the cameras' webhook posts (hooks.go);
	// HookURL is where the cameras reach HookHandler on the LAN (sent to
	// the central: its cameras' hook/add callback). Both empty: no
	// receiver.
	Queue   *Queue
	HookURL string
}

// Edge is a running connector.
type Edge struct {
	cfg Config
	key ed25519.PrivateKey
	log *slog.Logger
	mu  sync.Mutex
	ses *yamux.Session
	// state, for the local status page
	up       bool
	since    time.Time
	lastErr  string
	shop     uint
	attempts int
	hooks    hookStats
	wake     chan struct{} // a post was queued
}

// New loads (or, when absent, makes) the edge's key in its data directory.
func New(cfg Config) (*Edge, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Proto == 0 {
		cfg.Proto = connectors.Proto
	}
	if cfg.Keepalive <= 0 {
		cfg.Keepalive = 10 * time.Second
	}
	if cfg.BackoffMin <= 0 {
		cfg.BackoffMin = time.Second
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = 5 * time.Second
	}
	if cfg.Policy == nil {
		return nil, errors.New("edge: no dial policy")
	}
	u, err := url.Parse(cfg.Server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("edge: --server %q is not an https:// URL", cfg.Server)
	}
	key, err := LoadOrCreateKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	return &Edge{cfg: cfg, key: key, log: cfg.Log, wake: make(chan struct{}, 1)}, nil
}

// PublicKey is the edge's public key.
func (e *Edge) PublicKey() ed25519.PublicKey {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.key.Public().(ed25519.PublicKey)
}

func (e *Edge) signer() ed25519.PrivateKey {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.key
}

// LoadOrCreateKey reads dir/edge.key, or makes a new ed25519 key there
// (the directory 0700, the file 0600; a looser file is refused).
func LoadOrCreateKey(dir string) (ed25519.PrivateKey, error) {
	if dir == "" {
		return nil, errors.New("edge: --data-dir is required")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("edge: %s is readable by others (%v); chmod 600 it", path, fi.Mode().Perm())
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("edge: %s is not a PEM key", path)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("edge: %s: %w", path, err)
		}
		ek, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("edge: %s is not an ed25519 key", path)
		}
		return ek, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return priv, writeKey(path, priv)
}

// writeKey writes priv to path, 0600, replacing it atomically.
func writeKey(path string, priv ed25519.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	tmp := path + ".new"
	_ = os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (e *Edge) tlsConfig() *tls.Config {
	return &tls.Config{RootCAs: e.cfg.RootCAs, MinVersion: tls.VersionTLS12}
}

func (e *Edge) httpClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = e.tlsConfig()
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// Pair trades code for the registration of a NEW key of this edge (so a
// Rotate run on the same box replaces its credential): the key replaces
// the one in the data directory only once the central accepted it.
func (e *Edge) Pair(ctx context.Context, code string) (connectors.PairReply, error) {
	host, _ := os.Hostname()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return connectors.PairReply{}, err
	}
	body, _ := json.Marshal(connectors.PairRequest{Code: code, Key: pub, Name: host})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(e.cfg.Server, "/")+connectors.PairPath, bytes.NewReader(body))
	if err != nil {
		return connectors.PairReply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.httpClient().Do(req)
	if err != nil {
		return connectors.PairReply{}, fmt.Errorf("edge: pairing: %w", err)
	}
	defer resp.Body.Close()
	var rep connectors.PairReply
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&rep); err != nil {
		return rep, fmt.Errorf("edge: pairing: the server answered %s", resp.Status)
	}
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("edge: pairing refused: %s", rep.Error)
	}
	if err := writeKey(filepath.Join(e.cfg.DataDir, KeyFile), priv); err != nil {
		return rep, fmt.Errorf("edge: paired, but the key could not be saved: %w", err)
	}
	e.mu.Lock()
	e.key = priv
	e.mu.Unlock()
	// Remember the code (its hash): a service started again with the same
	// --pair connects instead of failing on a used code.
	_ = os.WriteFile(filepath.Join(e.cfg.DataDir, PairedFile), []byte(connectors.HashCode(code)+"\n"), 0o600)
	return rep, nil
}

// PairedFile holds the hash of the code this box paired with last.
const PairedFile = "paired"

// PairedWith reports whether the box with data directory dir paired with
// code last (so --pair code again is skipped).
func PairedWith(dir, code string) bool {
	b, err := os.ReadFile(filepath.Join(dir, PairedFile))
	return err == nil && strings.TrimSpace(string(b)) == connectors.HashCode(code)
}

func (e *Edge) tunnelURL() string {
	u, _ := url.Parse(e.cfg.Server)
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path = strings.TrimRight(u.Path, "/") + connectors.TunnelPath
	return u.String()
}

// Run keeps the tunnel up until ctx ends: it reconnects with exponential
// backoff and jitter, and stops (returning the error) when the central
// refuses this edge or speaks another protocol.
func (e *Edge) Run(ctx context.Context) error {
	delay := e.cfg.BackoffMin
	for ctx.Err() == nil {
		up, err := e.connectOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		e.mu.Lock()
		e.attempts++
		if err != nil {
			e.lastErr = err.Error()
		}
		e.mu.Unlock()
		if errors.Is(err, ErrIncompatible) || errors.Is(err, ErrRefused) {
			e.log.Error("tunnel refused", "err", err)
			return err
		}
		if up {
			delay = e.cfg.BackoffMin
		}
		// full jitter in [delay/2, delay]
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(delay/2)+1))
		wait := delay/2 + time.Duration(n.Int64())
		e.log.Warn("tunnel down; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		if delay *= 2; delay > e.cfg.BackoffMax {
			delay = e.cfg.BackoffMax
		}
	}
	return nil
}

// connectOnce dials, authenticates and serves one session; up reports
// whether the handshake succeeded.
func (e *Edge) connectOnce(ctx context.Context) (up bool, err error) {
	d := websocket.Dialer{TLSClientConfig: e.tlsConfig(), HandshakeTimeout: 15 * time.Second, Proxy: http.ProxyFromEnvironment,
		ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10}
	ws, resp, err := d.DialContext(ctx, e.tunnelURL(), nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return false, err
	}
	defer ws.Close()
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	var hello connectors.Hello
	if err := ws.ReadJSON(&hello); err != nil {
		return false, fmt.Errorf("handshake: %w", err)
	}
	if hello.Proto != e.cfg.Proto {
		msg := fmt.Sprintf("incompatible central server: it speaks tunnel protocol %d, this storelens-edge %s speaks %d; install the storelens-edge that matches the server", hello.Proto, Version, e.cfg.Proto)
		_ = ws.WriteJSON(connectors.Auth{Proto: e.cfg.Proto, Version: Version, Error: msg})
		return false, fmt.Errorf("%w: %s", ErrIncompatible, msg)
	}
	key := e.signer()
	if err := ws.WriteJSON(connectors.Auth{Proto: e.cfg.Proto, Version: Version, Key: key.Public().(ed25519.PublicKey),
		Sig: ed25519.Sign(key, connectors.SignedChallenge(hello.Nonce)), Hook: e.cfg.HookURL}); err != nil {
		return false, err
	}
	var res connectors.Result
	if err := ws.ReadJSON(&res); err != nil {
		return false, fmt.Errorf("handshake: %w", err)
	}
	if !res.OK {
		if res.Code == "proto" {
			return false, fmt.Errorf("%w: %s", ErrIncompatible, res.Error)
		}
		if res.Code == "revoked" || res.Code == "unknown" || res.Code == "signature" {
			return false, fmt.Errorf("%w: %s", ErrRefused, res.Error)
		}
		return false, errors.New(res.Error)
	}
	ws.SetReadDeadline(time.Time{})
	sess, err := yamux.Server(connectors.NewWSConn(ws), connectors.YamuxConfig(e.cfg.Keepalive))
	if err != nil {
		return true, err
	}
	defer sess.Close()
	e.mu.Lock()
	e.ses, e.up, e.since, e.shop = sess, true, time.Now(), res.Shop
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.up, e.since = false, time.Now()
		e.mu.Unlock()
	}()
	e.log.Info("tunnel up", "server", e.cfg.Server, "shop", res.Shop)
	if e.cfg.OnConnect != nil {
		e.cfg.OnConnect()
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	if e.cfg.Queue != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.forward(ctx, sess)
		}()
	}
	for {
		st, err := sess.AcceptStream()
		if err != nil {
			if ctx.Err() != nil {
				return true, nil
			}
			return true, fmt.Errorf("session ended: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.serve(ctx, st)
		}()
	}
}

// serve handles one stream.
func (e *Edge) serve(ctx context.Context, st *yamux.Stream) {
	defer st.Close()
	st.SetDeadline(time.Now().Add(15 * time.Second))
	var req connectors.Request
	if err := connectors.ReadFrame(st, &req); err != nil {
		return
	}
	switch req.Op {
	case connectors.OpDial:
		e.dial(ctx, st, req)
	case connectors.OpDiscover:
		st.SetDeadline(time.Now().Add(30 * time.Second))
		found, err := sunmilan.Discover(ctx, e.cfg.Discovery)
		if err != nil {
			_ = connectors.WriteFrame(st, connectors.Reply{Error: err.Error()})
			return
		}
		b, _ := json.Marshal(found)
		_ = connectors.WriteFrame(st, connectors.Reply{OK: true, Found: b})
	default:
		_ = connectors.WriteFrame(st, connectors.Reply{Error: "unknown operation " + req.Op})
	}
}

func (e *Edge) dial(ctx context.Context, st *yamux.Stream, req connectors.Request) {
	target, reason := e.cfg.Policy.Resolve(ctx, req.Addr)
	if reason != "" {
		e.cfg.Policy.count(reason)
		e.log.Warn("dial refused", "addr", req.Addr, "reason", reason)
		_ = connectors.WriteFrame(st, connectors.Reply{Reason: reason, Error: "refused by the connector's policy: " + reason})
		return
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	c, err := (&net.Dialer{}).DialContext(dctx, "tcp", target)
	cancel()
	if err != nil {
		_ = connectors.WriteFrame(st, connectors.Reply{Error: err.Error()})
		return
	}
	defer c.Close()
	if err := connectors.WriteFrame(st, connectors.Reply{OK: true}); err != nil {
		return
	}
	st.SetDeadline(time.Time{})
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(c, st)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		close(done)
	}()
	_, _ = io.Copy(st, c)
	_ = st.Close() // half-close: FIN to the central
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// State is what the local status page shows.
type State struct {
	Server    string           `json:"server"`
	Version   string           `json:"version"`
	Connected bool             `json:"connected"`
	Since     time.Time        `json:"since"` // connected or down since
	Shop      uint             `json:"shop,omitempty"`
	LastError string           `json:"last_error,omitempty"`
	Attempts  int              `json:"attempts"`
	Allow     []string         `json:"allow"`
	Refused   map[string]int64 `json:"refused"`
	// The webhook receiver: where cameras post, the queue's depth and
	// bound, posts received, forwarded, refused with a full queue, and
	// refused by the central for good.
	Hook       string `json:"hook,omitempty"`
	QueueDepth int    `json:"queue_depth"`
	QueueMax   int    `json:"queue_max"`
	Received   int64  `json:"received"`
	Forwarded  int64  `json:"forwarded"`
	QueueFull  int64  `json:"queue_full"`
	HookDrops  int64  `json:"central_refused"`
}

// State is the edge's state now.
func (e *Edge) State() State {
	e.mu.Lock()
	st := State{Server: e.cfg.Server, Version: Version, Connected: e.up, Since: e.since, Shop: e.shop,
		LastError: e.lastErr, Attempts: e.attempts}
	queue, hook := e.cfg.Queue, e.cfg.HookURL
	e.mu.Unlock()
	for _, p := range e.cfg.Policy.Allow {
		st.Allow = append(st.Allow, p.String())
	}
	st.Refused = e.cfg.Policy.Refused()
	st.Hook = hook
	if queue != nil {
		st.QueueDepth, st.QueueMax = queue.Depth(), queue.Max()
	}
	st.Received, st.Forwarded = e.hooks.received.Load(), e.hooks.forwarded.Load()
	st.QueueFull, st.HookDrops = e.hooks.full.Load(), e.hooks.refused.Load()
	return st
}

// StatusHandler serves State as JSON (the local status page; cmd/edge
// listens for it on loopback only).
func (e *Edge) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(e.State())
	})
}
