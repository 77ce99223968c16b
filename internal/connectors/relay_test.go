package connectors_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/hashicorp/yamux"

	"storelens/internal/connectors"
	"storelens/internal/connectors/edge"
	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// relayKey is what every instance of a test derives from its secret key.
var relayKey = []byte("relay-test-key-0123456789abcdef!")

// peer is another instance on c's database: it holds no tunnel (its
// address is never dialled).
func (c *central) peer() *connectors.Hub {
	return &connectors.Hub{Store: c.st, InstanceURL: "http://127.0.0.1:9", RelayKey: relayKey}
}

// copier accepts on addr and sends every byte back.
func copier(t *testing.T, addr string) net.Listener {
	return acceptor(t, addr, func(c net.Conn) { io.Copy(c, c) })
}

func portOf(ln net.Listener) int {
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return atoi(p)
}

// relayed is a central with an edge online on it (allowed 127.0.0.2 and
// ports), recorded as the tunnel's holder.
func relayed(t *testing.T, ports []int, mod func(*edge.Config)) (*central, *edgeRun) {
	t.Helper()
	c := newCentral(t)
	policy := edge.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, true, append(append([]int(nil), edge.DefaultPorts...), ports...))
	r := c.newEdge(t, t.TempDir(), policy, mod)
	if _, err := r.e.Pair(context.Background(), c.code(t)); err != nil {
		t.Fatal(err)
	}
	r.start(t)
	r.waitUp(t)
	waitFor(t, "the tunnel's holder recorded", 5*time.Second, func() bool { return c.holder(t).RelayURL == c.relay.URL })
	return c, r
}

func (c *central) holder(t *testing.T) models.Connector {
	t.Helper()
	conn, err := c.st.ShopConnector(context.Background(), c.shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestRelayDialAndDiscover: the edge's tunnel is on instance A; instance B
// dials the shop's LAN through A: an echo both ways (a lone 12-byte write
// that looks like a yamux header is not held back, 1 MiB comes back
// whole, the end reads as EOF), a refusal with its reason, and discovery.
// The bytes and the refusal are counted on A, which holds the tunnel.
func TestRelayDialAndDiscover(t *testing.T) {
	echo := listener(t, "127.0.0.2:0")
	cp := copier(t, "127.0.0.2:0")
	cam, err := lansim.New(lansim.Options{SN: "RELAYCAM0001", Model: "FM020", MAC: "a1b2c3d4e5f6", AppID: "a", Secret: "s", ActivationCode: "x"})
	if err != nil {
		t.Fatal(err)
	}
	disc, err := lansim.ListenDiscovery("127.0.0.2:0", cam)
	if err != nil {
		t.Fatal(err)
	}
	defer disc.Close()
	c, _ := relayed(t, []int{portOf(echo), portOf(cp)}, func(cfg *edge.Config) {
		cfg.Discovery = sunmilan.DiscoverOptions{Target: disc.Addr(), Listen: "127.0.0.2:0", Requests: 2, Interval: 200 * time.Millisecond, Window: time.Second}
	})
	b := c.peer()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	conn, err := b.DialContext(ctx, c.shop.ID, "tcp", echo.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("hello"))
	got, err := io.ReadAll(conn)
	conn.Close()
	if string(got) != "echo:hello" || err != nil {
		t.Fatalf("through the relay: %q %v", got, err)
	}

	conn, err = b.DialContext(ctx, c.shop.ID, "tcp", cp.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	header := []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 5}
	conn.Write(header)
	back := make([]byte, len(header))
	if _, err := io.ReadFull(conn, back); err != nil || !bytes.Equal(back, header) {
		t.Fatalf("a lone 12-byte write: %v %v", back, err)
	}
	big := make([]byte, 1<<20)
	rand.Read(big)
	go conn.Write(big)
	back = make([]byte, len(big))
	if _, err := io.ReadFull(conn, back); err != nil || !bytes.Equal(back, big) {
		t.Fatalf("1 MiB through the relay: %v", err)
	}
	conn.Close()

	_, err = b.DialContext(ctx, c.shop.ID, "tcp", "127.0.0.2:22")
	var rf *connectors.Refused
	if !errors.As(err, &rf) || rf.Reason != edge.ReasonPort {
		t.Fatalf("a refused port through the relay: %v", err)
	}

	found, err := b.Discover(ctx, c.shop.ID)
	if err != nil || len(found) != 1 || found[0].SN != "RELAYCAM0001" {
		t.Fatalf("discovery through the relay: %+v %v", found, err)
	}

	want := int64(5 + len(header) + len(big))
	waitFor(t, "A counts the relayed bytes", 5*time.Second, func() bool {
		s, _ := c.hub.Status(ctx, c.shop.ID)
		return s.BytesOut == want && s.BytesIn == want+5
	})
	s, err := c.hub.Status(ctx, c.shop.ID)
	if err != nil || s.Refused != 1 || len(s.Flows) != 1 || s.Flows[0].Host != "127.0.0.2" {
		t.Fatalf("A's status %+v %v", s, err)
	}
	if s, _ := b.Status(ctx, c.shop.ID); s.Online || s.BytesIn != 0 {
		t.Fatalf("B's status %+v: B holds no tunnel", s)
	}
}

// TestRelaySignature: the holder serves only a request signed with the
// shared key within 30 s, for the fields signed; a signed one for a shop
// whose tunnel it does not hold is 503.
func TestRelaySignature(t *testing.T) {
	c, _ := relayed(t, nil, nil)
	other := models.Shop{Name: "Shop B", Timezone: "Asia/Shanghai"}
	if err := c.st.CreateShop(context.Background(), &other); err != nil {
		t.Fatal(err)
	}
	dial := connectors.Request{Op: connectors.OpDial, Addr: "127.0.0.2:443"}
	now := time.Now()
	tampered := connectors.RelayQuery(relayKey, c.shop.ID, dial, now)
	tampered.Set("addr", "127.0.0.2:554")
	unsigned := connectors.RelayQuery(relayKey, c.shop.ID, dial, now)
	unsigned.Del("mac")
	for name, tc := range map[string]struct {
		q    url.Values
		want int
	}{
		"unsigned":      {unsigned, http.StatusForbidden},
		"another key":   {connectors.RelayQuery([]byte("another key"), c.shop.ID, dial, now), http.StatusForbidden},
		"a field moved": {tampered, http.StatusForbidden},
		"31 s old":      {connectors.RelayQuery(relayKey, c.shop.ID, dial, now.Add(-31*time.Second)), http.StatusForbidden},
		"31 s ahead":    {connectors.RelayQuery(relayKey, c.shop.ID, dial, now.Add(31*time.Second)), http.StatusForbidden},
		"not held here": {connectors.RelayQuery(relayKey, other.ID, dial, now), http.StatusServiceUnavailable},
	} {
		req, _ := http.NewRequest(http.MethodGet, c.relay.URL+connectors.RelayPath+"?"+tc.q.Encode(), nil)
		for k, v := range map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="} {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Errorf("%s: %s, want %d", name, res.Status, tc.want)
		}
	}
	// The caller's side of a refusal: a key the holder does not share.
	b := c.peer()
	b.RelayKey = []byte("another key")
	if _, err := b.DialContext(context.Background(), c.shop.ID, "tcp", "127.0.0.2:443"); err == nil || !strings.Contains(err.Error(), "refused to relay") {
		t.Fatalf("dial with another key: %v", err)
	}
}

// TestRelayOnlyToAFreshHolder: a holder whose relay_at is older than
// SeenFresh, this instance itself, or none, is not dialled (ErrOffline,
// no request reaches A); an instance without InstanceURL never relays; a
// holder that lost the tunnel answers 503 (ErrOffline); and when A's
// tunnel closes it releases the connector.
func TestRelayOnlyToAFreshHolder(t *testing.T) {
	c, r := relayed(t, nil, nil)
	ctx := context.Background()
	b := c.peer()
	id := c.holder(t).ID
	offline := func(what string, h *connectors.Hub) {
		t.Helper()
		before := c.relayHits.Load()
		if _, err := h.DialContext(ctx, c.shop.ID, "tcp", "127.0.0.2:443"); !errors.Is(err, connectors.ErrOffline) {
			t.Fatalf("%s: dial %v, want ErrOffline", what, err)
		}
		if _, err := h.Discover(ctx, c.shop.ID); !errors.Is(err, connectors.ErrOffline) {
			t.Fatalf("%s: discover %v, want ErrOffline", what, err)
		}
		if n := c.relayHits.Load() - before; n != 0 {
			t.Fatalf("%s: %d requests reached A", what, n)
		}
	}
	stale := time.Now().Add(-connectors.SeenFresh - time.Second)
	if err := c.st.DB().Model(&models.Connector{}).Where("id = ?", id).Update("relay_at", stale).Error; err != nil {
		t.Fatal(err)
	}
	offline("stale relay_at", b)
	if err := c.st.HoldConnector(ctx, id, b.InstanceURL); err != nil {
		t.Fatal(err)
	}
	offline("B itself recorded", b)
	if err := c.st.HoldConnector(ctx, id, c.relay.URL); err != nil {
		t.Fatal(err)
	}
	offline("no --instance-url", &connectors.Hub{Store: c.st, RelayKey: relayKey})
	// Fresh again: B's dial reaches A and the edge (nothing listens there).
	before := c.relayHits.Load()
	if _, err := b.DialContext(ctx, c.shop.ID, "tcp", "127.0.0.2:443"); err == nil || errors.Is(err, connectors.ErrOffline) || c.relayHits.Load() != before+1 {
		t.Fatalf("through a fresh holder: %v, want the edge's dial error", err)
	}

	r.stop()
	waitFor(t, "A releases the connector", 10*time.Second, func() bool { return c.holder(t).RelayURL == "" && c.holder(t).RelayAt == nil })
	offline("released", b)
	// A row still naming A after A lost the tunnel: A answers 503.
	if err := c.st.HoldConnector(ctx, id, c.relay.URL); err != nil {
		t.Fatal(err)
	}
	before = c.relayHits.Load()
	if _, err := b.DialContext(ctx, c.shop.ID, "tcp", "127.0.0.2:443"); !errors.Is(err, connectors.ErrOffline) || c.relayHits.Load() != before+1 {
		t.Fatalf("through a holder without the tunnel: %v", err)
	}
}

// rawTunnel is an edge's tunnel opened by hand with priv (paired): the
// test decides when each one opens and closes.
func (c *central) rawTunnel(t *testing.T, priv ed25519.PrivateKey) *yamux.Session {
	t.Helper()
	d := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: c.pool}, HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial("wss"+strings.TrimPrefix(c.srv.URL, "https")+connectors.TunnelPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	var hello connectors.Hello
	var res connectors.Result
	pub := priv.Public().(ed25519.PublicKey)
	if err := ws.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteJSON(connectors.Auth{Proto: connectors.Proto, Version: "raw", Key: pub, Sig: ed25519.Sign(priv, connectors.SignedChallenge(hello.Nonce))}); err != nil {
		t.Fatal(err)
	}
	if err := ws.ReadJSON(&res); err != nil || !res.OK {
		t.Fatalf("tunnel refused: %+v %v", res, err)
	}
	sess, err := yamux.Server(connectors.NewWSConn(ws), connectors.YamuxConfig(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}

// TestRelayHoldKeptByANewerTunnel: the edge reconnects to the same
// instance before the old tunnel ends there; the old one's end does not
// clear the hold the new one has; the new one's end does.
func TestRelayHoldKeptByANewerTunnel(t *testing.T) {
	c := newCentral(t)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	body, _ := json.Marshal(connectors.PairRequest{Code: c.code(t), Key: pub, Name: "raw"})
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.pool}}, Timeout: 5 * time.Second}
	res, err := hc.Post(c.srv.URL+connectors.PairPath, "application/json", bytes.NewReader(body))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("pair: %v %v", res, err)
	}
	res.Body.Close()
	c.rawTunnel(t, priv)
	waitFor(t, "the first tunnel's hold", 5*time.Second, func() bool { return c.holder(t).RelayURL == c.relay.URL })
	second := c.rawTunnel(t, priv)
	waitFor(t, "the first tunnel's end", 5*time.Second, func() bool { return strings.Contains(c.log.String(), "connector offline") })
	if h := c.holder(t); h.RelayURL != c.relay.URL {
		t.Fatalf("the replaced tunnel's end released the connector: %q", h.RelayURL)
	}
	second.Close()
	waitFor(t, "the second tunnel's release", 5*time.Second, func() bool { return c.holder(t).RelayURL == "" })
}
