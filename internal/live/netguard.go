package live

import (
	"crypto/tls"
	"net/http"
)

// mediaRedirects is how many redirects a vendor media URL may take (a CDN
// redirects once or twice), each hop checked by the session's policy.
const mediaRedirects = 3

// mediaHTTP is the client of the session's vendor media fetches: with a
// Guard and the session's Media policy, one that dials only what the
// policy allows (the vendor's media hosts, the camera's address), resolving
// each name once and re-checking every redirect; no overall timeout (a
// stream lasts for hours). Without them, Options.HTTP.
func (s *Session) mediaHTTP() *http.Client {
	g := s.m.opt.Guard
	if g == nil || s.info.Media == nil {
		return s.m.opt.HTTP
	}
	s.mediaOnce.Do(func() {
		var tc *tls.Config
		if t, ok := s.m.opt.HTTP.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
			tc = t.TLSClientConfig.Clone() // the vendor roots (the demo's CA)
		}
		p := *s.info.Media
		if p.MaxRedirects == 0 {
			p.MaxRedirects = mediaRedirects
		}
		if p.What == "" {
			p.What = "stream"
		}
		s.media = g.Client(p, tc, 0)
	})
	return s.media
}

// mediaDial is the dialer of the session's RTSP connection (only a LAN
// camera gives RTSP): the guard's for the session's Media policy (the
// camera's recorded address), nil (a plain dialer) without them; routed by
// Options.LANDial, so a shop with an on-site connector is reached through
// it and one RTSP session per camera crosses the shop's uplink.
func (s *Session) mediaDial() DialFunc {
	var d DialFunc
	if g := s.m.opt.Guard; g != nil && s.info.Media != nil {
		p := *s.info.Media
		if p.What == "" {
			p.What = "stream"
		}
		d = g.DialContext(p)
	}
	if s.m.opt.LANDial == nil || s.info.Media == nil || s.info.Media.Shop == 0 {
		return d
	}
	if d == nil {
		d = dialer.DialContext
	}
	return s.m.opt.LANDial(s.info.Media.Shop, d)
}
