package edge

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"storelens/internal/netguard"
)

// DefaultPorts are the ports docs 003 and 004 use: the camera's HTTPS API
// (443), RTSP (554) and message channel (10021); a SenseLink server's API
// (004 names only http://host:port: 80 when the URL gives none, 443 for
// https) and its record push (ws://HOST:9000, NOTES 76). A SenseLink
// server on another port needs --ports.
var DefaultPorts = []int{80, 443, 554, 9000, 10021}

// Refusal reasons of the edge's dials.
const (
	ReasonBadAddr  = "bad-address"
	ReasonPort     = "port"
	ReasonRange    = "outside-allowed"
	ReasonMetadata = "metadata"
	ReasonInternal = "internal" // loopback, link-local, multicast, unspecified of this box
	ReasonResolve  = "resolve"
)

// Policy is what the edge may dial.
type Policy struct {
	// Allow are the LAN ranges; empty allows nothing.
	Allow []netip.Prefix
	// Explicit: Allow was configured (--allow), so a loopback or
	// link-local range it names is allowed (tests, a camera on such an
	// address); the default ranges never include them.
	Explicit bool
	// Ports allowed.
	Ports map[int]bool

	mu      sync.Mutex
	refused map[string]int64
}

// NewPolicy builds a policy.
func NewPolicy(allow []netip.Prefix, explicit bool, ports []int) *Policy {
	p := &Policy{Allow: allow, Explicit: explicit, Ports: map[int]bool{}}
	for _, x := range ports {
		p.Ports[x] = true
	}
	return p
}

// ParseAllow parses a comma-separated CIDR list (a bare address is /32 or /128).
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range splitList(s) {
		if pf, err := netip.ParsePrefix(f); err == nil {
			out = append(out, pf.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("--allow: %q is not a CIDR range or address", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// ParsePorts parses a comma-separated port list.
func ParsePorts(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("--ports: %q is not a port", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range splitComma(s) {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' || s[i] == ' ' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// InterfaceRanges are the subnets of this box's interfaces, without
// loopback and link-local ones: the default --allow.
func InterfaceRanges() ([]netip.Prefix, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(n.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if netguard.Classify(ip) != "" {
			continue
		}
		ones, _ := n.Mask.Size()
		if ip.Is4() && ones > 32 {
			ones -= 96
		}
		out = append(out, netip.PrefixFrom(ip, ones).Masked())
	}
	return out, nil
}

// check is "" when ip:port may be dialled, else the reason not: the
// address's first (what the admin most needs to hear), then the port's.
func (p *Policy) check(ip netip.Addr, port int) string {
	ip = ip.Unmap()
	r := netguard.Classify(ip)
	if r == netguard.ReasonMetadata {
		return ReasonMetadata
	}
	in := false
	for _, pf := range p.Allow {
		if pf.Contains(ip) {
			in = true
			break
		}
	}
	if !in {
		return ReasonRange
	}
	if r != "" && !p.Explicit {
		return ReasonInternal
	}
	if r == netguard.ReasonMulticast || r == netguard.ReasonUnspecified {
		return ReasonInternal
	}
	if !p.Ports[port] {
		return ReasonPort
	}
	return ""
}

// Resolve checks addr (host:port; a name is resolved once, every address
// checked) and returns the address to dial, or the refusal reason.
func (p *Policy) Resolve(ctx context.Context, addr string) (string, string) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", ReasonBadAddr
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 {
		return "", ReasonBadAddr
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else if ips, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host); err != nil || len(ips) == 0 {
		return "", ReasonResolve
	}
	for _, ip := range ips {
		if r := p.check(ip, port); r != "" {
			return "", r
		}
	}
	return net.JoinHostPort(ips[0].Unmap().String(), ps), ""
}

func (p *Policy) count(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refused == nil {
		p.refused = map[string]int64{}
	}
	p.refused[reason]++
}

// Refused is the count of refused dials by reason.
func (p *Policy) Refused() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int64, len(p.refused))
	for k, v := range p.refused {
		out[k] = v
	}
	return out
}
