package handlers

import (
	"bufio"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Whether a request is "effectively https": it came over TLS to us, or
// through a trusted proxy (--trusted-proxies) that says it received https
// (X-Forwarded-Proto), or the installation declares that browsers reach it
// over https (--public-url https://...). Such requests get HSTS, and every
// cookie set in their response is Secure. --secure-cookies forces Secure
// cookies on every response (a TLS proxy that sends no X-Forwarded-Proto)
// without claiming https for HSTS.

// parseProxies reads the trusted proxy list (addresses or CIDRs, checked at
// config load); an entry that does not parse trusts nothing.
func parseProxies(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range list {
		p = strings.TrimSpace(p)
		if pfx, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pfx.Masked())
		} else if ip, err := netip.ParseAddr(p); err == nil {
			out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
		}
	}
	return out
}

// fromTrustedProxy reports whether the request's peer is a trusted proxy.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	if len(s.proxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// isHTTPS reports whether the browser's request was https.
func (s *Server) isHTTPS(r *http.Request) bool {
	if r.TLS != nil || s.PublicHTTPS {
		return true
	}
	if !s.fromTrustedProxy(r) {
		return false
	}
	// The proxy nearest us wrote the last value.
	proto := r.Header.Values("X-Forwarded-Proto")
	if len(proto) == 0 {
		return false
	}
	last := proto[len(proto)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(last), "https")
}

// secureCookie reports whether cookies set for r must be Secure.
func (s *Server) secureCookie(r *http.Request) bool { return s.SecureCookies || s.isHTTPS(r) }

// secureCookies wraps next so that every cookie its responses set for an
// https request is Secure, whoever sets it (the session manager sets its
// cookie with one fixed flag for all requests).
func (s *Server) secureCookies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.secureCookie(r) {
			w = &secureCookieWriter{ResponseWriter: w}
		}
		next.ServeHTTP(w, r)
	})
}

type secureCookieWriter struct {
	http.ResponseWriter
	done bool
}

func (w *secureCookieWriter) fix() {
	if w.done {
		return
	}
	w.done = true
	h := w.ResponseWriter.Header()
	cs := h.Values("Set-Cookie")
	for i, c := range cs {
		if !hasSecure(c) {
			cs[i] = c + "; Secure"
		}
	}
}

func hasSecure(setCookie string) bool {
	for _, a := range strings.Split(setCookie, ";")[1:] {
		if strings.EqualFold(strings.TrimSpace(a), "secure") {
			return true
		}
	}
	return false
}

func (w *secureCookieWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.fix()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *secureCookieWriter) Write(b []byte) (int, error) {
	w.fix()
	return w.ResponseWriter.Write(b)
}

func (w *secureCookieWriter) Flush() {
	w.fix()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *secureCookieWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *secureCookieWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
