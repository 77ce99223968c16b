package main

import (
	"context"
	"net"
	"net/http"
	"sync"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
)

// shopHTTP gives the account of a vendor server inside a shop (a SenseLink
// server on the shop's LAN: vendors.Account.ViaShop) an HTTP client that
// dials through that shop's on-site connector (lanDial: the guard allows
// only the address dialled, and without a paired connector it is dialled
// directly). TLS stays end to end: the edge forwards bytes. One client per
// shop, so its connections are reused across requests.
type shopHTTP struct {
	base *http.Client // the vendors' client: its TLS trust and timeouts
	dial func(shop uint, address string) sunmilan.DialFunc

	mu      sync.Mutex
	clients map[uint]*http.Client
}

func (s *shopHTTP) client(shop uint) *http.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[shop]; ok {
		return c
	}
	var tr *http.Transport
	if s.base != nil {
		if t, ok := s.base.Transport.(*http.Transport); ok {
			tr = t.Clone()
		}
	}
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	tr.Proxy = nil
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return s.dial(shop, addr)(ctx, network, addr)
	}
	c := &http.Client{Transport: tr}
	if s.base != nil {
		c.Timeout, c.CheckRedirect = s.base.Timeout, s.base.CheckRedirect
	}
	if s.clients == nil {
		s.clients = map[uint]*http.Client{}
	}
	s.clients[shop] = c
	return c
}

// factory wraps a vendor's factory: an account inside a shop gets the
// shop's client instead of the installation's.
func (s *shopHTTP) factory(f vendors.Factory) vendors.Factory {
	return func(acc vendors.Account, hc *http.Client) (vendors.Adapter, error) {
		if acc.ViaShop != 0 {
			hc = s.client(acc.ViaShop)
		}
		return f(acc, hc)
	}
}
