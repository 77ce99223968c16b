// Package netguard is StoreLens's one outbound policy for addresses that
// came from outside: a picture or clip link in a camera's webhook, a
// playlist or segment a vendor returned, a screenshot URL, a vendor
// account's base URL, a LAN camera's recorded address.
//
// A Policy says what one fetch may reach: the hosts a URL may name (the
// camera's own recorded address, the vendor's configured media hosts) and
// the internal addresses (loopback, link-local, ...) that are allowed only
// because the record itself is that address. A Guard builds the dialer and
// the HTTP client that enforce it:
//
//   - the URL's host must be one the policy names (checked before the
//     request, and again on every redirect hop);
//   - the name is resolved ONCE, every address it resolved to is checked,
//     and the connection goes to that checked address (no DNS rebinding:
//     nothing is resolved a second time between the check and the dial);
//   - loopback, link-local, multicast, unspecified and cloud metadata
//     addresses are refused unless the policy lists that very address;
//     metadata addresses are refused always.
//
// Every refusal is a *Refusal with a Reason, logged (host only: never the
// URL, whose query carries auth_key or a token) and counted by shop and
// reason for the Health tab. The counts live in memory: they say what was
// refused since the server started, and a flood of refused links (an
// attacker's webhooks) costs no database writes.
package netguard

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Reason says why a fetch was refused.
type Reason string

// The reasons.
const (
	ReasonScheme      Reason = "scheme"       // not http(s)
	ReasonHost        Reason = "host"         // a host the policy does not name
	ReasonLoopback    Reason = "loopback"     // 127/8, ::1
	ReasonLinkLocal   Reason = "link-local"   // 169.254/16, fe80::/10
	ReasonMetadata    Reason = "metadata"     // cloud metadata services
	ReasonMulticast   Reason = "multicast"    // 224/4, ff00::/8, broadcast
	ReasonUnspecified Reason = "unspecified"  // 0.0.0.0, ::
	ReasonResolve     Reason = "resolve"      // the name resolved to nothing
	ReasonRedirects   Reason = "redirects"    // too many redirects
	ReasonContent     Reason = "content-type" // the body is not what was asked for (Sniff*)
)

// Reasons lists every reason, in the order the Health tab shows them.
var Reasons = []Reason{ReasonHost, ReasonLoopback, ReasonLinkLocal, ReasonMetadata, ReasonMulticast, ReasonUnspecified,
	ReasonScheme, ReasonResolve, ReasonRedirects, ReasonContent}

// Refusal is a fetch the policy refused.
type Refusal struct {
	Reason Reason
	Host   string // the host or address refused (never a URL)
	What   string // the policy's purpose: "picture", "clip", ...
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("netguard: %s to %s refused: %s", r.What, r.Host, r.Reason)
}

// IsRefusal reports whether err is (or wraps) a Refusal, and returns it.
func IsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// Policy is what one fetch may reach.
type Policy struct {
	// Shop is whose counter a refusal goes to (0: none in particular).
	Shop uint
	// What names the fetch in logs and errors ("picture", "clip",
	// "playlist", "screenshot", "vendor-api", "lan-camera").
	What string
	// Hosts are the names or IP literals a URL may name (ports aside):
	// a camera's recorded address, a vendor account's base URL host.
	Hosts []string
	// Suffixes are domain suffixes a URL's host may end in (".cdn.sunmi.com"
	// allows a.cdn.sunmi.com; "cdn.sunmi.com" also allows itself).
	Suffixes []string
	// AllowIPs are internal addresses allowed because the record itself is
	// that address (a camera recorded as 127.0.0.1, a simulator).
	// Metadata addresses are never allowed.
	AllowIPs []netip.Addr
	// AnyHost lets a URL name any host (an admin-configured vendor base
	// URL: the address checks still apply to what it resolves to).
	AnyHost bool
	// AllowLoopback allows every loopback address (with AnyHost: vendor
	// base URLs an admin configured, the simulators on 127.0.0.1).
	AllowLoopback bool
	// MaxRedirects bounds the redirects followed (0: none are followed,
	// the redirect response is returned as it is).
	MaxRedirects int
}

// ForURLs is a policy naming the hosts of the given URLs or host[:port]
// addresses, allowing each one that is an IP literal as itself: the rule
// for a camera's recorded address and a vendor's configured base URL.
// Empty and unparsable entries are skipped.
func ForURLs(shop uint, what string, addrs ...string) Policy {
	p := Policy{Shop: shop, What: what}
	for _, a := range addrs {
		p = p.With(a)
	}
	return p
}

// With returns p also naming addr's host (a URL or host[:port]).
func (p Policy) With(addr string) Policy {
	h := HostOf(addr)
	if h == "" {
		return p
	}
	p.Hosts = append(append([]string(nil), p.Hosts...), h)
	if ip, err := netip.ParseAddr(h); err == nil {
		p.AllowIPs = append(append([]netip.Addr(nil), p.AllowIPs...), ip.Unmap())
	}
	return p
}

// WithSuffixes returns p also allowing hosts under the given suffixes.
func (p Policy) WithSuffixes(s ...string) Policy {
	for _, x := range s {
		if x = strings.ToLower(strings.TrimSpace(x)); x != "" {
			p.Suffixes = append(append([]string(nil), p.Suffixes...), x)
		}
	}
	return p
}

// HostOf is the host of a URL ("https://h:1/x"), host:port or bare host,
// lower-cased and without IPv6 brackets; "" when there is none.
func HostOf(addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return ""
	}
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil {
			return ""
		}
		return strings.ToLower(u.Hostname())
	}
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return strings.ToLower(h)
	}
	return strings.ToLower(strings.Trim(addr, "[]"))
}

// hostAllowed reports whether host (lower case, no brackets) is one the
// policy names.
func (p Policy) hostAllowed(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return false
	}
	if p.AnyHost {
		return true
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		for _, h := range p.Hosts {
			if hip, err := netip.ParseAddr(h); err == nil && hip.Unmap() == ip.Unmap() {
				return true
			}
		}
		return false // suffixes name DNS names, never addresses
	}
	for _, h := range p.Hosts {
		if strings.TrimSuffix(h, ".") == host {
			return true
		}
	}
	for _, s := range p.Suffixes {
		bare := strings.TrimPrefix(s, ".")
		if host == bare || strings.HasSuffix(host, "."+bare) {
			return true
		}
	}
	return false
}

// metadata are cloud metadata services: refused whatever a policy says.
var metadata = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, Tencent
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("168.63.129.16"),   // Azure wire server
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
}

// Classify is the reason ip is refused when no policy allows it as itself,
// or "" for an ordinary address.
func Classify(ip netip.Addr) Reason {
	ip = ip.Unmap()
	for _, m := range metadata {
		if ip == m {
			return ReasonMetadata
		}
	}
	switch {
	case ip.IsUnspecified():
		return ReasonUnspecified
	case ip.IsLoopback():
		return ReasonLoopback
	case ip.IsLinkLocalUnicast():
		return ReasonLinkLocal
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast(), ip == netip.MustParseAddr("255.255.255.255"):
		return ReasonMulticast
	}
	return ""
}

// ipAllowed is "" when ip may be dialled under p, else the reason not.
func (p Policy) ipAllowed(ip netip.Addr) Reason {
	ip = ip.Unmap()
	r := Classify(ip)
	if r == "" || r == ReasonMetadata {
		return r
	}
	if r == ReasonLoopback && p.AllowLoopback {
		return ""
	}
	for _, a := range p.AllowIPs {
		if a.Unmap() == ip {
			return ""
		}
	}
	return r
}

// Resolver resolves a name (a *net.Resolver is one).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// DialFunc dials one address (a checked IP and port).
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Guard enforces policies and counts their refusals. The zero value is not
// usable: call New.
type Guard struct {
	resolver Resolver
	dial     DialFunc
	log      *slog.Logger
	now      func() time.Time

	mu     sync.Mutex
	counts map[countKey]*Count
}

type countKey struct {
	shop   uint
	reason Reason
}

// Count is how often one shop's fetches were refused for one reason.
type Count struct {
	Shop     uint
	Reason   Reason
	N        int64
	Last     time.Time
	LastHost string
	LastWhat string
}

// Options configure a Guard; every field has a default.
type Options struct {
	Resolver Resolver // net.DefaultResolver
	Dial     DialFunc // a net.Dialer with a 10 s timeout
	Log      *slog.Logger
	Now      func() time.Time
}

// New returns a Guard.
func New(o Options) *Guard {
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Dial == nil {
		o.Dial = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Guard{resolver: o.Resolver, dial: o.Dial, log: o.Log, now: o.Now, counts: map[countKey]*Count{}}
}

type fetchKey struct{}

type fetchInfo struct {
	shop uint
	what string
}

// WithFetch marks ctx as a fetch for shop of what ("picture", "clip"): a
// client shared by several shops (one per event source) counts each
// refusal for the shop whose fetch it was.
func WithFetch(ctx context.Context, shop uint, what string) context.Context {
	return context.WithValue(ctx, fetchKey{}, fetchInfo{shop, what})
}

// forCtx is p with the shop and purpose of ctx's fetch, where p has none.
func (p Policy) forCtx(ctx context.Context) Policy {
	if ctx == nil {
		return p
	}
	if fi, ok := ctx.Value(fetchKey{}).(fetchInfo); ok {
		if p.Shop == 0 {
			p.Shop = fi.shop
		}
		if p.What == "" {
			p.What = fi.what
		}
	}
	return p
}

// refuse logs and counts a refusal and returns it as an error.
func (g *Guard) refuse(p Policy, reason Reason, host string) error {
	return g.Record(p, reason, host)
}

// RecordCtx is Record for the fetch ctx is marked with (WithFetch).
func (g *Guard) RecordCtx(ctx context.Context, p Policy, reason Reason, host string) *Refusal {
	return g.Record(p.forCtx(ctx), reason, host)
}

// Record counts and logs a refusal decided elsewhere (a body that sniffed
// as the wrong type) and returns it as an error.
func (g *Guard) Record(p Policy, reason Reason, host string) *Refusal {
	g.mu.Lock()
	k := countKey{p.Shop, reason}
	c := g.counts[k]
	if c == nil {
		c = &Count{Shop: p.Shop, Reason: reason}
		g.counts[k] = c
	}
	c.N++
	c.Last, c.LastHost, c.LastWhat = g.now(), host, p.What
	g.mu.Unlock()
	g.log.Warn("netguard: outbound fetch refused", "reason", string(reason), "host", host, "what", p.What, "shop", p.Shop)
	return &Refusal{Reason: reason, Host: host, What: p.What}
}

// Counts are the refusals counted for shop, most frequent first.
func (g *Guard) Counts(shop uint) []Count {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Count
	for k, c := range g.counts {
		if k.shop == shop {
			out = append(out, *c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// Total is how many of shop's fetches were refused.
func (g *Guard) Total(shop uint) int64 {
	var n int64
	for _, c := range g.Counts(shop) {
		n += c.N
	}
	return n
}

// CheckURL checks a URL's scheme and host against p (no resolution: the
// dial checks the addresses). It refuses (logging and counting) or returns
// nil.
func (g *Guard) CheckURL(p Policy, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("netguard: %s: not a URL", p.What)
	}
	return g.checkURL(p, u)
}

func (g *Guard) checkURL(p Policy, u *url.URL) error {
	host := strings.ToLower(u.Hostname())
	if u.Scheme != "http" && u.Scheme != "https" {
		return g.refuse(p, ReasonScheme, host)
	}
	if !p.hostAllowed(host) {
		return g.refuse(p, ReasonHost, host)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if r := p.ipAllowed(ip); r != "" {
			return g.refuse(p, r, host)
		}
	}
	return nil
}

// DialContext is a dialer for p: addr's host must be one p names; it is
// resolved once, every address is checked, and the checked addresses are
// dialled in turn (the caller's TLS still verifies the original name).
func (g *Guard) DialContext(p0 Policy) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		p := p0.forCtx(ctx)
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		host = strings.ToLower(host)
		if !p.hostAllowed(host) {
			return nil, g.refuse(p, ReasonHost, host)
		}
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(host); err == nil {
			ips = []netip.Addr{ip}
		} else {
			rnet := "ip"
			switch network {
			case "tcp4", "udp4":
				rnet = "ip4"
			case "tcp6", "udp6":
				rnet = "ip6"
			}
			ips, err = g.resolver.LookupNetIP(ctx, rnet, host)
			if err != nil {
				return nil, fmt.Errorf("netguard: resolve %s: %w", host, err)
			}
			if len(ips) == 0 {
				return nil, g.refuse(p, ReasonResolve, host)
			}
		}
		// Every answer must pass: a name that resolves to the camera and
		// to something internal is refused whole.
		for _, ip := range ips {
			if r := p.ipAllowed(ip); r != "" {
				return nil, g.refuse(p, r, host+" ("+ip.Unmap().String()+")")
			}
		}
		var first error
		for _, ip := range ips {
			conn, err := g.dial(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			if err == nil {
				return conn, nil
			}
			if first == nil {
				first = err
			}
			if ctx.Err() != nil {
				break
			}
		}
		return nil, first
	}
}

// Transport is an HTTP transport that dials only what p allows, with tc
// (nil: system roots) and no proxy (a proxy would dial for us, unchecked).
func (g *Guard) Transport(p Policy, tc *tls.Config) *http.Transport {
	if tc == nil {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	// A config cloned from a transport that has been used carries the
	// "h2" net/http added to it; offered as it is, an h2 server would wait
	// for a preface this transport never sends. The transport offers its
	// own protocols instead.
	tc = tc.Clone()
	tc.NextProtos = nil
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           g.DialContext(p),
		TLSClientConfig:       tc,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// Client is an HTTP client for p: the transport above, its URL checked
// before each request and on every redirect hop. timeout 0 means none (a
// stream).
func (g *Guard) Client(p Policy, tc *tls.Config, timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &checked{g: g, p: p, next: g.Transport(p, tc)},
		CheckRedirect: g.CheckRedirect(p)}
}

// Wrap puts p's URL check in front of an existing transport whose dialer
// is g.DialContext(p) (a caller that needs its own TLS verification).
func (g *Guard) Wrap(p Policy, next http.RoundTripper) http.RoundTripper {
	return &checked{g: g, p: p, next: next}
}

// CheckRedirect is an http.Client CheckRedirect enforcing p on each hop.
func (g *Guard) CheckRedirect(p Policy) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > p.MaxRedirects {
			if p.MaxRedirects == 0 {
				return http.ErrUseLastResponse
			}
			return g.refuse(p.forCtx(req.Context()), ReasonRedirects, strings.ToLower(req.URL.Hostname()))
		}
		return g.checkURL(p.forCtx(req.Context()), req.URL)
	}
}

// checked checks each request's URL before the transport sees it.
type checked struct {
	g    *Guard
	p    Policy
	next http.RoundTripper
}

func (c *checked) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := c.g.checkURL(c.p.forCtx(req.Context()), req.URL); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return c.next.RoundTrip(req)
}

// CloseIdleConnections passes on to the transport.
func (c *checked) CloseIdleConnections() {
	if ci, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// CheckBaseURL is the rule for a vendor account's base URL, which an admin
// configures: http(s) with a host; never a metadata, link-local, multicast
// or unspecified address. Loopback is allowed when written out as an
// address (the simulators live there), and any ordinary name or address
// otherwise. The dial still checks what a name resolves to
// (ForURLs(…, base)).
func CheckBaseURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return errors.New("netguard: not a URL with a host")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return &Refusal{Reason: ReasonScheme, Host: u.Hostname(), What: "vendor-api"}
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		if r := Classify(ip); r != "" && r != ReasonLoopback {
			return &Refusal{Reason: r, Host: u.Hostname(), What: "vendor-api"}
		}
	}
	return nil
}

// Redact returns err without the URL an http.Client puts in it (its query
// carries the vendor's auth_key): a Refusal as it is, a *url.Error as its
// operation, scheme, host and path.
func Redact(err error) error {
	if err == nil {
		return nil
	}
	if r, ok := IsRefusal(err); ok {
		return r
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		where := "?"
		if u, perr := url.Parse(ue.URL); perr == nil {
			where = u.Scheme + "://" + u.Host + u.Path
		}
		return fmt.Errorf("%s %s: %w", ue.Op, where, ue.Err)
	}
	return err
}

// LANCamera is the policy of the connections to a camera on the shop's
// LAN (its API, message channel, certificate check and RTSP): only the
// camera's recorded address, which may be private, link-local or loopback
// when written out as such, never metadata, and a name only if it resolves
// to ordinary addresses.
func LANCamera(shop uint, address string) Policy {
	return ForURLs(shop, "lan-camera", address)
}

// VendorAPI is the policy of the vendor API client (accounts' base URLs,
// which only an admin configures): any host, loopback allowed (the
// simulators live there, and an admin wrote it), private LAN addresses
// allowed (an on-premises SenseLink), never metadata, link-local,
// multicast or unspecified addresses, whatever a name resolves to.
func VendorAPI() Policy {
	return Policy{What: "vendor-api", AnyHost: true, AllowLoopback: true}
}
