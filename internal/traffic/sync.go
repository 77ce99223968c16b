// Package traffic runs the customer-traffic flows that span a vendor and the
// database: the scheduled sync of each shop's counters into local hourly
// buckets (with gap filling after an outage), resumable backfills, and the
// reports and CSV exports, which read only the local tables. Vendor calls
// happen here, never inside a database transaction and never in a handler.
package traffic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/models"
	"storelens/internal/secrets"
	"storelens/internal/vendors"
	"storelens/internal/vendors/opretail"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmilan"
)

// ErrNoSource means the shop has neither an OpRetail department, a Sunmi
// cloud shop nor a counting Sunmi camera on the LAN.
var ErrNoSource = errors.New("the shop has no traffic source")

// Settings keys.
const (
	SettingInterval = "traffic.sync_minutes"
	// DefaultInterval is how often counters are pulled when unset.
	DefaultInterval = 5 * time.Minute
	// gapLookback is how far back every run looks for days it lacks.
	gapLookback = 7
	// gapMaxDays bounds one run's gap filling; the rest waits a run.
	gapMaxDays = 31
	// gapHorizon is how far back an outage is repaired at all; older days
	// are the backfill's.
	gapHorizon = 92
	// backfillChunk is the days one backfill step pulls and saves.
	backfillChunk = 7
	// MaxBackfillDays bounds one backfill (two years).
	MaxBackfillDays = 731
	// frequencyDays is the frequency list's period, the vendor's longest.
	frequencyDays = 30
)

// Service is the traffic service.
type Service struct {
	Store    *models.Store
	Accounts *accounts.Service
	Log      *slog.Logger
	Now      func() time.Time
	// CallTimeout bounds one shop's sync (all its vendor calls).
	CallTimeout time.Duration
	// CutMonthsByDays makes a month report read every kept day of a month
	// its range cuts (the form before migration 0020), for
	// BenchmarkAllTrafficYear's comparison in the same run.
	CutMonthsByDays bool

	// BackfillPoll is how often the backfill loop looks for running
	// backfills it was not woken for: one started on another instance, or
	// left by an instance that died (30 s when zero).
	BackfillPoll time.Duration

	shopLocks sync.Map // shop id -> *sync.Mutex: one sync of a shop at a time
	wakeOnce  sync.Once
	wake      chan struct{}
	wg        sync.WaitGroup
	ctxMu     sync.Mutex
	ctx       context.Context // the background work's, from the last Start
}

func (s *Service) wakeCh() chan struct{} {
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
	return s.wake
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) lock(shopID uint) func() {
	m, _ := s.shopLocks.LoadOrStore(shopID, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// Zone loads a shop's time zone (the default one if unknown).
func Zone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	loc, _ := time.LoadLocation(models.DefaultTimezone)
	return loc
}

// SourceVendor names the vendor that counts the shop: its OpRetail
// department when linked, else its Sunmi cloud shop, else its counting
// Sunmi cameras on the LAN; "" when none. The one place for that order.
func SourceVendor(sh models.TrafficShop) string {
	switch {
	case sh.OpRetailAccountID != nil && sh.OpRetailDepID != "":
		return opretail.Name
	case sh.HasSunmi():
		return sunmicloud.Name
	case sh.LANCounters > 0:
		return sunmilan.Name
	}
	return ""
}

// source opens the vendor that counts the shop (SourceVendor).
func (s *Service) source(ctx context.Context, sh models.TrafficShop) (vendors.Traffic, vendors.TrafficTarget, string, error) {
	t := vendors.TrafficTarget{Location: Zone(sh.Timezone)}
	var accountID uint
	switch SourceVendor(sh) {
	case opretail.Name:
		accountID = *sh.OpRetailAccountID
		t.Shop = vendors.ShopRef{ShopID: sh.OpRetailDepID}
	case sunmicloud.Name:
		accountID = *sh.SunmiAccountID
		t.Shop = vendors.ShopRef{ShopNo: sh.SunmiShopNo, ShopID: sh.SunmiShopID, CompanyNo: sh.SunmiCompanyNo}
	case sunmilan.Name:
		c, err := s.lanCounter(ctx, sh.ID, &t)
		return c, t, sunmilan.Name, err
	default:
		return nil, t, "", ErrNoSource
	}
	ad, err := s.Accounts.Adapter(ctx, accountID)
	if err != nil {
		return nil, t, "", err
	}
	tr, err := vendors.AsTraffic(ad)
	if err != nil {
		return nil, t, "", err
	}
	return tr, t, ad.Vendor(), nil
}

// release lets a source go: a LAN counter holds a connection per camera.
func release(tr vendors.Traffic) {
	if c, ok := tr.(io.Closer); ok {
		c.Close()
	}
}

// lanCounter opens the shop's counting cameras on the LAN, each with its own
// account and pinned certificate (never trusting a new one: that is for an
// admin on the camera's page).
func (s *Service) lanCounter(ctx context.Context, shopID uint, t *vendors.TrafficTarget) (*sunmilan.Counter, error) {
	cams, err := s.Store.LANCounterCameras(ctx, shopID)
	if err != nil {
		return nil, err
	}
	if len(cams) == 0 {
		return nil, ErrNoSource
	}
	c := &sunmilan.Counter{Now: s.now}
	for _, cam := range cams {
		ad, err := s.Accounts.Adapter(ctx, *cam.LANAccountID)
		if err != nil {
			return nil, err
		}
		acc, ok := ad.(*sunmilan.Account)
		if !ok {
			return nil, fmt.Errorf("traffic: camera %s: account %d is not a LAN account", cam.SN, *cam.LANAccountID)
		}
		cl, err := acc.ForShop(cam.ShopID).Camera(cam.Address, cam.CertFingerprint, nil)
		if err != nil {
			return nil, err
		}
		c.Cameras = append(c.Cameras, cl)
		t.Devices = append(t.Devices, vendors.DeviceRef{SN: cam.SN})
	}
	return c, nil
}

// save stores one vendor day.
func (s *Service) save(ctx context.Context, shopID uint, loc *time.Location, d vendors.TrafficDay) error {
	from, to := d.Date.Start(loc).Unix(), d.Date.AddDays(1).Start(loc).Unix()
	day := models.TrafficDay{ShopID: shopID, Day: d.Date.String(), Final: d.Final}
	hours := make([]models.TrafficHour, 0, len(d.Hours))
	var have vendors.Have
	first := true
	for _, h := range d.Hours {
		if h.Start.Unix() < from || h.Start.Unix() >= to {
			continue // not this day's: never let a vendor's stray hour overwrite another day
		}
		c := counters(h.TrafficCounts)
		hours = append(hours, models.TrafficHour{ShopID: shopID, HourStart: h.Start.Unix(), Have: uint8(h.Have), TrafficCounters: c})
		day.TrafficCounters.Add(c)
		if first {
			have, first = h.Have, false
		} else {
			have &= h.Have // a counter is known for the day if every hour has it
		}
	}
	// The hours' unique people do not add up to the day's: the day keeps
	// only its own (or none).
	day.UniqTotal, day.UniqStrangers, day.UniqRegulars, day.UniqMembers = 0, 0, 0, 0
	have &^= vendors.HaveUnique
	if d.Have.Has(vendors.HaveUnique) {
		day.UniqTotal, day.UniqStrangers, day.UniqRegulars, day.UniqMembers = d.Day.UniqTotal, d.Day.UniqStrangers, d.Day.UniqRegulars, d.Day.UniqMembers
	}
	if d.Have.Has(vendors.HaveTags) && !have.Has(vendors.HaveTags) {
		day.Strangers, day.Regulars, day.Members = d.Day.Strangers, d.Day.Regulars, d.Day.Members
	}
	day.Have = uint8(have | d.Have)
	var ages []models.TrafficAge
	if d.Ages != nil {
		for i, a := range d.Ages {
			ages = append(ages, models.TrafficAge{ShopID: shopID, Day: day.Day, Age: i + 1, Male: a.Male, Female: a.Female,
				MaleRegular: a.MaleRegular, FemaleRegular: a.FemaleRegular, MaleMember: a.MaleMember, FemaleMember: a.FemaleMember,
				Strangers: a.Strangers, Regulars: a.Regulars, Members: a.Member})
		}
	}
	return s.Store.SaveTrafficDay(ctx, day, from, to, hours, ages)
}

func counters(c vendors.TrafficCounts) models.TrafficCounters {
	return models.TrafficCounters{Entries: c.Entries, EntriesFace: c.EntriesFace, EntriesNoFace: c.EntriesNoFace,
		PassersBy: c.PassersBy, LeftCount: c.Left, Strangers: c.Strangers, Regulars: c.Regulars, Members: c.Members,
		UniqTotal: c.UniqTotal, UniqStrangers: c.UniqStrangers, UniqRegulars: c.UniqRegulars, UniqMembers: c.UniqMembers}
}

// Result is what one sync did.
type Result struct {
	Days int // closed days filled
	Err  error
}

// SyncShop pulls a shop's today, fills the closed days it lacks since its
// last success (an outage's gap; a week at least, at most gapMaxDays a
// run), refreshes the visit frequency, and records the outcome.
func (s *Service) SyncShop(ctx context.Context, shopID uint) Result {
	defer s.lock(shopID)()
	if s.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.CallTimeout)
		defer cancel()
	}
	sh, err := s.Store.TrafficShopOf(ctx, models.AllShops(), shopID)
	if err != nil {
		return Result{Err: err}
	}
	st, err := s.Store.TrafficSyncState(ctx, shopID)
	if err != nil {
		return Result{Err: err}
	}
	now := s.now().UTC()
	st.LastAttemptAt = &now
	res := s.syncShop(ctx, sh, &st)
	if res.Err != nil {
		st.LastError = vendors.Compact(res.Err)
		if errors.Is(res.Err, ErrNoSource) {
			st.LastError = "no_source||"
		}
	} else {
		st.LastError = ""
		st.LastSuccessAt = &now
		st.TodaySyncedAt = &now
	}
	if err := s.Store.SaveTrafficSync(context.WithoutCancel(ctx), &st); err != nil {
		return Result{Days: res.Days, Err: errors.Join(res.Err, err)}
	}
	return res
}

func (s *Service) syncShop(ctx context.Context, sh models.TrafficShop, st *models.TrafficSync) Result {
	tr, target, src, err := s.source(ctx, sh)
	if err != nil {
		return Result{Err: err}
	}
	defer release(tr)
	st.Source = src
	loc := target.Location
	today := vendors.DateOf(s.now(), loc)
	day, err := tr.TrafficToday(ctx, target)
	if err != nil {
		return Result{Err: err}
	}
	if err := s.save(ctx, sh.ID, loc, day); err != nil {
		return Result{Err: err}
	}
	start := today.AddDays(-gapLookback)
	if st.LastSuccessAt != nil {
		if last := vendors.DateOf(*st.LastSuccessAt, loc).AddDays(-1); last.Before(start) {
			start = last
		}
	}
	if h := today.AddDays(-gapHorizon); start.Before(h) {
		start = h
	}
	yesterday := today.AddDays(-1)
	have, err := s.Store.FinalTrafficDays(ctx, sh.ID, start.String(), yesterday.String())
	if err != nil {
		return Result{Err: err}
	}
	var missing []vendors.Date
	for d := start; !d.After(yesterday) && len(missing) < gapMaxDays; d = d.AddDays(1) {
		if !have[d.String()] {
			missing = append(missing, d)
		}
	}
	filled := 0
	for _, span := range runs(missing) {
		days, err := tr.TrafficDays(ctx, target, span[0], span[1])
		for _, d := range days {
			if serr := s.save(ctx, sh.ID, loc, d); serr != nil {
				return Result{Days: filled, Err: serr}
			}
			filled++
		}
		if err != nil {
			return Result{Days: filled, Err: err}
		}
	}
	if err := s.frequency(ctx, tr, target, sh.ID, yesterday); err != nil {
		return Result{Days: filled, Err: err}
	}
	return Result{Days: filled}
}

// frequency stores the visit-frequency list of the 30 days ending `end`,
// once per period, where the vendor has one.
func (s *Service) frequency(ctx context.Context, tr vendors.Traffic, target vendors.TrafficTarget, shopID uint, end vendors.Date) error {
	vf, ok := tr.(vendors.VisitFrequency)
	if !ok {
		return nil
	}
	ends, err := s.Store.TrafficFrequencyPeriods(ctx, shopID)
	if err != nil || (len(ends) > 0 && ends[0] == end.String()) {
		return err
	}
	n := min(frequencyDays, vf.FrequencyMaxDays())
	start := end.AddDays(-(n - 1))
	list, err := vf.Frequency(ctx, target, start, end)
	if vendors.KindOf(err) == vendors.KindNoData {
		return nil
	}
	if err != nil {
		return err
	}
	rows := make([]models.TrafficFrequency, 0, len(list))
	for _, r := range list {
		rows = append(rows, models.TrafficFrequency{Visits: r.Visits, Strangers: r.Strangers, Regulars: r.Regulars, Members: r.Members})
	}
	return s.Store.SaveTrafficFrequency(ctx, shopID, start.String(), end.String(), rows)
}

// runs groups sorted dates into runs of consecutive days, each at most a
// backfill chunk long, so one vendor call covers as much as it can.
func runs(days []vendors.Date) [][2]vendors.Date {
	var out [][2]vendors.Date
	for _, d := range days {
		if n := len(out); n > 0 && out[n-1][1].AddDays(1) == d && out[n-1][0].DaysTo(d) < backfillChunk {
			out[n-1][1] = d
			continue
		}
		out = append(out, [2]vendors.Date{d, d})
	}
	return out
}

// RefreshToday pulls a shop's today when the stored one is older than
// maxAge: the open report page asks every few seconds, Sunmi refreshes
// today within 15 s (000 §4.1). A failure leaves the stored numbers.
func (s *Service) RefreshToday(ctx context.Context, shopID uint, maxAge time.Duration) error {
	st, err := s.Store.TrafficSyncState(ctx, shopID)
	if err != nil {
		return err
	}
	if st.TodaySyncedAt != nil && s.now().Sub(*st.TodaySyncedAt) < maxAge {
		return nil
	}
	defer s.lock(shopID)()
	st, err = s.Store.TrafficSyncState(ctx, shopID) // another refresh may have run while we waited
	if err != nil || (st.TodaySyncedAt != nil && s.now().Sub(*st.TodaySyncedAt) < maxAge) {
		return err
	}
	sh, err := s.Store.TrafficShopOf(ctx, models.AllShops(), shopID)
	if err != nil {
		return err
	}
	tr, target, _, err := s.source(ctx, sh)
	if err != nil {
		return err
	}
	defer release(tr)
	day, err := tr.TrafficToday(ctx, target)
	if err != nil {
		return err
	}
	if err := s.save(ctx, shopID, target.Location, day); err != nil {
		return err
	}
	now := s.now().UTC()
	st.TodaySyncedAt = &now
	return s.Store.SaveTrafficSync(ctx, &st)
}

// Interval is the configured time between scheduled syncs.
func (s *Service) Interval(ctx context.Context) time.Duration {
	v, err := s.Store.Setting(ctx, SettingInterval)
	if err != nil || v == "" {
		return DefaultInterval
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return DefaultInterval
	}
	return time.Duration(n) * time.Minute
}

// SetInterval stores the sync interval in whole minutes (1..1440).
func (s *Service) SetInterval(ctx context.Context, minutes int) error {
	if minutes < 1 || minutes > 1440 {
		return fmt.Errorf("traffic: interval %d minutes out of 1..1440", minutes)
	}
	return s.Store.SetSetting(ctx, SettingInterval, strconv.Itoa(minutes))
}

// SyncAll syncs every shop that has a source, one after another.
func (s *Service) SyncAll(ctx context.Context) {
	shops, err := s.Store.TrafficShops(ctx, models.AllShops())
	if err != nil {
		s.log().Warn("traffic sync: list shops", "err", err)
		return
	}
	for _, sh := range shops {
		if ctx.Err() != nil {
			return
		}
		if !sh.HasTrafficSource() {
			continue
		}
		if r := s.SyncShop(ctx, sh.ID); r.Err != nil && !errors.Is(r.Err, context.Canceled) {
			s.log().Warn("traffic sync failed", "shop", sh.ID, "err", r.Err)
		}
	}
}

// Start runs the scheduled sync and the backfill worker until ctx ends;
// Wait waits for them to stop.
func (s *Service) Start(ctx context.Context) {
	s.ctxMu.Lock()
	s.ctx = ctx
	s.ctxMu.Unlock()
	s.wakeCh()
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.schedule(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.backfillLoop(ctx)
	}()
}

// SyncAllNow syncs every shop in the background (stopped and waited for
// with the rest of the background work).
func (s *Service) SyncAllNow() {
	s.ctxMu.Lock()
	ctx := s.ctx
	s.ctxMu.Unlock()
	if ctx == nil || ctx.Err() != nil { // not started here, or no longer leading
		ctx = context.Background()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.SyncAll(ctx)
	}()
}

// Wait blocks until the background work has stopped.
func (s *Service) Wait() { s.wg.Wait() }

func (s *Service) schedule(ctx context.Context) {
	var last time.Time
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		if s.now().Sub(last) >= s.Interval(ctx) {
			last = s.now()
			s.SyncAll(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// OpRetailLogins returns the accounts.Service Extra hook that adds the
// OpRetail login, kept in opretail_accounts, to an OpRetail account.
func OpRetailLogins(st *models.Store, box *secrets.Box) func(models.VendorAccount, *vendors.Account) error {
	return func(a models.VendorAccount, acc *vendors.Account) error {
		if a.Vendor != opretail.Name {
			return nil
		}
		row, err := st.OpRetailLogin(context.Background(), a.ID)
		if errors.Is(err, models.ErrNotFound) {
			return nil // the adapter says a login is missing
		}
		if err != nil {
			return err
		}
		pw, err := box.Open(row.PasswordEnc)
		if err != nil {
			return accounts.ErrSecretUnreadable
		}
		acc.User, acc.Password = row.UserName, pw
		return nil
	}
}

// Today is the date now in loc.
func (s *Service) Today(loc *time.Location) vendors.Date { return vendors.DateOf(s.now(), loc) }
