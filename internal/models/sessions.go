package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SessionStore keeps scs sessions in the StoreLens database (scs's own
// sqlite3store pulls in the cgo driver). It implements scs.CtxStore.
type SessionStore struct{ s *Store }

// Sessions returns the session store of this database.
func (s *Store) Sessions() *SessionStore { return &SessionStore{s: s} }

// FindCtx returns the data of an unexpired session.
func (ss *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var row Session
	err := ss.s.db.WithContext(ctx).Where("token = ? AND expiry > ?", token, ss.s.Now()).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return row.Data, true, nil
}

// CommitCtx stores (or replaces) a session.
func (ss *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return ss.s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).
		Create(&Session{Token: token, Data: b, Expiry: expiry.UTC()}).Error
}

// DeleteCtx removes a session.
func (ss *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	return ss.s.db.WithContext(ctx).Where("token = ?", token).Delete(&Session{}).Error
}

// Find implements scs.Store.
func (ss *SessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (ss *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (ss *SessionStore) Delete(token string) error {
	return ss.DeleteCtx(context.Background(), token)
}

// DeleteExpired removes expired sessions; run it now and then.
func (ss *SessionStore) DeleteExpired(ctx context.Context) error {
	return ss.s.db.WithContext(ctx).Where("expiry <= ?", ss.s.Now()).Delete(&Session{}).Error
}
