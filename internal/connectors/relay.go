package connectors

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"storelens/internal/models"
)

// Several instances (issue 16): a shop's tunnel lands on one instance, which
// records itself as the connector's holder (relay_url, refreshed with
// last_seen). Another instance that must reach the shop's LAN asks the
// holder over a websocket at RelayPath: the holder opens the stream on its
// tunnel (and counts its bytes, where the tunnel's page figures are), sends
// the edge's Reply as the first frame, then copies the bytes both ways. The
// edge sees nothing new.

// RelayPath is where an instance serves the tunnels it holds to the other
// instances; it must not be reachable from outside (deploy/nginx denies
// /internal/): its signature is the only credential.
const RelayPath = "/internal/connector/relay"

// relayMaxAge bounds a relay request's age, and the instances' clock skew.
const relayMaxAge = 30 * time.Second

var relayDialer = &websocket.Dialer{HandshakeTimeout: 15 * time.Second, ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10}

// relayQuery is req for shop as a query signed with key at now.
func relayQuery(key []byte, shop uint, req Request, now time.Time) url.Values {
	q := url.Values{"shop": {strconv.FormatUint(uint64(shop), 10)}, "op": {req.Op}, "addr": {req.Addr},
		"ts": {strconv.FormatInt(now.Unix(), 10)}}
	q.Set("mac", relayMAC(key, q))
	return q
}

// relayMAC signs q's fields as one JSON array, so no field's text can
// pass for another's.
func relayMAC(key []byte, q url.Values) string {
	b, _ := json.Marshal([]string{q.Get("shop"), q.Get("op"), q.Get("addr"), q.Get("ts")})
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// relayRequest is the shop and request of a query signed with key within
// relayMaxAge of now; false for any other.
func relayRequest(key []byte, q url.Values, now time.Time) (uint, Request, bool) {
	if len(key) == 0 || !hmac.Equal([]byte(q.Get("mac")), []byte(relayMAC(key, q))) {
		return 0, Request{}, false
	}
	ts, err := strconv.ParseInt(q.Get("ts"), 10, 64)
	if age := now.Sub(time.Unix(ts, 0)); err != nil || age > relayMaxAge || age < -relayMaxAge {
		return 0, Request{}, false
	}
	shop, err := strconv.ParseUint(q.Get("shop"), 10, 0)
	switch op := q.Get("op"); {
	case err != nil:
	case op == OpDial:
		return uint(shop), Request{Op: OpDial, Network: "tcp", Addr: q.Get("addr")}, true
	case op == OpDiscover:
		return uint(shop), Request{Op: OpDiscover}, true
	}
	return 0, Request{}, false
}

// Relay is the handler of GET RelayPath: another instance's dial or
// discovery for a shop whose tunnel this instance holds. 403: a bad or
// stale signature; 503: the shop's tunnel is not here. Otherwise a
// websocket whose first frame is the edge's Reply, then a dial's bytes.
func (h *Hub) Relay(w http.ResponseWriter, r *http.Request) {
	shop, req, ok := relayRequest(h.RelayKey, r.URL.Query(), time.Now())
	if !ok {
		http.Error(w, "bad or stale relay signature", http.StatusForbidden)
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "a websocket only", http.StatusBadRequest)
		return
	}
	t := h.tunnelOf(shop)
	if t == nil {
		http.Error(w, "the shop's connector is not connected to this instance", http.StatusServiceUnavailable)
		return
	}
	c, rep, err := h.openLocal(r.Context(), t, req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer c.Close()
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	wc := newRelayConn(ws)
	defer wc.Close()
	if err := WriteFrame(wc, rep); err != nil || req.Op != OpDial || !rep.OK {
		return
	}
	pipe(wc, c)
}

// pipe copies bytes both ways between a and b until either side ends,
// then closes both.
func pipe(a, b net.Conn) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	a.Close()
	b.Close()
	<-done
}

// openRelay is open through the instance holding the shop's tunnel.
func (h *Hub) openRelay(ctx context.Context, shop uint, req Request) (net.Conn, Reply, error) {
	base, err := h.holder(ctx, shop)
	if err != nil {
		return nil, Reply{}, err
	}
	u := "ws" + strings.TrimPrefix(base, "http") + RelayPath + "?" + relayQuery(h.RelayKey, shop, req, time.Now()).Encode()
	ws, res, err := relayDialer.DialContext(ctx, u, nil)
	if err != nil {
		if res != nil && res.StatusCode == http.StatusForbidden {
			return nil, Reply{}, fmt.Errorf("connectors: the instance at %s refused to relay: do all instances share one secret key?", base)
		}
		return nil, Reply{}, fmt.Errorf("%w: relay through %s: %v", ErrOffline, base, err)
	}
	c := newRelayConn(ws)
	rep, err := await(ctx, c, func() error { return nil })
	return c, rep, err
}

// holder is the address of the instance holding the shop's tunnel: the
// connector's relay_url when it is another instance's and was refreshed
// within SeenFresh. ErrOffline when there is none (or this instance does
// not relay: no InstanceURL).
func (h *Hub) holder(ctx context.Context, shop uint) (string, error) {
	if h.InstanceURL == "" || len(h.RelayKey) == 0 {
		return "", ErrOffline
	}
	c, err := h.Store.ShopConnector(ctx, shop)
	if errors.Is(err, models.ErrNotFound) {
		return "", ErrOffline
	}
	if err != nil {
		return "", err
	}
	if c.RelayURL == "" || c.RelayURL == h.InstanceURL || c.RelayAt == nil || h.Store.Now().Sub(*c.RelayAt) >= SeenFresh {
		return "", ErrOffline
	}
	return c.RelayURL, nil
}
