package events

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
	"storelens/internal/vendors/sunmilan/lanevents"
)

// The event deliveries a LAN camera record chooses (migration 0008).
const (
	DeliveryOff     = ""
	DeliveryWebhook = "webhook" // 003 IPC Notification Center §1
	DeliveryChannel = "channel" // §2
)

// ValidDelivery reports whether d is one of the deliveries.
func ValidDelivery(d string) bool {
	return d == DeliveryOff || d == DeliveryWebhook || d == DeliveryChannel
}

// Why a camera's delivery cannot run; the page says these in the user's
// language.
var (
	ErrNotLANCamera = errors.New("events: not a LAN camera")
	ErrNoLANAccount = errors.New("events: the camera has no LAN account")
	ErrNoCallback   = errors.New("events: this server's webhook address is not known")
	// ErrNoConnectorHook: the shop's on-site connector has not reported
	// its webhook receiver (it never connected, or runs without one).
	ErrNoConnectorHook = errors.New("events: the shop's on-site connector has not reported its webhook receiver; start storelens-edge with --hook-listen")
	ErrNoPin           = sunmilan.ErrNoPin
	ErrBadAddress      = errors.New("events: the camera's address is not host or host:port")
)

// cameraRun is the running source of one camera record.
type cameraRun struct {
	cfg    SourceConfig
	cancel context.CancelFunc
	done   chan struct{}
}

// origin is where a source's events come from: its shop, and its camera
// when it was built from a camera record.
func (c SourceConfig) origin() Origin {
	o := Origin{Source: c.ID(), ShopID: c.ShopID}
	if c.CameraID != 0 {
		id := c.CameraID
		o.CameraID, o.CameraName = &id, c.Name
	}
	return o
}

// cameraSource is the source a camera record's delivery asks for: the
// credentials of its LAN account, its pinned certificate, its address.
func (m *Sources) cameraSource(ctx context.Context, cam models.Camera) (SourceConfig, error) {
	if cam.Vendor != sunmilan.Name {
		return SourceConfig{}, ErrNotLANCamera
	}
	if cam.LANAccountID == nil || m.s.cfg.LANAccount == nil {
		return SourceConfig{}, ErrNoLANAccount
	}
	if cam.CertFingerprint == "" {
		return SourceConfig{}, ErrNoPin
	}
	api, err := sunmilan.NormalizeAddress(cam.Address)
	if err != nil {
		return SourceConfig{}, fmt.Errorf("%w: %v", ErrBadAddress, err)
	}
	acc, err := m.s.cfg.LANAccount(ctx, *cam.LANAccountID)
	if err != nil {
		return SourceConfig{}, fmt.Errorf("%w: %v", ErrNoLANAccount, err)
	}
	c := SourceConfig{Name: cam.Name, SN: cam.SN, ShopID: cam.ShopID, AppID: acc.AppID(), Secret: acc.Secret(),
		Pin: cam.CertFingerprint, CameraID: cam.ID, clientCert: acc.ClientCert()}
	switch cam.EventDelivery {
	case DeliveryWebhook:
		if m.s.cfg.ShopCallback != nil {
			cb, via, err := m.s.cfg.ShopCallback(ctx, cam.ShopID)
			if err != nil {
				return SourceConfig{}, err
			}
			if via {
				if cb == "" {
					return SourceConfig{}, ErrNoConnectorHook
				}
				c.Kind, c.APIURL, c.Callback = KindSunmiWebhook, "https://"+api, cb
				break
			}
		}
		if m.s.cfg.Callback == "" {
			return SourceConfig{}, ErrNoCallback
		}
		if host, _, _ := net.SplitHostPort(api); loopbackURL(m.s.cfg.Callback) && !loopbackHost(host) {
			return SourceConfig{}, ErrLoopbackCallback
		}
		c.Kind, c.APIURL, c.Callback = KindSunmiWebhook, "https://"+api, m.s.cfg.Callback
	case DeliveryChannel:
		host, _, _ := net.SplitHostPort(api)
		port := cam.ChannelPort
		if port == 0 && m.s.cfg.ChannelPort != nil {
			port = m.s.cfg.ChannelPort(cam.SN)
		}
		if port == 0 {
			port = lanevents.DefaultPort
		}
		c.Kind, c.Addr = KindSunmiChannel, net.JoinHostPort(host, strconv.Itoa(port))
	default:
		return SourceConfig{}, fmt.Errorf("events: unknown delivery %q", cam.EventDelivery)
	}
	return c, nil
}

// CheckCamera reports whether cam's delivery can run as it is (account,
// pinned certificate, address), without starting anything.
func (m *Sources) CheckCamera(ctx context.Context, cam models.Camera) error {
	if cam.EventDelivery == DeliveryOff {
		return nil
	}
	_, err := m.cameraSource(ctx, cam)
	return err
}

// cameraRefresh is how often the camera records are read again: a record
// changed elsewhere (a newly trusted certificate, a new address, a camera
// removed from its shop) moves its source without a restart.
const cameraRefresh = 30 * time.Second

// startCameras starts the sources of the camera records that chose a
// delivery (one that cannot run shows why on the settings page) and the
// record push of every SenseLink account a shop links, and keeps them in
// step with the records.
func (m *Sources) startCameras(ctx context.Context, wg *sync.WaitGroup) {
	if m.s.cfg.Store == nil {
		return
	}
	m.SyncCameras(ctx)
	m.SyncSenseLink(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(cameraRefresh)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.SyncCameras(ctx)
				m.SyncSenseLink(ctx)
			}
		}
	}()
}

// SyncCameras applies every camera record's delivery, and stops the
// sources of cameras no longer delivering (switched off or removed).
func (m *Sources) SyncCameras(ctx context.Context) {
	cams, err := m.s.cfg.Store.CamerasDeliveringEvents(ctx, sunmilan.Name)
	if err != nil {
		m.s.log.Error("events: camera sources", "err", err)
		return
	}
	keep := map[uint]bool{}
	for _, cam := range cams {
		keep[cam.ID] = true
		if err := m.ApplyCamera(ctx, cam); err != nil {
			m.s.log.Debug("events: camera source cannot run", "camera", cam.ID, "err", err)
		}
	}
	m.camMu.Lock()
	var gone []uint
	for id := range m.cams {
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	m.camMu.Unlock()
	for _, id := range gone {
		_ = m.ApplyCamera(ctx, models.Camera{ID: id, EventDelivery: DeliveryOff})
	}
}

// ApplyCamera makes the camera's running source match its record: the old
// one stops (a webhook subscription of ours is deleted from the camera
// when the camera stops posting to us), the new one starts. Before Start it
// does nothing: Start reads the records.
func (m *Sources) ApplyCamera(ctx context.Context, cam models.Camera) error {
	m.camMu.Lock()
	defer m.camMu.Unlock()
	m.mu.Lock()
	base, wg := m.ctx, m.wg
	m.mu.Unlock()
	if base == nil || base.Err() != nil {
		return nil
	}
	var next SourceConfig
	var nextErr error
	if cam.EventDelivery != DeliveryOff {
		next, nextErr = m.cameraSource(ctx, cam)
	}
	errID := "camera:" + strconv.FormatUint(uint64(cam.ID), 10)
	m.mu.Lock()
	refused := m.status[errID]
	delete(m.status, errID) // the last refusal, replaced below if it still stands
	m.mu.Unlock()
	old := m.cams[cam.ID]
	if old != nil {
		if nextErr == nil && sameCameraSource(old.cfg, next) {
			return nil // nothing changed (a restart of the same choice)
		}
		m.stopCamera(ctx, cam.ID, old, nextErr == nil && next.Kind == KindSunmiWebhook && next.Callback == old.cfg.Callback)
	}
	if nextErr != nil || cam.EventDelivery == DeliveryOff {
		if nextErr != nil {
			// Shown on the settings page until the camera can run.
			since := m.s.cfg.Now()
			if refused != nil && refused.Err == nextErr.Error() {
				since = refused.Since // the same refusal since then
			}
			m.mu.Lock()
			m.status[errID] = &SourceStatus{ID: errID, Kind: "sunmi-" + cam.EventDelivery, Name: cam.Name, SN: cam.SN, ShopID: cam.ShopID,
				Err: nextErr.Error(), Since: since}
			m.mu.Unlock()
		}
		return nextErr
	}
	m.mu.Lock()
	err := m.register(next)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(base)
	run := &cameraRun{cfg: next, cancel: cancel, done: make(chan struct{})}
	m.cams[cam.ID] = run
	m.launch(runCtx, wg, next, run.done)
	return nil
}

// sameCameraSource compares what a camera record's source is built from.
func sameCameraSource(a, b SourceConfig) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.SN == b.SN && a.ShopID == b.ShopID && a.AppID == b.AppID &&
		a.Secret == b.Secret && a.Addr == b.Addr && a.APIURL == b.APIURL && a.Callback == b.Callback && a.Pin == b.Pin &&
		certKey(a.clientCert) == certKey(b.clientCert)
}

// certKey names a client certificate by its leaf ("" for none): each read
// of the account opens a new one.
func certKey(c *tls.Certificate) string {
	if c == nil || len(c.Certificate) == 0 {
		return ""
	}
	return string(c.Certificate[0])
}

// stopCamera stops a camera's source and forgets it; unless the camera
// keeps posting to the same callback, our hook subscriptions are deleted.
func (m *Sources) stopCamera(ctx context.Context, id uint, r *cameraRun, keepHook bool) {
	r.cancel()
	<-r.done
	delete(m.cams, id)
	c := r.cfg
	m.mu.Lock()
	delete(m.status, c.ID())
	delete(m.clients, c.ID())
	if h, ok := m.hookCams[c.SN]; ok && h.CameraID == id {
		delete(m.hookCams, c.SN)
	}
	m.mu.Unlock()
	if c.Kind == KindSunmiWebhook && !keepHook {
		if err := m.unsubscribeHook(ctx, c); err != nil {
			m.s.log.Warn("events: camera keeps our webhook subscription", "sn", c.SN, "err", err)
		} else if err := m.s.cfg.Store.SetCameraHookCallback(ctx, id, ""); err != nil && !errors.Is(err, models.ErrNotFound) {
			m.s.log.Warn("events: forget the camera's callback", "camera", id, "err", err)
		}
	}
}

// unsubscribeHook deletes the topics the camera posts to our callback
// (003 §1.2.2 deletes a topic with all its callbacks: only topics listing
// ours are deleted).
func (m *Sources) unsubscribeHook(ctx context.Context, c SourceConfig) error {
	hooks, err := m.hookClient(c)
	if err != nil {
		return err
	}
	defer hooks.Close()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	subs, err := hooks.Hooks(ctx)
	if err != nil {
		return err
	}
	var topics []string
	for _, s := range subs {
		for _, cb := range s.Callbacks {
			if sunmilan.SameCallback(cb, c.Callback) {
				topics = append(topics, s.Event)
				break
			}
		}
	}
	if len(topics) == 0 {
		return nil
	}
	return hooks.DeleteHook(ctx, topics)
}

// SetCameraDelivery is a shop admin's choice of a LAN camera's event
// delivery: checked (it must be able to run), stored, audited, applied now.
func (s *Service) SetCameraDelivery(ctx context.Context, actor models.Actor, cam models.Camera, delivery string) error {
	if !ValidDelivery(delivery) {
		return fmt.Errorf("events: unknown delivery %q", delivery)
	}
	cam.EventDelivery = delivery
	if err := s.sources.CheckCamera(ctx, cam); err != nil {
		return err
	}
	if err := s.cfg.Store.SetCameraEventDelivery(ctx, cam.ID, delivery, cam.ChannelPort); err != nil {
		return err
	}
	shown := delivery
	if shown == DeliveryOff {
		shown = "off"
	}
	if err := s.cfg.Store.Audit(ctx, actor.Entry("events.delivery", "camera", cam.SN, shown)); err != nil {
		return err
	}
	return s.sources.ApplyCamera(ctx, cam)
}
