package models

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SessionStore keeps scs sessions in the StoreLens database (scs's own
// sqlite3store pulls in the cgo driver). It implements scs.CtxStore.
//
// With an idle timeout scs commits every session on every request, only to
// push its expiry forward: a database write per page view. The store skips
// a commit that changes nothing but an expiry moved by less than touchEvery,
// so the idle timeout is honoured to within that much.
type SessionStore struct {
	s    *Store
	mu   sync.Mutex
	last map[string]committed
}

type committed struct {
	sum    [sha256.Size]byte
	expiry time.Time
}

const touchEvery = time.Minute

// Sessions returns the session store of this database.
func (s *Store) Sessions() *SessionStore {
	s.sessionsOnce.Do(func() { s.sessions = &SessionStore{s: s, last: map[string]committed{}} })
	return s.sessions
}

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
	sum := sha256.Sum256(b)
	ss.mu.Lock()
	prev, ok := ss.last[token]
	ss.mu.Unlock()
	if ok && prev.sum == sum && !expiry.Before(prev.expiry) && expiry.Sub(prev.expiry) < touchEvery {
		return nil
	}
	err := ss.s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).
		Create(&Session{Token: token, Data: b, Expiry: expiry.UTC()}).Error
	if err == nil {
		ss.mu.Lock()
		ss.last[token] = committed{sum: sum, expiry: expiry}
		ss.mu.Unlock()
	}
	return err
}

// DeleteCtx removes a session.
func (ss *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	ss.mu.Lock()
	delete(ss.last, token)
	ss.mu.Unlock()
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
	now := ss.s.Now()
	ss.mu.Lock()
	for token, c := range ss.last {
		if !c.expiry.After(now) {
			delete(ss.last, token)
		}
	}
	ss.mu.Unlock()
	return ss.s.db.WithContext(ctx).Where("expiry <= ?", ss.s.Now()).Delete(&Session{}).Error
}
