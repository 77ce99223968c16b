package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Event is a face recognition or motion event from a vendor. Its id is the
// cursor a browser resumes its live feed from.
type Event struct {
	ID            int64 `gorm:"primaryKey"`
	ShopID        uint
	CameraID      *uint
	CameraName    string
	DeviceSN      string `gorm:"column:device_sn"`
	Vendor        string
	Source        string
	DedupeKey     string
	VendorEventID string
	Kind          string // "face" or "motion"
	OccurredAt    time.Time
	ReceivedAt    time.Time
	PersonID      string
	CloudPersonID string
	PersonName    string
	GroupName     string
	GroupKind     string
	Age           int
	AgeRange      int
	Gender        string
	Visits        int
	Motion        string
	MotionRaw     int
	Alert         bool
	PictureSrc    string // vendor URL, server side only
	ClipSrc       string // vendor URL, server side only
	Picture       string // kept file name, "" until fetched
	PictureTries  int
	Attrs         string // JSON object of the vendor's extra attributes
}

// ShopEventSettings are a shop's event settings.
type ShopEventSettings struct {
	ShopID      uint `gorm:"primaryKey"`
	AlertGroups string
}

// EventsRetentionKey is the app setting holding the retention in days.
const EventsRetentionKey = "events.retention_days"

// DefaultEventsRetentionDays is the retention when none is set.
const DefaultEventsRetentionDays = 90

const insertEventSQL = `INSERT INTO events (shop_id, camera_id, camera_name, device_sn, vendor, source, dedupe_key,
	vendor_event_id, kind, occurred_at, received_at, person_id, cloud_person_id, person_name, group_name, group_kind,
	age, age_range, gender, visits, motion, motion_raw, alert, picture_src, clip_src, picture, picture_tries, attrs)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`

// InsertEvents stores evs in one transaction. Each new event gets its id;
// one whose dedupe key is already stored is left out and reported false in
// stored (its ID is then the stored event's id). It returns after the
// commit. It runs on the event writer's own connection, whose statements
// stay compiled (events_writer.go).
func (s *Store) InsertEvents(ctx context.Context, evs []*Event) (stored []bool, err error) {
	if s.dialect.postgres() {
		// pgx keeps prepared statements per connection of the pool: no own
		// connection is needed, and several writers may run at once.
		return s.insertEventsDB(ctx, evs)
	}
	w, err := s.eventWriter()
	if err != nil {
		return nil, err
	}
	return w.insert(ctx, evs)
}

func (s *Store) eventWriter() (*eventWriter, error) {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	if s.closed {
		return nil, errors.New("models: store closed")
	}
	if s.evw == nil {
		w, err := openEventWriter(s.path)
		if err != nil {
			return nil, err
		}
		s.evw = w
	}
	return s.evw, nil
}

// insertEventsDB is InsertEvents through database/sql: the path on
// PostgreSQL, and on SQLite (where glebarez compiles the INSERT again for
// every row) the benchmark's point of comparison.
func (s *Store) insertEventsDB(ctx context.Context, evs []*Event) (stored []bool, err error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("models: insert events: %w", err)
	}
	defer tx.Rollback()
	if s.dialect.postgres() {
		// Several instances write events: one at a time across them, so
		// ids become visible in id order (a listener reading "after my
		// last id" never passes over an id committed later), and the
		// commit notifies every instance's listener (internal/cluster).
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, eventsWriteLock); err != nil {
			return nil, fmt.Errorf("models: insert events: lock: %w", err)
		}
	}
	ins, err := tx.PrepareContext(ctx, s.dialect.rebind(insertEventSQL))
	if err != nil {
		return nil, err
	}
	defer ins.Close()
	var existing *sql.Stmt
	stored = make([]bool, len(evs))
	for i, e := range evs {
		err := ins.QueryRowContext(ctx, e.ShopID, e.CameraID, e.CameraName, e.DeviceSN, e.Vendor, e.Source, e.DedupeKey,
			e.VendorEventID, e.Kind, e.OccurredAt.UTC(), e.ReceivedAt.UTC(), e.PersonID, e.CloudPersonID, e.PersonName,
			e.GroupName, e.GroupKind, e.Age, e.AgeRange, e.Gender, e.Visits, e.Motion, e.MotionRaw, e.Alert,
			e.PictureSrc, e.ClipSrc, e.Picture, e.PictureTries, e.Attrs).Scan(&e.ID)
		switch {
		case err == nil:
			stored[i] = true
		case errors.Is(err, sql.ErrNoRows):
			if existing == nil {
				if existing, err = tx.PrepareContext(ctx, s.dialect.rebind(`SELECT id FROM events WHERE dedupe_key = ?`)); err != nil {
					return nil, err
				}
				defer existing.Close()
			}
			if err := existing.QueryRowContext(ctx, e.DedupeKey).Scan(&e.ID); err != nil {
				return nil, fmt.Errorf("models: duplicate event %s: %w", e.DedupeKey, err)
			}
		default:
			return nil, translate(err)
		}
	}
	if s.dialect.postgres() {
		var last int64
		for i, e := range evs {
			if stored[i] && e.ID > last {
				last = e.ID
			}
		}
		if last > 0 {
			// Delivered at commit, and only if it commits.
			if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, EventsChannel, "e:"+strconv.FormatInt(last, 10)); err != nil {
				return nil, fmt.Errorf("models: insert events: notify: %w", err)
			}
		}
	}
	return stored, tx.Commit()
}

// EventsChannel is the PostgreSQL notification channel on which each
// commit of new events says "e:<its highest id>" (internal/cluster listens).
const EventsChannel = "storelens_events"

// eventsWriteLock is the transaction advisory lock that orders the event
// writers of every instance on one PostgreSQL database.
const eventsWriteLock int64 = 0x53544c4e_45565453 // "STLNEVTS"

// eventsInScope restricts a query on events to the shops of sc.
func (sc Scope) eventsInScope(db *gorm.DB) *gorm.DB {
	if sc.all {
		return db
	}
	return db.Where("events.shop_id IN (SELECT shop_id FROM user_shops WHERE user_id = ?)", sc.userID)
}

// ShopIDs lists the shops of sc; all is true for a scope that sees every
// shop (then ids is nil: shops made later count too).
func (s *Store) ShopIDs(ctx context.Context, sc Scope) (ids []uint, all bool, err error) {
	if sc.all {
		return nil, true, nil
	}
	err = s.db.WithContext(ctx).Table("user_shops").Where("user_id = ?", sc.userID).Order("shop_id").Pluck("shop_id", &ids).Error
	return ids, false, err
}

// EventSet is the shops whose events a reader wants: every shop (All), or
// the listed ones.
type EventSet struct {
	All   bool
	Shops []uint
}

func (es EventSet) apply(db *gorm.DB) *gorm.DB {
	if es.All {
		return db
	}
	if len(es.Shops) == 0 {
		return db.Where("1 = 0")
	}
	return db.Where("shop_id IN ?", es.Shops)
}

// EventsAfter lists up to limit events of set with an id above after, oldest
// first: what a reconnecting browser missed.
func (s *Store) EventsAfter(ctx context.Context, set EventSet, after int64, limit int) ([]Event, error) {
	var out []Event
	err := set.apply(s.db.WithContext(ctx).Where("id > ?", after)).Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// LatestEvents lists the newest limit events of set, newest first.
func (s *Store) LatestEvents(ctx context.Context, set EventSet, limit int) ([]Event, error) {
	var out []Event
	err := set.apply(s.db.WithContext(ctx)).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// LastEventID is the newest event's id of set, 0 when none.
func (s *Store) LastEventID(ctx context.Context, set EventSet) (int64, error) {
	var id sql.NullInt64
	err := set.apply(s.db.WithContext(ctx).Model(&Event{})).Select("MAX(id)").Scan(&id).Error
	return id.Int64, err
}

// CountEventsAfter counts the events of set after id, and the alerts among
// them, stopping at limit (a badge shows "99+", not an exact count).
func (s *Store) CountEventsAfter(ctx context.Context, set EventSet, after int64, limit int) (n, alerts int64, err error) {
	var row struct{ N, Alerts int64 }
	sub := set.apply(s.db.WithContext(ctx).Model(&Event{}).Select("alert").Where("id > ?", after)).Limit(limit)
	err = s.db.WithContext(ctx).Table("(?) AS e", sub).Select("COUNT(*) AS n, COALESCE(SUM(CASE WHEN alert THEN 1 ELSE 0 END), 0) AS alerts").Scan(&row).Error
	return row.N, row.Alerts, err
}

// EventFilter selects a page of the event history.
type EventFilter struct {
	ShopID   uint // 0: every shop in scope
	CameraID uint
	Group    string // a group name or kind
	Person   string // a name (part of it) or a vendor person id
	Kind     string // "face", "motion" or ""
	Alerts   bool   // alerts only
	From, To time.Time
	// Keyset paging by (time, id): Before gives the page of older events,
	// After the page of newer ones; neither starts from the newest.
	Before, After *EventCursor
	PerPage       int
}

// EventCursor is a position in the history: an event's time and id.
type EventCursor struct {
	At time.Time
	ID int64
}

// CursorOf is the position of ev.
func CursorOf(ev Event) EventCursor { return EventCursor{At: ev.OccurredAt, ID: ev.ID} }

// String writes a cursor for a URL.
func (c EventCursor) String() string {
	return strconv.FormatInt(c.At.UnixNano(), 10) + "." + strconv.FormatInt(c.ID, 10)
}

// ParseEventCursor reads what String wrote; ok is false for anything else.
func ParseEventCursor(s string) (*EventCursor, bool) {
	ns, id, found := strings.Cut(s, ".")
	n, err1 := strconv.ParseInt(ns, 10, 64)
	i, err2 := strconv.ParseInt(id, 10, 64)
	if !found || err1 != nil || err2 != nil || i <= 0 {
		return nil, false
	}
	return &EventCursor{At: time.Unix(0, n).UTC(), ID: i}, true
}

// SearchEvents returns one page of the events in scope matching f, newest
// first (by when they happened), and whether there is another page beyond
// it in the direction of travel.
//
// The person and group filters answer from indexes (migration 0010), not a
// scan of events: each is a union of "arms", one indexed equality each (one
// per matching name, the face ids; the group name, the group kind), and
// every arm walks its index in time order and stops at the page size, so a
// page costs at most arms x (page+1) index steps whatever the table holds.
// The shop, scope, day range and cursor conditions ride along in every arm.
func (s *Store) SearchEvents(ctx context.Context, sc Scope, f EventFilter) ([]Event, bool, error) {
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	q, err := s.searchQuery(ctx, sc, f)
	if err != nil {
		return nil, false, err
	}
	var out []Event
	if err := s.db.WithContext(ctx).Raw(q.sql, q.args...).Scan(&out).Error; err != nil {
		return nil, false, err
	}
	more := len(out) > f.PerPage
	if more {
		out = out[:f.PerPage]
	}
	if f.After != nil { // walked up from the cursor: flip to newest first
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, more, nil
}

// MaxNameArms is how many distinct names a person search probes one by one
// (each an ordered walk of events_person_name_idx that stops at the page
// size, so the work is bounded by MaxNameArms x page whatever the table
// holds; SQLite allows 500 terms in a compound). A part of a name held by
// more names than this (one common character, "wei") is frequent enough
// that walking the events in time order and testing the name finds a page
// sooner.
const MaxNameArms = 200

// MinNameQuery is the shortest part of a name (in characters) a person
// search looks for: a single character is searched as a face id only (it
// would match a large share of all names, 王 or a).
const MinNameQuery = 2

type sqlQuery struct {
	sql  string
	args []any
}

// searchQuery builds the SQL of SearchEvents (exported to the tests through
// EventSearchSQL, which checks its query plan).
func (s *Store) searchQuery(ctx context.Context, sc Scope, f EventFilter) (sqlQuery, error) {
	return s.searchQueryOf(ctx, sc, f, nil)
}

// searchQueryOf is searchQuery reading only cols of events (every column
// when nil): the same rows, in the same order.
func (s *Store) searchQueryOf(ctx context.Context, sc Scope, f EventFilter, cols []string) (sqlQuery, error) {
	sel, joined := "*", "events.*"
	if len(cols) > 0 {
		// A plain column is qualified for the join; an expression names
		// its columns as events.<column> itself.
		q := make([]string, len(cols))
		for i, c := range cols {
			q[i] = c
			if !strings.ContainsAny(c, "( ") {
				q[i] = "events." + c
			}
		}
		sel, joined = strings.Join(cols, ", "), strings.Join(q, ", ")
	}
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if !sc.all {
		add("shop_id IN (SELECT shop_id FROM user_shops WHERE user_id = ?)", sc.userID)
	}
	if f.ShopID != 0 {
		add("shop_id = ?", f.ShopID)
	}
	if f.CameraID != 0 {
		add("camera_id = ?", f.CameraID)
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.Alerts {
		add("alert")
	}
	if !f.From.IsZero() {
		add("occurred_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("occurred_at < ?", f.To.UTC())
	}
	order := "occurred_at DESC, id DESC"
	// The cursor's time is also a plain bound (redundant with the OR): it
	// lets the index walk start at the cursor instead of skipping every
	// row before it, so page k costs one page, not k (an export reads them
	// all).
	if c := f.After; c != nil {
		add("occurred_at >= ? AND (occurred_at > ? OR (occurred_at = ? AND id > ?))", c.At.UTC(), c.At.UTC(), c.At.UTC(), c.ID)
		order = "occurred_at, id"
	} else if c := f.Before; c != nil {
		add("occurred_at <= ? AND (occurred_at < ? OR (occurred_at = ? AND id < ?))", c.At.UTC(), c.At.UTC(), c.At.UTC(), c.ID)
	}

	type arm struct {
		index, cond string
		args        []any
	}
	var arms []arm
	group := strings.TrimSpace(f.Group)
	if p := strings.TrimSpace(f.Person); p != "" {
		if utf8.RuneCountInString(p) >= MinNameQuery {
			match, margs := s.dialect.nameContains(p)
			var names []string
			err := s.db.WithContext(ctx).Raw("SELECT name FROM event_names WHERE id IN ("+match+") ORDER BY name LIMIT ?",
				append(margs, MaxNameArms+1)...).Scan(&names).Error
			if err != nil {
				return sqlQuery{}, err
			}
			if len(names) > MaxNameArms {
				// A frequent part of a name: walk the events in time order.
				arms = append(arms, arm{"", "person_name <> '' AND " + s.dialect.noIndex("person_name") + " IN (SELECT name FROM event_names WHERE id IN (" + match + "))", margs})
			} else {
				for _, n := range names {
					arms = append(arms, arm{"events_person_name_idx", "person_name = ? AND person_name <> ''", []any{n}})
				}
			}
		}
		// A face id is exact; a vendor's id and the cloud's are both face ids.
		arms = append(arms, arm{"events_person_id_idx", "person_id = ? AND person_id <> ''", []any{p}},
			arm{"events_cloud_person_idx", "cloud_person_id = ? AND cloud_person_id <> ''", []any{p}})
		if group != "" { // the person arms are narrower: the group rides along
			add("(group_name = ?"+s.dialect.noCase()+" OR group_kind = ?)", group, strings.ToLower(group))
		}
	} else if group != "" {
		arms = append(arms, arm{"events_group_name_idx", "group_name = ?" + s.dialect.noCase() + " AND group_name <> ''", []any{group}},
			arm{"events_group_kind_idx", "group_kind = ? AND group_kind <> ''", []any{strings.ToLower(group)}})
	}

	limit := f.PerPage + 1
	where := strings.Join(conds, " AND ")
	if len(arms) == 0 {
		if where == "" {
			where = "1 = 1"
		}
		return sqlQuery{"SELECT " + sel + " FROM events WHERE " + where + " ORDER BY " + order + " LIMIT ?", append(args, limit)}, nil
	}
	var b strings.Builder
	var all []any
	b.WriteString("SELECT " + joined + " FROM (")
	for i, a := range arms {
		if i > 0 {
			b.WriteString(" UNION ")
		}
		b.WriteString("SELECT * FROM (SELECT id, occurred_at FROM events")
		b.WriteString(s.dialect.indexedBy(a.index))
		b.WriteString(" WHERE " + a.cond)
		all = append(all, a.args...)
		if where != "" {
			b.WriteString(" AND " + where)
			all = append(all, args...)
		}
		b.WriteString(" ORDER BY " + order + " LIMIT ?) AS arm" + strconv.Itoa(i))
		all = append(all, limit)
	}
	b.WriteString(" ORDER BY " + order + " LIMIT ?) AS hit JOIN events ON events.id = hit.id ORDER BY ")
	all = append(all, limit)
	b.WriteString(strings.NewReplacer("occurred_at", "hit.occurred_at", "id", "hit.id").Replace(order))
	return sqlQuery{b.String(), all}, nil
}

// EventInScope returns event id if its shop is in scope.
func (s *Store) EventInScope(ctx context.Context, sc Scope, id int64) (Event, error) {
	var ev Event
	err := sc.eventsInScope(s.db.WithContext(ctx)).First(&ev, id).Error
	return ev, translate(err)
}

// PendingPictures lists events received before `before` whose picture is
// still to be fetched, with fewer than maxTries failed attempts.
func (s *Store) PendingPictures(ctx context.Context, before time.Time, maxTries, limit int) ([]Event, error) {
	var out []Event
	err := s.db.WithContext(ctx).Select("id", "shop_id", "source", "picture_src", "picture_tries").
		Where("picture_src <> '' AND picture = '' AND picture_tries < ? AND received_at < ?", maxTries, before.UTC()).
		Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// SetEventPicture records the kept picture of an event.
func (s *Store) SetEventPicture(ctx context.Context, id int64, name string) error {
	return s.db.WithContext(ctx).Model(&Event{}).Where("id = ?", id).Update("picture", name).Error
}

// FailEventPicture counts a failed attempt to fetch an event's picture.
func (s *Store) FailEventPicture(ctx context.Context, id int64) error {
	return s.db.WithContext(ctx).Model(&Event{}).Where("id = ?", id).
		Update("picture_tries", gorm.Expr("picture_tries + 1")).Error
}

// DeleteEventsBefore deletes up to limit events that happened before t and
// returns how many went and the picture files they named.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time, limit int) (int64, []string, error) {
	var ids []int64
	var pics []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []Event
		if err := tx.Select("id", "picture").Where("occurred_at < ?", t.UTC()).Order("occurred_at").Limit(limit).Find(&rows).Error; err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, r := range rows {
			ids = append(ids, r.ID)
			if r.Picture != "" && !seen[r.Picture] {
				seen[r.Picture] = true
				pics = append(pics, r.Picture)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		return tx.Where("id IN ?", ids).Delete(&Event{}).Error
	})
	return int64(len(ids)), pics, err
}

// PicturesInUse reports which of names an event still names.
func (s *Store) PicturesInUse(ctx context.Context, names []string) (map[string]bool, error) {
	used := map[string]bool{}
	if len(names) == 0 {
		return used, nil
	}
	var in []string
	err := s.db.WithContext(ctx).Model(&Event{}).Where("picture IN ?", names).Distinct().Pluck("picture", &in).Error
	for _, n := range in {
		used[n] = true
	}
	return used, err
}

// SourceLast returns the vendor event ids and times of the newest events a
// source delivered (newest first, at most n), for a source that resumes
// from its last record.
func (s *Store) SourceLast(ctx context.Context, source string, n int) ([]Event, error) {
	var out []Event
	err := s.db.WithContext(ctx).Select("id", "vendor_event_id", "occurred_at").Where("source = ?", source).
		Order("id DESC").Limit(n).Find(&out).Error
	return out, err
}

// ShopEventSettingsOf returns a shop's event settings (the zero value with
// the shop's id when none are saved).
func (s *Store) ShopEventSettingsOf(ctx context.Context, shopID uint) (ShopEventSettings, error) {
	st := ShopEventSettings{ShopID: shopID}
	err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).Limit(1).Find(&st).Error
	return st, err
}

// AllShopEventSettings returns every saved shop's settings.
func (s *Store) AllShopEventSettings(ctx context.Context) ([]ShopEventSettings, error) {
	var out []ShopEventSettings
	return out, s.db.WithContext(ctx).Find(&out).Error
}

// SaveShopEventSettings stores a shop's event settings.
func (s *Store) SaveShopEventSettings(ctx context.Context, st ShopEventSettings) error {
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&st).Error)
}

// AnyCameraBySN finds a camera by serial number at any vendor (the same
// camera is reached through the cloud and on the LAN); ErrNotFound if none.
func (s *Store) AnyCameraBySN(ctx context.Context, sn string) (Camera, error) {
	var cam Camera
	err := s.db.WithContext(ctx).Where("sn = ?", sn).Order("id").First(&cam).Error
	return cam, translate(err)
}

// ShopBriefs maps shop ids to their name and time zone.
func (s *Store) ShopBriefs(ctx context.Context, ids []uint) (map[uint]Shop, error) {
	out := map[uint]Shop{}
	if len(ids) == 0 {
		return out, nil
	}
	var shops []Shop
	if err := s.db.WithContext(ctx).Select("id", "name", "timezone").Where("id IN ?", ids).Find(&shops).Error; err != nil {
		return nil, err
	}
	for _, sh := range shops {
		out[sh.ID] = sh
	}
	return out, nil
}
