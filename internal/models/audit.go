package models

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Audit records one action. Failures to audit are returned, never ignored:
// the caller decides whether the action may stand without its record.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.Now()
	}
	return s.db.WithContext(ctx).Create(&e).Error
}

// AuditFilter selects a page of the audit log, newest first. Every field
// is optional; together they narrow the log (AND).
type AuditFilter struct {
	Action   string
	Username string
	// ShopID keeps what was done to the shop or to its cameras, face
	// groups and faces (as they are now: a camera moved since is found at
	// its new shop).
	ShopID   uint
	From, To time.Time // entries at From <= at < To; zero: unbounded
	BeforeID uint      // keyset cursor: entries with a smaller id
	Limit    int       // 0: 100; negative: no limit (the export)
}

// where narrows q to the filter (without its cursor and limit).
func (f AuditFilter) where(q *gorm.DB) *gorm.DB {
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Username != "" {
		q = q.Where("username = ?", f.Username)
	}
	if f.ShopID > 0 {
		id := strconv.FormatUint(uint64(f.ShopID), 10)
		q = q.Where(`(target_type = 'shop' AND target_id = ?)
			OR (target_type = 'camera' AND target_id IN (SELECT sn FROM cameras WHERE shop_id = ?))
			OR (target_type = 'face_group' AND target_id IN (SELECT CAST(id AS TEXT) FROM face_groups WHERE shop_id = ?))
			OR (target_type = 'face' AND target_id IN (SELECT CAST(id AS TEXT) FROM faces WHERE shop_id = ?))`,
			id, f.ShopID, f.ShopID, f.ShopID)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	return q
}

// AuditLog returns entries newest first, and whether more remain.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, bool, error) {
	if f.Limit == 0 {
		f.Limit = 100
	}
	q := f.where(s.db.WithContext(ctx).Model(&AuditEntry{})).Order("id DESC")
	if f.Limit > 0 {
		q = q.Limit(f.Limit + 1)
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var out []AuditEntry
	if err := q.Find(&out).Error; err != nil {
		return nil, false, err
	}
	more := f.Limit > 0 && len(out) > f.Limit
	if more {
		out = out[:f.Limit]
	}
	return out, more, nil
}

// AuditPeople lists the names the log records, for its filter.
func (s *Store) AuditPeople(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Model(&AuditEntry{}).Where("username <> ''").Distinct("username").Order("username").Pluck("username", &out).Error
	return out, err
}

// AuditActions lists the kinds of action the log records, for its filter.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Model(&AuditEntry{}).Distinct("action").Order("action").Pluck("action", &out).Error
	return out, err
}

// AuditThing is what an audit entry's target is called now.
type AuditThing struct {
	Name   string
	ShopID uint
}

// AuditNames are the present names of what a page of entries names by
// id: people by username, shops, cameras by SN, vendor accounts, face
// groups and faces by id. Something deleted since is missing.
type AuditNames struct {
	People     map[string]string // username -> display name ("" when none)
	Shops      map[uint]string
	Cameras    map[string]AuditThing
	Accounts   map[uint]string
	FaceGroups map[uint]AuditThing
	Faces      map[uint]AuditThing
}

// AuditNamesOf looks up, in one query per kind, the names of what entries
// refer to.
func (s *Store) AuditNamesOf(ctx context.Context, entries []AuditEntry) (AuditNames, error) {
	n := AuditNames{People: map[string]string{}, Shops: map[uint]string{}, Cameras: map[string]AuditThing{},
		Accounts: map[uint]string{}, FaceGroups: map[uint]AuditThing{}, Faces: map[uint]AuditThing{}}
	var users, sns []string
	var accounts, groups, faces []uint
	for _, e := range entries {
		if e.Username != "" {
			users = append(users, e.Username)
		}
		id, _ := strconv.ParseUint(e.TargetID, 10, 32)
		switch e.TargetType {
		case "user":
			users = append(users, e.TargetID)
		case "camera":
			sns = append(sns, e.TargetID)
		case "vendor_account":
			accounts = append(accounts, uint(id))
		case "face_group":
			groups = append(groups, uint(id))
		case "face":
			faces = append(faces, uint(id))
		}
	}
	db := s.db.WithContext(ctx)
	if len(users) > 0 {
		var rows []User
		if err := db.Select("username", "display_name").Where("username IN ?", users).Find(&rows).Error; err != nil {
			return n, err
		}
		for _, u := range rows {
			n.People[u.Username] = u.DisplayName
		}
	}
	var shops []Shop // few: all of them, also for the shops named in details
	if err := db.Select("id", "name").Find(&shops).Error; err != nil {
		return n, err
	}
	for _, sh := range shops {
		n.Shops[sh.ID] = sh.Name
	}
	if len(sns) > 0 {
		var rows []Camera
		if err := db.Select("sn", "name", "shop_id").Where("sn IN ?", sns).Find(&rows).Error; err != nil {
			return n, err
		}
		for _, c := range rows {
			n.Cameras[c.SN] = AuditThing{Name: c.Name, ShopID: c.ShopID}
		}
	}
	if len(accounts) > 0 {
		var rows []VendorAccount
		if err := db.Select("id", "name").Where("id IN ?", accounts).Find(&rows).Error; err != nil {
			return n, err
		}
		for _, a := range rows {
			n.Accounts[a.ID] = a.Name
		}
	}
	if len(groups) > 0 {
		var rows []FaceGroup
		if err := db.Select("id", "name", "shop_id").Where("id IN ?", groups).Find(&rows).Error; err != nil {
			return n, err
		}
		for _, g := range rows {
			n.FaceGroups[g.ID] = AuditThing{Name: g.Name, ShopID: g.ShopID}
		}
	}
	if len(faces) > 0 {
		var rows []Face
		if err := db.Select("id", "name", "shop_id").Where("id IN ?", faces).Find(&rows).Error; err != nil {
			return n, err
		}
		for _, f := range rows {
			n.Faces[f.ID] = AuditThing{Name: f.Name, ShopID: f.ShopID}
		}
	}
	return n, nil
}

// Actor is who does something, for the audit log.
type Actor struct {
	UserID   uint
	Username string
	IP       string
}

// Entry makes an audit entry of the actor.
func (a Actor) Entry(action, targetType, targetID, detail string) AuditEntry {
	e := AuditEntry{Username: a.Username, Action: action, TargetType: targetType, TargetID: targetID, Detail: detail, IP: a.IP}
	if a.UserID != 0 {
		id := a.UserID
		e.UserID = &id
	}
	return e
}
