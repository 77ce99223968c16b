package sim

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"storelens/internal/tlsutil"
)

// Options describe one simulated camera. SN, AppID, Secret and
// ActivationCode are required.
type Options struct {
	SN, Model, MAC, Firmware, Hardware, Name string // Model "FM020" or "FM010"; MAC as 12 hex digits or with colons
	AppID, Secret, ActivationCode            string
	Activated                                bool   // start activated
	Network                                  string // discovery "network": "LAN" (default) or "AP"
	// ClientCAs, when set, makes the HTTPS server require a client
	// certificate signed by one of them (003's openapi.p12).
	ClientCAs *x509.CertPool
	// NoInternet makes activation fail with 9 ("connected to the Internet is
	// required", 003 Device Management 1).
	NoInternet bool
	// Certificate, when set, is served instead of a fresh self-signed one
	// (the demo keeps its camera's certificate across restarts).
	Certificate *tls.Certificate
	Now         func() time.Time
	MaxSkew     time.Duration // allowed |timestamp - now|; 0 = 300 s; negative: no check
	Logf        func(format string, args ...any)
	// Events tune the notification center (events_camera.go).
	Events EventOptions
}

// Fault makes the camera misbehave. One that answers (Code, Malformed,
// Drop) replaces the request's processing: no state changes.
type Fault struct {
	Latency   time.Duration
	Code      int
	Malformed bool
	Drop      bool
	Times     int // requests it applies to; 0 = until cleared
}

// Call is one API request as the camera saw it (without sign and files).
type Call struct {
	Path   string
	Params map[string]string
	Code   int // -1 when no {code} reply was sent
	At     time.Time
}

// Camera is one simulated camera. It is an http.Handler; Start serves it
// over TLS on a loopback address.
type Camera struct {
	opt Options
	now func() time.Time

	mu     sync.Mutex
	st     State
	faults map[string]*Fault
	calls  []Call
	cert   tls.Certificate
	snaps  map[string]time.Time // snapshot auth keys and their expiry
	jpeg   []byte
	grants map[string]grant // RTSP URL tokens (video.go)
	rtsp   *rtspServer      // nil until StartRTSP

	srv  *http.Server
	addr string // host:port it serves on, once started
	ev   *notifier
}

// New returns a camera in its factory state (activated if opt.Activated).
func New(opt Options) (*Camera, error) {
	if opt.SN == "" || opt.AppID == "" || opt.Secret == "" || opt.ActivationCode == "" {
		return nil, errors.New("sunmilan sim: SN, AppID, Secret and ActivationCode are required")
	}
	if opt.Model == "" {
		opt.Model = "FM020"
	}
	if opt.Network == "" {
		opt.Network = "LAN"
	}
	if opt.Firmware == "" {
		opt.Firmware = "1.6.2"
	}
	if opt.Hardware == "" {
		opt.Hardware = "1.0.0"
	}
	if opt.MaxSkew == 0 {
		opt.MaxSkew = 300 * time.Second
	}
	c := &Camera{opt: opt, now: opt.Now, faults: map[string]*Fault{}, snaps: map[string]time.Time{}, grants: map[string]grant{}}
	if c.now == nil {
		c.now = time.Now
	}
	c.st = factoryState(opt)
	c.st.Activated = opt.Activated
	c.ev = c.newNotifier()
	if opt.Certificate != nil {
		c.cert = *opt.Certificate
		return c, nil
	}
	if err := c.RotateCertificate(); err != nil {
		return nil, err
	}
	return c, nil
}

// SN is the camera's serial number.
func (c *Camera) SN() string { return c.opt.SN }

// RotateCertificate gives the camera a new self-signed certificate, as a
// replaced or re-flashed camera has: a client pinned to the old one must
// refuse it.
func (c *Camera) RotateCertificate() error {
	cert, _, err := tlsutil.SelfSigned("Sunmi IPC " + c.opt.SN)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.cert = cert
	c.mu.Unlock()
	return nil
}

// CertificateDER is the DER of the certificate the camera now serves.
func (c *Camera) CertificateDER() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cert.Certificate[0]
}

// Start serves the camera over HTTPS on addr, which must be a loopback
// address ("127.0.0.1:0" picks a port). It returns host:port.
func (c *Camera) Start(addr string) (string, error) {
	if err := loopbackOnly(addr); err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		cert := c.cert
		return &cert, nil
	}}
	if c.opt.ClientCAs != nil {
		tlsConf.ClientCAs = c.opt.ClientCAs
		tlsConf.ClientAuth = tls.RequireAndVerifyClientCert
	}
	// Refused handshakes (a client checking the certificate, a missing client
	// certificate) are expected: keep them out of the logs.
	srv := &http.Server{Handler: c, ReadHeaderTimeout: 5 * time.Second, TLSConfig: tlsConf,
		ErrorLog: log.New(io.Discard, "", 0)}
	c.mu.Lock()
	c.srv, c.addr = srv, ln.Addr().String()
	c.mu.Unlock()
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	return ln.Addr().String(), nil
}

// Addr is host:port the camera serves on ("" before Start).
func (c *Camera) Addr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addr
}

// Close stops the HTTPS and RTSP servers and the notification center.
func (c *Camera) Close() error {
	c.ev.Close()
	c.mu.Lock()
	srv, rtsp := c.srv, c.rtsp
	c.rtsp = nil
	c.mu.Unlock()
	if rtsp != nil {
		rtsp.close()
	}
	if srv == nil {
		return nil
	}
	return srv.Close()
}

// loopbackOnly keeps the simulator off real networks (the network rule).
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("sunmilan sim: %s is not a loopback address", addr)
	}
	return nil
}

// SetState replaces the camera's state (the demo restores a saved one).
func (c *Camera) SetState(st State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st = st.clone()
	if c.st.Hooks == nil {
		c.st.Hooks = map[string][]string{}
	}
	if len(c.st.FaceGroups) == 0 { // a state saved before the face library existed
		c.st.FaceGroups = defaultGroups()
	}
}

// State returns a copy of the camera's state.
func (c *Camera) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.clone()
}

// Update changes the state under the lock (tests and the demo: an SD card
// pulled out, Internet lost...).
func (c *Camera) Update(f func(*State)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.st)
}

// SetNoInternet switches the camera's Internet access (activation needs it).
func (c *Camera) SetNoInternet(v bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.opt.NoInternet = v
}

// SetFault installs f for path (under /openapi, like "/config/setZoom"), or
// for every path when path is "*".
func (c *Camera) SetFault(path string, f Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults[path] = &f
}

// ClearFaults removes every fault.
func (c *Camera) ClearFaults() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.faults)
}

// Calls returns a copy of the call log (the last 500 calls).
func (c *Camera) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Call, len(c.calls))
	for i, k := range c.calls {
		k.Params = maps.Clone(k.Params)
		out[i] = k
	}
	return out
}

// CallsTo counts the calls to path.
func (c *Camera) CallsTo(path string) int {
	n := 0
	for _, k := range c.Calls() {
		if k.Path == path {
			n++
		}
	}
	return n
}

func (c *Camera) record(k Call) {
	c.mu.Lock()
	c.calls = append(c.calls, k)
	if n := len(c.calls); n > 500 {
		c.calls = append(c.calls[:0], c.calls[n-500:]...)
	}
	c.mu.Unlock()
	if c.opt.Logf != nil {
		c.opt.Logf("sunmilan sim %s: %s code=%d", c.opt.SN, k.Path, k.Code)
	}
}

func (c *Camera) takeFault(path string) (Fault, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := path
	f, ok := c.faults[key]
	if !ok {
		key = "*"
		if f, ok = c.faults[key]; !ok {
			return Fault{}, false
		}
	}
	out := *f
	if f.Times > 0 {
		if f.Times--; f.Times == 0 {
			delete(c.faults, key)
		}
	}
	return out, true
}

// macColons is how getInfo shows the MAC: colons and 003's trailing space.
func macColons(mac string) string {
	mac = strings.ToUpper(strings.NewReplacer(":", "", "-", "").Replace(mac))
	if len(mac) != 12 {
		return mac
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(mac[i : i+2])
	}
	return b.String()
}
