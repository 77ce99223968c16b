package sunmilan

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmisign"
)

// Name is the vendor name in the registry, in stored accounts and in the
// cameras table.
const Name = "sunmilan"

// Label is the vendor's display name.
const Label = "Sunmi camera (LAN)"

const (
	defaultTimeout = 10 * time.Second
	defaultPort    = "443"
	maxReply       = 4 << 20
	readAttempts   = 3
	apiPrefix      = "/openapi"
)

// Config is what a Client needs to reach one camera.
type Config struct {
	// Address is host or host:port of the camera (port 443 when absent).
	Address string
	// AppID and Secret sign every call; ActivationCode signs activation.
	AppID, Secret, ActivationCode string
	// Pin is the hex SHA-256 of the camera's certificate. Empty trusts the
	// first certificate seen and reports it to OnFirstUse.
	Pin        string
	OnFirstUse func(fingerprint string)
	// ClientCert is presented when the camera asks for one (LoadPKCS12).
	ClientCert *tls.Certificate
	// Timeout bounds one attempt of one call; 10 s when zero.
	Timeout time.Duration
	// Dial opens the TCP connections to the camera (StoreLens passes the
	// outbound guard's, netguard.LANCamera); nil: a plain 5 s dialer.
	Dial DialFunc

	// Tests fix these; production leaves them nil.
	Now    func() time.Time
	Random func() string
	Sleep  func(context.Context, time.Duration) error
}

// DialFunc opens a connection (net.Dialer.DialContext's shape).
type DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// dialOrDefault is d, or a plain dialer with a 5 s timeout.
func dialOrDefault(d DialFunc) DialFunc {
	if d != nil {
		return d
	}
	return (&net.Dialer{Timeout: 5 * time.Second}).DialContext
}

// Client is a signed HTTPS client of one camera. It is safe for concurrent
// use; Close releases its idle connections.
type Client struct {
	cfg  Config
	base string // https://host:port/openapi
	host string // host:port, the only host Fetch will fetch from
	hc   *http.Client

	mu   sync.Mutex
	seen string // fingerprint of the certificate of the last handshake
}

// New returns a client for the camera cfg names.
func New(cfg Config) (*Client, error) {
	host, err := NormalizeAddress(cfg.Address)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Random == nil {
		cfg.Random = randomString
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	cfg.Pin = normalizeFingerprint(cfg.Pin)
	c := &Client{cfg: cfg, host: host, base: "https://" + host + apiPrefix}
	tlsConf := &tls.Config{
		// The camera's certificate is self-signed: no chain to verify. The
		// pin in verifyConnection is the check instead (NOTES 50).
		InsecureSkipVerify: true, //nolint:gosec // replaced by the pin
		VerifyConnection:   c.verifyConnection,
		MinVersion:         tls.VersionTLS12,
	}
	if cfg.ClientCert != nil {
		tlsConf.Certificates = []tls.Certificate{*cfg.ClientCert}
	}
	tr := &http.Transport{
		Proxy:                 nil, // a camera on the LAN is never reached through a proxy
		DialContext:           dialOrDefault(cfg.Dial),
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
	}
	c.hc = &http.Client{Transport: tr,
		// A camera API never redirects a signed POST.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c, nil
}

// Close releases the client's idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Address is the camera's host:port.
func (c *Client) Address() string { return c.host }

// Fingerprint is the certificate fingerprint of the client's last TLS
// handshake ("" before the first).
func (c *Client) Fingerprint() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen
}

// NormalizeAddress checks host[:port] and adds port 443 when absent. A URL
// or a path is refused: the browser never gives us a URL to fetch.
func NormalizeAddress(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" || strings.ContainsAny(addr, "/?#@ ") {
		return "", fmt.Errorf("sunmilan: address %q is not host or host:port", addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = strings.Trim(addr, "[]"), defaultPort
	}
	if host == "" {
		return "", fmt.Errorf("sunmilan: address %q has no host", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("sunmilan: address %q has a bad port", addr)
	}
	return net.JoinHostPort(host, port), nil
}

// authMode says how a request authenticates (003 "Sign Rules").
type authMode int

const (
	authSecret     authMode = iota // public params signed with the secret key
	authActivation                 // public params signed with the activation code
	authNone                       // no public params (the *WithoutAuth calls)
)

// File is a file part of a multipart request: never signed.
type File struct {
	Field, Name, ContentType string
	Data                     []byte
}

// request is one call to the camera.
type request struct {
	Path   string            // under /openapi, e.g. "/config/setIrMode"
	Params map[string]string // private parameters; empty values are not sent
	Files  []File            // non-empty: multipart/form-data
	Read   bool              // idempotent: retried on transport failures
	Auth   authMode
}

// envelope is every reply: {"code": N, "data": {...}}.
type envelope struct {
	Code num             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// call performs r and decodes data into out (nil to ignore it). Reads are
// retried on transport failures, each attempt signed afresh; writes and
// certificate refusals never are.
func (c *Client) call(ctx context.Context, r request, out any) error {
	attempts := 1
	if r.Read {
		attempts = readAttempts
	}
	var err error
	for i := range attempts {
		if i > 0 {
			if serr := c.cfg.Sleep(ctx, time.Duration(i)*300*time.Millisecond); serr != nil {
				return err
			}
		}
		err = c.once(ctx, r, out)
		if vendors.KindOf(err) != vendors.KindUnavailable || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// params adds the public parameters and the sign to r's parameters.
func (c *Client) params(r request) map[string]string {
	p := make(map[string]string, len(r.Params)+4)
	for k, v := range r.Params {
		if v != "" {
			p[k] = v
		}
	}
	if r.Auth == authNone {
		return p
	}
	p["app_id"] = c.cfg.AppID
	p["random"] = c.cfg.Random()
	p["timestamp"] = strconv.FormatInt(c.cfg.Now().Unix(), 10)
	key := c.cfg.Secret
	if r.Auth == authActivation {
		key = c.cfg.ActivationCode
	}
	p["sign"] = sunmisign.Sign(p, key)
	return p
}

func (c *Client) body(r request, p map[string]string) (io.Reader, string, error) {
	if len(r.Files) == 0 {
		form := make(url.Values, len(p))
		for k, v := range p {
			form.Set(k, v)
		}
		return strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", nil
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range p {
		if err := mw.WriteField(k, v); err != nil {
			return nil, "", err
		}
	}
	for _, f := range r.Files {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, f.Field, f.Name)}
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h["Content-Type"] = []string{ct}
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if _, err := w.Write(f.Data); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &buf, mw.FormDataContentType(), nil
}

func (c *Client) once(ctx context.Context, r request, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	body, ct, err := c.body(r, c.params(r))
	if err != nil {
		return c.fail(r.Path, vendors.KindOther, 0, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+r.Path, body)
	if err != nil {
		return c.fail(r.Path, vendors.KindOther, 0, err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(r.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return c.fail(r.Path, vendors.KindUnavailable, 0, err)
	}
	switch {
	case resp.StatusCode >= 500:
		return c.fail(r.Path, vendors.KindUnavailable, 0, fmt.Errorf("HTTP %d", resp.StatusCode))
	case resp.StatusCode != http.StatusOK:
		return c.fail(r.Path, vendors.KindOther, 0, fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	var env envelope
	if err := decodeLenient(raw, &env); err != nil {
		return c.fail(r.Path, vendors.KindMalformed, 0, fmt.Errorf("decode reply: %w", err))
	}
	if env.Code != 0 {
		e := c.fail(r.Path, kindFor(r.Path, int(env.Code)), int(env.Code), nil)
		e.(*vendors.Error).Msg = env.Msg
		return e
	}
	if out == nil || len(env.Data) == 0 || string(env.Data) == "null" {
		return nil
	}
	if err := decodeLenient(env.Data, out); err != nil {
		return c.fail(r.Path, vendors.KindMalformed, 0, fmt.Errorf("decode data: %w", err))
	}
	return nil
}

// transportError types a failed round trip: a changed certificate is not an
// outage, and says so.
func (c *Client) transportError(op string, err error) error {
	var pe *PinError
	if errors.As(err, &pe) {
		return c.fail(op, vendors.KindCertChanged, 0, pe)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return c.fail(op, vendors.KindUnavailable, 0, err)
}

func (c *Client) fail(op string, kind vendors.Kind, code int, err error) error {
	return &vendors.Error{Vendor: Name, Op: op, Kind: kind, Code: code, Err: err}
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString is 003's random parameter: 6-10 letters and digits.
func randomString() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
