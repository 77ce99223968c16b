package events

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"storelens/internal/models"
	"storelens/internal/netguard"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink/push"
	"storelens/internal/vendors/sunmilan"
	"storelens/internal/vendors/sunmilan/lanevents"
)

// The kinds of source.
const (
	KindSunmiChannel = "sunmi-channel" // 003 §2: we connect to the camera
	KindSunmiWebhook = "sunmi-webhook" // 003 §1: the camera posts to us
	KindSenseLink    = "senselink-push"
)

// SourceConfig is one running event source. Every source is built from
// records: a LAN camera's delivery (cameras.go), a SenseLink account that a
// shop links (senselink.go); the demo builds its simulated cloud cameras'
// sources in process. There is no configuration file: the secrets are the
// sealed ones of the vendor accounts.
type SourceConfig struct {
	Kind string
	Name string // shown on the settings page

	// Sunmi cameras (both kinds).
	SN     string
	ShopID uint
	AppID  string
	Secret string
	// Addr is the camera's message channel, host:10021.
	Addr      string
	KeepAlive int // seconds
	// APIURL is the camera's HTTPS base (https://<ip>): a webhook source
	// with one subscribes Callback with hook/add at start.
	APIURL   string
	Callback string
	// The camera's self-signed certificate (NOTES.md item 50), pinned: a
	// PEM, or its fingerprint (hex SHA-256) as a camera record keeps it.
	CAPEM string
	Pin   string
	// MediaHosts are hosts (names or addresses) the source's picture and
	// clip links may name besides its own address (APIURL, Addr).
	MediaHosts []string
	// CameraID is the camera record a source was built from (cameras.go);
	// clientCert is its LAN account's client certificate.
	CameraID   uint
	clientCert *tls.Certificate

	// SenseLink: the account (vendor_accounts.id) whose company pushes its
	// records, its API and push server, and its sealed key and secret.
	AccountID uint
	// ViaShop: the SenseLink server is inside this shop, reached through
	// its on-site connector (chain mode); 0: directly.
	ViaShop   uint
	BaseURL   string
	WSURL     string
	ImageURL  string
	AppKey    string
	AppSecret string
	// Heartbeat is the push's ping period in seconds (30).
	Heartbeat int
	// shops are the shops linking the account (sorted).
	shops []uint
}

// ID names a source (and is stored with its events): a SenseLink source
// is its account (the catch-up after a reconnect starts from the newest
// record stored under this id).
func (c SourceConfig) ID() string {
	switch c.Kind {
	case KindSenseLink:
		if c.AccountID != 0 {
			return c.Kind + ":account-" + strconv.FormatUint(uint64(c.AccountID), 10)
		}
		return c.Kind + ":" + c.AppKey
	}
	return c.Kind + ":" + c.SN
}

func (c SourceConfig) validate() error {
	switch c.Kind {
	case KindSunmiChannel:
		if c.Addr == "" {
			return errors.New("sunmi-channel needs addr")
		}
		fallthrough
	case KindSunmiWebhook:
		if c.SN == "" || c.AppID == "" || c.Secret == "" {
			return errors.New("a Sunmi camera needs sn, app_id and secret")
		}
	case KindSenseLink:
		if c.BaseURL == "" || c.WSURL == "" || c.AppKey == "" || c.AppSecret == "" {
			return errors.New("senselink-push needs base_url, ws_url, app_key and app_secret")
		}
	default:
		return fmt.Errorf("unknown kind %q", c.Kind)
	}
	return nil
}

// certPEM is the camera's certificate (CAPEM).
func (c SourceConfig) certPEM() ([]byte, error) { return []byte(c.CAPEM), nil }

// pin is the camera's certificate fingerprint: Pin, else that of the
// certificate in CAPEM ("" when neither).
func (c SourceConfig) pin() (string, error) {
	if c.Pin != "" {
		return c.Pin, nil
	}
	pemData, err := c.certPEM()
	if err != nil {
		return "", err
	}
	if block, _ := pem.Decode(pemData); block != nil {
		return sunmilan.CertFingerprint(block.Bytes), nil
	}
	return "", nil
}

// tlsConfig is a source's TLS trust. A Sunmi camera's connections (its
// message channel, its media links) are pinned to its certificate by the
// camera LAN adapter's rule, as its hook calls are; SenseLink's server
// certificate is verified as every vendor call is (the system roots, the
// demo's and --vendor-ca's authority: the pipeline's HTTP client).
func (c SourceConfig) tlsConfig() (*tls.Config, error) {
	if c.Kind == KindSunmiChannel || c.Kind == KindSunmiWebhook {
		pin, err := c.pin()
		if err != nil {
			return nil, err
		}
		if pin != "" {
			return sunmilan.PinnedTLS(pin, c.clientCert)
		}
	}
	return nil, nil // the vendors' client's trust
}

// hookClient is the camera LAN adapter's client for the hook calls, pinned
// to the camera's own (self-signed) certificate.
func (m *Sources) hookClient(c SourceConfig) (*sunmilan.Client, error) {
	u, err := url.Parse(c.APIURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("api_url %q: want https://<camera address>", c.APIURL)
	}
	pin, err := c.pin()
	if err != nil {
		return nil, err
	}
	if pin == "" {
		return nil, errors.New("the camera's certificate (pin or PEM) is needed to pin its HTTPS")
	}
	return sunmilan.New(sunmilan.Config{Address: u.Host, AppID: c.AppID, Secret: c.Secret, Pin: pin, ClientCert: c.clientCert, Timeout: 15 * time.Second,
		Dial: m.lanDial(c, u.Host)})
}

// lanDial is the outbound guard's dialer of the camera at address.
// shopDial dials any address the caller names on shop's LAN (lanDial's,
// per address: the guard allows only that one).
func (m *Sources) shopDial(shop uint) sunmilan.DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return m.lanDial(SourceConfig{ShopID: shop}, addr)(ctx, network, addr)
	}
}

// throughShop is hc dialling with dial instead (its TLS and timeouts kept).
func throughShop(hc *http.Client, dial sunmilan.DialFunc) *http.Client {
	var tr *http.Transport
	if hc != nil {
		if t, ok := hc.Transport.(*http.Transport); ok {
			tr = t.Clone()
		}
	}
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	tr.Proxy, tr.DialContext = nil, dial
	out := &http.Client{Transport: tr}
	if hc != nil {
		out.Timeout, out.CheckRedirect = hc.Timeout, hc.CheckRedirect
	}
	return out
}

func (m *Sources) lanDial(c SourceConfig, address string) sunmilan.DialFunc {
	if m.s.cfg.LANDial != nil {
		return m.s.cfg.LANDial(c.ShopID, address)
	}
	return m.s.cfg.Guard.DialContext(netguard.LANCamera(c.ShopID, address))
}

// SourceStatus is what the settings page shows of a source.
type SourceStatus struct {
	ID, Kind, Name, SN string
	ShopID             uint
	Shops              []uint // a SenseLink push: every shop linking its account
	Connected          bool
	Err                string
	Since              time.Time
	Events             int64
	LastEvent          time.Time
	// Standby: another instance runs its connection (lead.go); this one
	// still receives what the source posts.
	Standby bool
}

// Sources runs the configured sources and receives the webhooks.
type Sources struct {
	s      *Service
	mu     sync.Mutex
	list   []SourceConfig
	status map[string]*SourceStatus
	// webhook: app_id -> secret, and camera SN -> source
	hookApps map[string]string
	hookCams map[string]SourceConfig
	replay   ReplayCache
	// clients fetch each source's pictures and clips with its TLS trust
	// (a camera's own certificate).
	clients map[string]*http.Client

	// The camera records' sources (cameras.go), started and stopped as
	// their delivery changes, under the context and group of Start.
	ctx   context.Context
	wg    *sync.WaitGroup
	camMu sync.Mutex // one change of a camera's source at a time
	cams  map[uint]*cameraRun
	// The SenseLink accounts' pushes (senselink.go), by account.
	linkMu sync.Mutex
	links  map[uint]*cameraRun
	// gate is open while this instance runs the vendor connections.
	gate *gate
}

func newSources(s *Service) *Sources {
	return &Sources{s: s, status: map[string]*SourceStatus{}, hookApps: map[string]string{}, hookCams: map[string]SourceConfig{},
		replay: newReplayCache(s), clients: map[string]*http.Client{}, cams: map[uint]*cameraRun{},
		links: map[uint]*cameraRun{}, gate: newGate(!s.cfg.Elected)}
}

// Configure adds sources built in process (the demo's simulated cloud
// cameras, tests); call before Start. Deployments configure nothing here:
// their sources follow the records.
func (m *Sources) Configure(list []SourceConfig) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range list {
		if err := m.register(c); err != nil {
			return err
		}
		m.list = append(m.list, c)
	}
	return nil
}

// register makes a source known (status, webhook receiver, media client);
// m.mu is held.
func (m *Sources) register(c SourceConfig) error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("events: source %s: %w", c.ID(), err)
	}
	tc, err := c.tlsConfig()
	if err != nil {
		return fmt.Errorf("events: source %s: %w", c.ID(), err)
	}
	m.clients[c.ID()] = m.mediaClient(c, tc) // media.go: only the source's own hosts
	m.status[c.ID()] = &SourceStatus{ID: c.ID(), Kind: c.Kind, Name: c.Name, SN: c.SN, ShopID: c.ShopID, Shops: c.shops}
	if c.Kind == KindSunmiWebhook {
		m.hookApps[c.AppID] = c.Secret
		m.hookCams[c.SN] = c
	}
	return nil
}

// client is the HTTP client for a source's media links.
func (m *Sources) client(source string) *http.Client {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.clients[source]; ok {
		return c
	}
	return m.s.noMedia // a source we do not know names no host we may fetch
}

// Status lists the sources and how they are doing, by id.
func (m *Sources) Status() []SourceStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]SourceStatus, 0, len(m.status))
	for _, st := range m.status {
		o := *st
		o.Shops = append([]uint(nil), st.Shops...)
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (m *Sources) setState(id string, connected bool, err error, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st := m.status[id]; st != nil {
		st.Connected, st.Since, st.Err = connected, at, ""
		if err != nil {
			st.Err = err.Error()
		}
	}
}

func (m *Sources) counted(id string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st := m.status[id]; st != nil {
		st.Events++
		st.LastEvent = at
	}
}

func (m *Sources) start(ctx context.Context, wg *sync.WaitGroup) {
	m.mu.Lock()
	list := append([]SourceConfig(nil), m.list...)
	m.ctx, m.wg = ctx, wg
	m.mu.Unlock()
	for _, c := range list {
		m.launch(ctx, wg, c)
	}
	m.startCameras(ctx, wg)
}

// launch runs one source in its goroutine; done (if any) closes when it
// ends.
func (m *Sources) launch(ctx context.Context, wg *sync.WaitGroup, c SourceConfig, done ...chan struct{}) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, d := range done {
			defer close(d)
		}
		for {
			m.setStandby(c.ID(), true)
			lead, stop, ok := m.gate.wait(ctx)
			if !ok {
				return
			}
			m.setStandby(c.ID(), false)
			err := m.run(lead, c)
			ended := lead.Err() != nil
			stop()
			if ctx.Err() != nil {
				return
			}
			if ended {
				// The lead moved to another instance: this one waits to
				// lead again.
				m.setState(c.ID(), false, nil, m.s.cfg.Now())
				continue
			}
			if err != nil {
				m.s.log.Error("events: source stopped", "source", c.ID(), "err", err)
				m.setState(c.ID(), false, err, m.s.cfg.Now())
			}
			return
		}
	}()
}

func (m *Sources) setStandby(id string, standby bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st := m.status[id]; st != nil {
		st.Standby = standby && m.s.cfg.Elected
	}
}

// handler stores one event of a source. The event's device finds its shop
// and camera by its camera record (resolve); a SenseLink device with no
// record is in the one shop linking the account (in none when several do:
// acknowledged and logged, so a camera record must say which).
func (m *Sources) handler(c SourceConfig) func(context.Context, vendors.Event) error {
	return func(ctx context.Context, ev vendors.Event) error {
		_, err := m.s.Submit(ctx, c.origin(), ev)
		if errors.Is(err, ErrUnknownDevice) {
			// Not ours to keep: acknowledged so it is not sent forever.
			m.s.log.Warn("events: event from a device in no shop", "source", c.ID(), "sn", ev.DeviceSN)
			return nil
		}
		if err == nil {
			m.counted(c.ID(), m.s.cfg.Now())
		}
		return err
	}
}

func (m *Sources) run(ctx context.Context, c SourceConfig) error {
	tc, err := c.tlsConfig()
	if err != nil {
		return err
	}
	onChannel := func(st lanevents.ChannelState) { m.setState(c.ID(), st.Connected, st.Err, st.Since) }
	switch c.Kind {
	case KindSunmiChannel:
		if tc == nil {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		return lanevents.RunChannel(ctx, lanevents.ChannelConfig{Addr: c.Addr, TLS: tc, AppID: c.AppID, Secret: c.Secret,
			KeepAlive: time.Duration(c.KeepAlive) * time.Second, Handle: m.handler(c), OnState: onChannel, Log: m.s.log,
			Dial: m.lanDial(c, c.Addr)})
	case KindSunmiWebhook:
		return m.subscribeHook(ctx, c)
	case KindSenseLink:
		id := c.ID()
		hc := m.s.cfg.HTTP
		dialer := &websocket.Dialer{HandshakeTimeout: 10 * time.Second, TLSClientConfig: vendorTLS(m.s.cfg.HTTP)}
		if c.ViaShop != 0 {
			// Inside a shop: the push and its catch-up go through the
			// shop's connector; TLS stays ours, end to end.
			dial := m.shopDial(c.ViaShop)
			hc = throughShop(hc, dial)
			dialer.NetDialContext = dial
		}
		return push.Run(ctx, push.Config{BaseURL: c.BaseURL, WSURL: c.WSURL, ImageURL: c.ImageURL, AppKey: c.AppKey, AppSecret: c.AppSecret,
			HTTP:      hc,
			Dialer:    dialer,
			Handle:    m.handler(c),
			Since:     func(ctx context.Context) (push.Cursor, bool, error) { return m.cursor(ctx, id) },
			Heartbeat: time.Duration(c.Heartbeat) * time.Second,
			OnState:   func(st push.State) { m.setState(id, st.Connected, st.Err, st.Since) },
			Log:       m.s.log})
	}
	return nil
}

// vendorTLS is the TLS trust of the vendors' HTTP client, for the
// websocket that goes to the same servers.
func vendorTLS(hc *http.Client) *tls.Config {
	if hc != nil {
		if t, ok := hc.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
			tc := t.TLSClientConfig.Clone()
			// net/http adds h2 to a transport's config once it is used; a
			// websocket handshake is HTTP/1.1 only.
			tc.NextProtos = nil
			return tc
		}
	}
	return &tls.Config{MinVersion: tls.VersionTLS12}
}

// cursor is the newest SenseLink record a source stored.
func (m *Sources) cursor(ctx context.Context, source string) (push.Cursor, bool, error) {
	rows, err := m.s.cfg.Store.SourceLast(ctx, source, 50)
	if err != nil {
		return push.Cursor{}, false, err
	}
	var c push.Cursor
	for _, r := range rows {
		if id, err := strconv.ParseInt(r.VendorEventID, 10, 64); err == nil && id > c.ID {
			c = push.Cursor{ID: id, At: r.OccurredAt}
		}
	}
	return c, c.ID > 0, nil
}

// subscribeHook makes sure the camera posts to our callback (003 §1.2.1),
// retrying until it answers; the posts themselves arrive at the receiver.
func (m *Sources) subscribeHook(ctx context.Context, c SourceConfig) error {
	if c.APIURL == "" || c.Callback == "" {
		m.setState(c.ID(), true, nil, m.s.cfg.Now()) // subscribed by hand: we only receive
		return nil
	}
	hooks, err := m.hookClient(c)
	if err != nil {
		m.setState(c.ID(), false, err, m.s.cfg.Now())
		return err
	}
	defer hooks.Close()
	wait := time.Second
	for {
		err := hooks.AddHook(ctx, []string{sunmilan.EventFaceRecog, sunmilan.EventDynamicDetect}, c.Callback)
		var ve *vendors.Error
		if errors.As(err, &ve) && ve.Code == 311 { // an FM010: motion only
			err = hooks.AddHook(ctx, []string{sunmilan.EventDynamicDetect}, c.Callback)
		}
		if err == nil {
			m.s.log.Info("events: camera posts its events to us", "sn", c.SN, "callback", c.Callback)
			if c.CameraID != 0 && m.s.cfg.Store != nil {
				// Shown on the camera's pages: the address it was given.
				if err := m.s.cfg.Store.SetCameraHookCallback(ctx, c.CameraID, c.Callback); err != nil && !errors.Is(err, models.ErrNotFound) {
					m.s.log.Warn("events: record the camera's callback", "camera", c.CameraID, "err", err)
				}
			}
			m.setState(c.ID(), true, nil, m.s.cfg.Now())
			return nil
		}
		m.setState(c.ID(), false, err, m.s.cfg.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Minute)
	}
}

// Webhook refusals, for the receiver to answer.
var (
	ErrWebhookUnknownApp = errors.New("events: webhook from an unknown app")
	ErrWebhookUnknownSN  = errors.New("events: webhook from a camera not configured for webhooks")
)

// ReceiveWebhook verifies and stores one notification-center post (003
// §1.3): the signature with the app's secret, a fresh timestamp, not seen
// before; only then is its event stored. Any refusal stores nothing.
func (m *Sources) ReceiveWebhook(ctx context.Context, p lanevents.WebhookPost) (stored bool, err error) {
	return m.receiveWebhook(ctx, p, m.s.cfg.Now(), 0)
}

// ErrWebhookWrongShop: a post forwarded by one shop's connector names a
// camera of another shop.
var ErrWebhookWrongShop = errors.New("events: webhook forwarded by another shop's connector")

// ReceiveForwarded is ReceiveWebhook for a post shop's on-site connector
// queued at received (chain mode): its timestamp window is checked
// against the time the edge took it from the camera, not now (it may have
// waited out a WAN outage), and its camera must be of that shop. The
// rest is as for a direct post: verified, then stored once (the store's
// dedupe; a post seen again is no error, stored false).
func (m *Sources) ReceiveForwarded(ctx context.Context, shop uint, received time.Time, p lanevents.WebhookPost) (stored bool, err error) {
	if now := m.s.cfg.Now(); received.After(now) {
		received = now // an edge's clock ahead of ours: never refuse for it
	}
	stored, err = m.receiveWebhook(ctx, p, received, shop)
	if errors.Is(err, lanevents.ErrReplay) {
		return false, nil // the edge sent it again: stored before
	}
	return stored, err
}

// ReceiveForwardedPost is ReceiveForwarded of a raw post (its body and
// Content-Type, as the camera sent it to the edge).
func (m *Sources) ReceiveForwardedPost(ctx context.Context, shop uint, received time.Time, contentType string, body []byte) (bool, error) {
	p, err := lanevents.ParseWebhook(contentType, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	return m.ReceiveForwarded(ctx, shop, received, p)
}

// WebhookFinal reports whether a refusal of ReceiveForwarded is for good
// (the edge drops the post) rather than "try again".
func WebhookFinal(err error) bool {
	for _, e := range []error{lanevents.ErrSignature, lanevents.ErrStale, lanevents.ErrPayload, lanevents.ErrWebhookForm, lanevents.ErrTooLarge,
		ErrWebhookUnknownApp, ErrWebhookUnknownSN, ErrWebhookWrongShop} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (m *Sources) receiveWebhook(ctx context.Context, p lanevents.WebhookPost, at time.Time, shop uint) (stored bool, err error) {
	now := m.s.cfg.Now()
	m.mu.Lock()
	secret, ok := m.hookApps[p.AppID]
	m.mu.Unlock()
	if !ok {
		return false, ErrWebhookUnknownApp
	}
	if err := p.Verify(secret, at, m.s.cfg.WebhookWindow); err != nil {
		return false, err
	}
	ts, _ := p.Time()
	key := p.AppID + "|" + strings.ToUpper(p.Sign)
	if fresh, err := m.replay.Check(ctx, key, ts, now); err != nil {
		return false, fmt.Errorf("events: webhook replay cache: %w", err)
	} else if !fresh {
		return false, lanevents.ErrReplay
	}
	ev, err := lanevents.ParsePayload(p.Payload, lanevents.Webhook, now)
	if err != nil {
		m.replay.Forget(ctx, key)
		return false, err
	}
	m.mu.Lock()
	c, ok := m.hookCams[ev.DeviceSN]
	m.mu.Unlock()
	if !ok || c.AppID != p.AppID {
		m.replay.Forget(ctx, key)
		return false, ErrWebhookUnknownSN
	}
	if shop != 0 && c.ShopID != shop {
		m.replay.Forget(ctx, key)
		return false, ErrWebhookWrongShop
	}
	res, err := m.s.Submit(ctx, c.origin(), ev)
	if err != nil {
		m.replay.Forget(ctx, key) // the camera's retry must get through
		return false, err
	}
	m.counted(c.ID(), now)
	return res.Stored, nil
}
