package models

import "context"

// Audit records one action. Failures to audit are returned, never ignored:
// the caller decides whether the action may stand without its record.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.Now()
	}
	return s.db.WithContext(ctx).Create(&e).Error
}

// AuditFilter selects a page of the audit log, newest first.
type AuditFilter struct {
	Action   string
	BeforeID uint // keyset cursor: entries with a smaller id
	Limit    int
}

// AuditLog returns entries newest first, and whether more remain.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, bool, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := s.db.WithContext(ctx).Order("id DESC").Limit(f.Limit + 1)
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var out []AuditEntry
	if err := q.Find(&out).Error; err != nil {
		return nil, false, err
	}
	more := len(out) > f.Limit
	if more {
		out = out[:f.Limit]
	}
	return out, more, nil
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
