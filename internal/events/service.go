// Package events is the event pipeline: the vendors' sources (the Sunmi
// camera webhook and message channel, the SenseLink record push) deliver
// events here; each is stored (once, by its vendor identity) before it is
// acknowledged to the vendor and before it is published to the browsers;
// pictures are fetched from the vendor once and kept; old events are
// removed after the retention period.
//
// One writer goroutine stores events in small batches (one transaction per
// batch) and publishes each batch in id order, so a browser that resumes
// from the last id it saw can never miss an event stored before it.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"storelens/internal/blobs"
	"storelens/internal/models"
	"storelens/internal/netguard"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
)

// Publisher is where stored events go (the live hub).
type Publisher interface {
	Publish(evs ...*models.Event)
	PublishPicture(shopID uint, eventID int64)
}

// Config builds a Service.
type Config struct {
	Store *models.Store
	Hub   Publisher
	// DataDir holds the kept pictures (DataDir/events/pictures) unless
	// Pictures is set.
	DataDir string
	// Pictures keeps the fetched pictures (nil: files in DataDir); the
	// database's when several instances share it.
	Pictures blobs.Store
	// HTTP fetches pictures and clips from the vendors.
	HTTP *http.Client
	Log  *slog.Logger
	Now  func() time.Time
	// BatchMax bounds the events stored in one transaction (128).
	BatchMax int
	// PictureWorkers fetch pictures in parallel (2).
	PictureWorkers int
	// LANAccount opens a LAN camera's vendor account (accounts): the
	// credentials of its camera-record source (cameras.go).
	LANAccount func(ctx context.Context, accountID uint) (*sunmilan.Account, error)
	// ChannelPort is the message channel's port of a camera whose record
	// sets none (nil or 0: 10021). The demo's simulated camera shares
	// 127.0.0.1 with everything else, so its port comes from the simulator.
	ChannelPort func(sn string) int
	// Callback is where cameras post their webhooks to this server
	// (CallbackURL: --public-url's, else the listen address's; "":
	// unknown, so no camera can be switched to webhook).
	Callback string
	// Credentials opens a vendor account's sealed credentials (accounts):
	// a SenseLink account's key and secret, for its record push.
	Credentials func(models.VendorAccount) (vendors.Account, error)
	// SenseLinkPushURL is the record push server of a SenseLink API base
	// (nil or "": the base's host on port 9000, PushURLOf). The demo's
	// simulated company serves its push beside its API.
	SenseLinkPushURL func(baseURL string) string
	// Guard is the outbound policy every picture and clip fetch goes
	// through (nil: one of its own); its refusal counts feed the Health tab.
	// LANDial, when set, dials a LAN camera of a shop (chain mode: through
	// the shop's on-site connector); nil: Guard's LANCamera policy.
	LANDial func(shop uint, address string) sunmilan.DialFunc
	// ShopCallback, when set, is the webhook callback for a camera of shop
	// in chain mode: via true when the shop has an on-site connector (then
	// its receiver on the LAN, "" while it has never reported one), via
	// false for Callback.
	ShopCallback func(ctx context.Context, shop uint) (callback string, via bool, err error)
	Guard        *netguard.Guard
	// WebhookWindow is how far a webhook's timestamp may be from our clock
	// (5 minutes).
	WebhookWindow time.Duration
	// Replay is where accepted webhook posts are remembered: ReplayStored
	// (the database, shared by every instance) or ReplayMemory; "" for
	// the database's default (stored on PostgreSQL, memory on SQLite).
	Replay string
	// Trace, if set, is told of every stored batch before it is published:
	// when the writer took it from the queue and when its transaction
	// committed (the benchmarks' per-stage latency).
	Trace func(evs []*models.Event, taken, committed time.Time)
	// Elected makes the sources' vendor connections wait for this
	// instance to lead them (Sources.Lead, lead.go): several instances on
	// one database. False: they run from Start.
	Elected bool
}

// Service is the event pipeline.
type Service struct {
	cfg  Config
	log  *slog.Logger
	jobs chan *job

	resolveMu sync.Mutex
	resolved  map[string]resolvedDevice // vendor/sn -> shop and camera

	alertMu sync.Mutex
	alerts  map[uint]alertRule
	pics    *pictures
	sources *Sources

	stop context.CancelFunc
	wg   sync.WaitGroup

	noMedia *http.Client // refuses every link (an unknown source's)
}

type job struct {
	ev     *models.Event
	id     int64 // set by the writer before done
	stored bool  // false for a duplicate
	done   chan error
}

// Origin says where an event came from: the configured source and the shop
// (and camera, if known) its device belongs to.
type Origin struct {
	Source     string
	ShopID     uint
	CameraID   *uint
	CameraName string
}

// ErrUnknownDevice is an event from a device no source or camera names.
var ErrUnknownDevice = errors.New("events: event from an unknown device")

// New returns the pipeline; Start runs it.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.BatchMax <= 0 {
		cfg.BatchMax = 128
	}
	if cfg.PictureWorkers <= 0 {
		cfg.PictureWorkers = 2
	}
	if cfg.WebhookWindow <= 0 {
		cfg.WebhookWindow = 5 * time.Minute
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	s := &Service{cfg: cfg, log: cfg.Log, jobs: make(chan *job, 1024),
		resolved: map[string]resolvedDevice{}, alerts: map[uint]alertRule{}}
	if cfg.Guard == nil {
		s.cfg.Guard = netguard.New(netguard.Options{Log: cfg.Log})
	}
	s.noMedia = s.cfg.Guard.Client(netguard.Policy{}, nil, 30*time.Second)
	s.pics = newPictures(s)
	s.sources = newSources(s)
	return s
}

// Start runs the writer, the picture fetchers, the retention sweep and the
// configured sources until Close.
func (s *Service) Start(ctx context.Context) {
	ctx, s.stop = context.WithCancel(ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.writer(ctx)
	}()
	s.pics.start(ctx, &s.wg)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.retentionLoop(ctx)
	}()
	s.sources.start(ctx, &s.wg)
}

// Close stops everything Start started and waits for it.
func (s *Service) Close() error {
	if s.stop != nil {
		s.stop()
	}
	s.wg.Wait()
	return nil
}

// Sources is the running event sources.
func (s *Service) Sources() *Sources { return s.sources }

// Result is what Submit did with an event.
type Result struct {
	ID     int64 // the stored event's id (the earlier one's for a duplicate)
	Stored bool  // false for a duplicate
}

// Submit stores one vendor event from origin and returns once it is
// durable (or known already): only then may the vendor be told it arrived.
func (s *Service) Submit(ctx context.Context, o Origin, ev vendors.Event) (Result, error) {
	row, err := s.toRow(ctx, o, ev)
	if err != nil {
		return Result{}, err
	}
	j := &job{ev: row, done: make(chan error, 1)}
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case err := <-j.done:
		if err != nil {
			return Result{}, err
		}
		return Result{ID: j.id, Stored: j.stored}, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// toRow turns a vendor event into a row: the shop and camera it belongs
// to, the shop's alert rule, the vendor's extras as JSON.
func (s *Service) toRow(ctx context.Context, o Origin, ev vendors.Event) (*models.Event, error) {
	if ev.Key == "" {
		return nil, fmt.Errorf("events: %s event without identity", ev.Vendor)
	}
	d, err := s.resolve(ctx, o, ev)
	if err != nil {
		return nil, err
	}
	row := &models.Event{
		ShopID: d.shopID, CameraID: d.cameraID, CameraName: d.cameraName, DeviceSN: ev.DeviceSN, Vendor: ev.Vendor,
		Source: o.Source, DedupeKey: ev.Key, VendorEventID: ev.ID, Kind: string(ev.Kind), OccurredAt: ev.At.UTC(),
		ReceivedAt: s.cfg.Now().UTC(), PersonID: ev.PersonID, CloudPersonID: ev.CloudPersonID, PersonName: ev.PersonName,
		GroupName: ev.Group, GroupKind: string(ev.GroupKind), Age: ev.Age, AgeRange: int(ev.AgeRange), Gender: string(ev.Gender),
		Visits: ev.Visits, Motion: string(ev.Motion), MotionRaw: ev.MotionRaw, PictureSrc: ev.PictureURL, ClipSrc: ev.ClipURL,
	}
	if row.CameraName == "" {
		row.CameraName = ev.DeviceName
	}
	if row.OccurredAt.IsZero() {
		row.OccurredAt = row.ReceivedAt
	}
	if len(ev.Attrs) > 0 {
		b, _ := json.Marshal(ev.Attrs)
		row.Attrs = string(b)
	}
	if ev.Kind == vendors.EventFace {
		rule, err := s.alertRule(ctx, d.shopID)
		if err != nil {
			return nil, err
		}
		row.Alert = rule.matches(ev.Group, string(ev.GroupKind))
	}
	return row, nil
}

// writer stores queued events in batches and publishes them in id order.
func (s *Service) writer(ctx context.Context) {
	batch := make([]*job, 0, s.cfg.BatchMax)
	rows := make([]*models.Event, 0, s.cfg.BatchMax)
	for {
		batch, rows = batch[:0], rows[:0]
		select {
		case <-ctx.Done():
			s.drainJobs(ctx.Err())
			return
		case j := <-s.jobs:
			batch = append(batch, j)
		}
	fill:
		for len(batch) < s.cfg.BatchMax {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		for _, j := range batch {
			rows = append(rows, j.ev)
		}
		taken := time.Now()
		stored, err := s.insert(ctx, rows)
		if err != nil {
			s.log.Error("events: store failed; the vendors will deliver again", "events", len(rows), "err", err)
			for _, j := range batch {
				j.done <- err
			}
			continue
		}
		var fresh []*models.Event
		for i, j := range batch {
			j.stored, j.id = stored[i], j.ev.ID
			if stored[i] {
				fresh = append(fresh, j.ev)
			}
		}
		if s.cfg.Trace != nil {
			s.cfg.Trace(fresh, taken, time.Now())
		}
		if len(fresh) > 0 {
			s.cfg.Hub.Publish(fresh...)
		}
		for _, j := range batch {
			j.done <- nil
		}
		for _, ev := range fresh {
			if ev.PictureSrc != "" {
				s.pics.queue(ev.ID, ev.ShopID, ev.Source, ev.PictureSrc)
			}
		}
	}
}

// insert stores rows, retrying briefly on a busy database so a passing
// lock does not turn into a redelivery.
func (s *Service) insert(ctx context.Context, rows []*models.Event) ([]bool, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var stored []bool
		if stored, err = s.cfg.Store.InsertEvents(ctx, rows); err == nil {
			return stored, nil
		}
		if ctx.Err() != nil || !strings.Contains(err.Error(), "database is locked") {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, err
}

func (s *Service) drainJobs(err error) {
	for {
		select {
		case j := <-s.jobs:
			j.done <- err
		default:
			return
		}
	}
}

type resolvedDevice struct {
	shopID     uint
	cameraID   *uint
	cameraName string
	at         time.Time
}

// resolve finds the shop and camera of an event's device: the camera
// record with that serial number (the same camera is reached through the
// cloud and on the LAN), else the shop the source names.
func (s *Service) resolve(ctx context.Context, o Origin, ev vendors.Event) (resolvedDevice, error) {
	key := o.Source + "|" + ev.DeviceSN
	now := s.cfg.Now()
	s.resolveMu.Lock()
	d, ok := s.resolved[key]
	s.resolveMu.Unlock()
	if ok && now.Sub(d.at) < time.Minute {
		return d, nil
	}
	d = resolvedDevice{shopID: o.ShopID, cameraID: o.CameraID, cameraName: o.CameraName, at: now}
	if ev.DeviceSN != "" {
		cam, err := s.cfg.Store.AnyCameraBySN(ctx, ev.DeviceSN)
		switch {
		case err == nil:
			id := cam.ID
			d.cameraID, d.cameraName = &id, cam.Name
			if d.shopID == 0 {
				d.shopID = cam.ShopID
			}
		case !errors.Is(err, models.ErrNotFound):
			return d, err
		}
	}
	if d.shopID == 0 {
		return d, fmt.Errorf("%w: %s %s", ErrUnknownDevice, ev.Vendor, ev.DeviceSN)
	}
	s.resolveMu.Lock()
	s.resolved[key] = d
	s.resolveMu.Unlock()
	return d, nil
}

// alertRule is a shop's alert groups.
type alertRule struct {
	groups map[string]bool
	at     time.Time
}

func (r alertRule) matches(group, kind string) bool {
	return r.groups[strings.ToLower(strings.TrimSpace(group))] || (kind != "" && r.groups[kind])
}

// DefaultAlertGroups is what raises an alert in a shop with no settings
// saved: Sunmi's "vip" group, and the member kind it maps to.
const DefaultAlertGroups = "vip"

// ParseAlertGroups reads a comma- or newline-separated list of group names.
func ParseAlertGroups(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '\n' || r == ';' }) {
		g = strings.TrimSpace(g)
		if k := strings.ToLower(g); g != "" && !seen[k] {
			seen[k] = true
			out = append(out, g)
		}
	}
	return out
}

func (s *Service) alertRule(ctx context.Context, shopID uint) (alertRule, error) {
	now := s.cfg.Now()
	s.alertMu.Lock()
	r, ok := s.alerts[shopID]
	s.alertMu.Unlock()
	if ok && now.Sub(r.at) < 30*time.Second {
		return r, nil
	}
	st, err := s.cfg.Store.ShopEventSettingsOf(ctx, shopID)
	if err != nil {
		return r, err
	}
	groups := st.AlertGroups
	if groups == "" {
		groups = DefaultAlertGroups
	}
	r = alertRule{groups: map[string]bool{}, at: now}
	for _, g := range ParseAlertGroups(groups) {
		r.groups[strings.ToLower(g)] = true
	}
	s.alertMu.Lock()
	s.alerts[shopID] = r
	s.alertMu.Unlock()
	return r, nil
}

// SaveShopSettings stores a shop's alert groups; they apply to the next
// event at once.
func (s *Service) SaveShopSettings(ctx context.Context, shopID uint, groups []string) error {
	if err := s.cfg.Store.SaveShopEventSettings(ctx, models.ShopEventSettings{ShopID: shopID, AlertGroups: strings.Join(groups, ", ")}); err != nil {
		return err
	}
	s.alertMu.Lock()
	delete(s.alerts, shopID)
	s.alertMu.Unlock()
	return nil
}

// ShopAlertGroups is a shop's alert groups as shown in its settings.
func (s *Service) ShopAlertGroups(ctx context.Context, shopID uint) ([]string, error) {
	st, err := s.cfg.Store.ShopEventSettingsOf(ctx, shopID)
	if err != nil {
		return nil, err
	}
	if st.AlertGroups == "" {
		return ParseAlertGroups(DefaultAlertGroups), nil
	}
	return ParseAlertGroups(st.AlertGroups), nil
}
