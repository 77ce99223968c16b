package events

import (
	"crypto/tls"
	"net/http"
	"time"

	"storelens/internal/netguard"
)

// mediaRedirects is how many redirects a picture or clip link may take,
// each hop checked again by the policy.
const mediaRedirects = 3

// mediaPolicy is what a source's picture and clip links may reach: the
// source's own recorded addresses (a camera's api_url or channel address,
// SenseLink's base, websocket and image URLs) and its media_hosts, each
// address literal allowed as itself even when it is loopback (the
// simulators, the loopback tests). Nothing else: not another host on the
// shop's network, not a name that resolves somewhere internal, never a
// cloud metadata address.
func (c SourceConfig) mediaPolicy() netguard.Policy {
	p := netguard.ForURLs(0, "", c.APIURL, c.Addr, c.BaseURL, c.WSURL, c.ImageURL)
	for _, h := range c.MediaHosts {
		p = p.With(h)
	}
	p.MaxRedirects = mediaRedirects
	return p
}

// mediaClient is the client for a source's media links: its policy, its
// TLS trust (a camera's pinned certificate), else the server's vendor
// roots. The shop a refusal counts for comes with each request
// (netguard.WithFetch).
func (m *Sources) mediaClient(c SourceConfig, tc *tls.Config) *http.Client {
	if tc == nil || tc.RootCAs == nil && !tc.InsecureSkipVerify {
		tc = m.s.vendorTLS()
	}
	if c.ViaShop != 0 {
		// A server inside a shop: its pictures come through the shop's
		// connector, still checked against the source's hosts.
		p := c.mediaPolicy()
		tr := m.s.cfg.Guard.Transport(p, tc)
		tr.DialContext = m.shopDial(c.ViaShop)
		return &http.Client{Timeout: 30 * time.Second, Transport: m.s.cfg.Guard.Wrap(p, tr), CheckRedirect: m.s.cfg.Guard.CheckRedirect(p)}
	}
	return m.s.cfg.Guard.Client(c.mediaPolicy(), tc, 30*time.Second)
}

// vendorTLS is the TLS trust of the configured vendor client (extra roots).
func (s *Service) vendorTLS() *tls.Config {
	if t, ok := s.cfg.HTTP.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		return t.TLSClientConfig.Clone()
	}
	return &tls.Config{MinVersion: tls.VersionTLS12}
}

// Guard is the outbound policy of the pipeline's fetches (its refusal
// counts are the Health tab's).
func (s *Service) Guard() *netguard.Guard { return s.cfg.Guard }
