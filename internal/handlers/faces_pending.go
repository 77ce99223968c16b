package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Pending uploads keep a checked enrollment photo between the form's
// submissions, so that an error on the page (a missing name, consent not
// ticked, a group changed) never loses the photo: a browser cannot refill
// <input type=file> from the server, so the form carries a token instead
// and the page shows the photo again from it.
//
// The photo itself is already on the server once checked (the pipeline's
// vendor-ready JPEG in the photo store, staged by faces.Service for two
// hours); a pending upload is a random token naming it, bound to the
// browser session that uploaded it and to the shop, expiring after
// pendingTTL. Knowing a photo's hash, or another session's token, is not
// enough to enroll it. The set is bounded: at most pendingPerSession
// tokens per session (the oldest goes) and pendingMax in all (the oldest
// goes), each entry a few dozen bytes, so it cannot grow without bound.
const (
	pendingTTL        = 30 * time.Minute
	pendingPerSession = 8
	pendingMax        = 4096
)

type pendingUpload struct {
	session string // the session's upload key
	shop    uint
	hash    string // the staged photo (faces.Service.StagedPhoto)
	at      time.Time
}

// pendingUploads is the set of pending uploads. The zero value is not
// usable: newPendingUploads.
type pendingUploads struct {
	mu  sync.Mutex
	m   map[string]pendingUpload // by token
	now func() time.Time
	ttl time.Duration
}

func newPendingUploads(now func() time.Time, ttl time.Duration) *pendingUploads {
	if now == nil {
		now = time.Now
	}
	if ttl <= 0 {
		ttl = pendingTTL
	}
	return &pendingUploads{m: map[string]pendingUpload{}, now: now, ttl: ttl}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// put keeps a checked photo for the session and returns its token.
func (p *pendingUploads) put(session string, shop uint, hash string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.expireLocked(now)
	// The same photo again in the same session and shop keeps its token.
	for tok, u := range p.m {
		if u.session == session && u.shop == shop && u.hash == hash {
			u.at = now
			p.m[tok] = u
			return tok
		}
	}
	var (
		mine             int
		oldest, oldestMe string
	)
	for tok, u := range p.m {
		if oldest == "" || u.at.Before(p.m[oldest].at) {
			oldest = tok
		}
		if u.session == session {
			mine++
			if oldestMe == "" || u.at.Before(p.m[oldestMe].at) {
				oldestMe = tok
			}
		}
	}
	switch {
	case mine >= pendingPerSession:
		delete(p.m, oldestMe)
	case len(p.m) >= pendingMax:
		delete(p.m, oldest)
	}
	tok := randomToken()
	p.m[tok] = pendingUpload{session: session, shop: shop, hash: hash, at: now}
	return tok
}

// get returns the photo hash of a token of this session and shop, if it
// has not expired.
func (p *pendingUploads) get(session string, shop uint, token string) (string, bool) {
	if session == "" || token == "" {
		return "", false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.m[token]
	if !ok || u.session != session || u.shop != shop {
		return "", false
	}
	if p.now().Sub(u.at) > p.ttl {
		delete(p.m, token)
		return "", false
	}
	return u.hash, true
}

// drop forgets a token (the photo was enrolled).
func (p *pendingUploads) drop(token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, token)
}

// size is how many uploads are pending (tests).
func (p *pendingUploads) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.m)
}

func (p *pendingUploads) expireLocked(now time.Time) {
	for tok, u := range p.m {
		if now.Sub(u.at) > p.ttl {
			delete(p.m, tok)
		}
	}
}

// uploadSession names the browser session: a digest of its token (the
// token itself is a credential and stays out of memory here). It is read,
// never written: a session value put by the photo check could be lost to
// a request of the same session that loaded it earlier and saved after
// (a stream ending as the page is left). The token changes at sign-in and
// at a password change, which ends the session's pending uploads too.
func (s *Server) uploadSession(c *gin.Context) string {
	tok := s.Sessions.Token(c.Request.Context())
	if tok == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("storelens/pending-upload/" + tok))
	return hex.EncodeToString(sum[:])
}

// keepUpload makes a pending upload of a checked photo for this session.
func (s *Server) keepUpload(c *gin.Context, shop uint, hash string) string {
	return s.Faces.uploads.put(s.uploadSession(c), shop, hash)
}

// keptUpload is the photo hash of this session's token.
func (s *Server) keptUpload(c *gin.Context, shop uint, token string) (string, bool) {
	return s.Faces.uploads.get(s.uploadSession(c), shop, token)
}
