package lanevents

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"storelens/internal/vendors/sunmisign"
)

// MaxWebhookBody bounds a webhook post. A post carries five small fields
// and links to the picture and clip, never the media itself (003 §1.3: the
// examples are under 1 KB); 64 KiB leaves room for custom attributes.
const MaxWebhookBody = 64 << 10

// DefaultWebhookWindow is how far a post's timestamp may be from our clock.
// 003 gives no window; the cameras keep NTP time, and a post is sent the
// moment the event happens, so five minutes refuses old captures without
// refusing a camera whose clock is a little off.
const DefaultWebhookWindow = 5 * time.Minute

// Webhook errors: each means the post is refused and nothing is stored.
var (
	ErrWebhookForm = errors.New("lanevents: not a notification-center post")
	ErrSignature   = errors.New("lanevents: signature does not verify")
	ErrStale       = errors.New("lanevents: timestamp outside the accepted window")
	ErrReplay      = errors.New("lanevents: post already received")
	ErrTooLarge    = errors.New("lanevents: post too large")
)

// WebhookPost is one post of the notification center (003 §1.3): a
// multipart/form-data body with the public parameters and the event JSON
// in "payload".
type WebhookPost struct {
	AppID, Random, Timestamp, Sign string
	Payload                        []byte
}

// ParseWebhook reads a post's multipart body. It wants exactly the five
// fields of 003 §1.3, each once; other fields are ignored (and unsigned),
// file parts refused. The caller bounds body (http.MaxBytesReader).
func ParseWebhook(contentType string, body io.Reader) (WebhookPost, error) {
	var p WebhookPost
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return p, fmt.Errorf("%w: content type %q", ErrWebhookForm, contentType)
	}
	mr := multipart.NewReader(body, params["boundary"])
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p, bodyErr(err)
		}
		name := part.FormName()
		if part.FileName() != "" {
			return p, fmt.Errorf("%w: file part %q", ErrWebhookForm, name)
		}
		var dst *string
		switch name {
		case "app_id":
			dst = &p.AppID
		case "random":
			dst = &p.Random
		case "timestamp":
			dst = &p.Timestamp
		case "sign":
			dst = &p.Sign
		case "payload":
		default:
			continue
		}
		if seen[name] {
			return p, fmt.Errorf("%w: %s sent twice", ErrWebhookForm, name)
		}
		seen[name] = true
		b, err := io.ReadAll(io.LimitReader(part, MaxWebhookBody+1))
		if err != nil {
			return p, bodyErr(err)
		}
		if len(b) > MaxWebhookBody {
			return p, fmt.Errorf("%w: %s longer than %d bytes", ErrTooLarge, name, MaxWebhookBody)
		}
		if dst != nil {
			*dst = strings.TrimSpace(string(b))
		} else {
			p.Payload = b
		}
	}
	for _, f := range []string{"app_id", "random", "timestamp", "sign", "payload"} {
		if !seen[f] {
			return p, fmt.Errorf("%w: no %s", ErrWebhookForm, f)
		}
	}
	return p, nil
}

// bodyErr tells a body cut by the caller's size limit from a malformed one.
func bodyErr(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return fmt.Errorf("%w: %v", ErrTooLarge, err)
	}
	return fmt.Errorf("%w: %v", ErrWebhookForm, err)
}

// Params are the signed fields of the post (NOTES.md item 44: app_id,
// payload, random, timestamp, signed with the app's secret key).
func (p WebhookPost) Params() map[string]string {
	return map[string]string{"app_id": p.AppID, "payload": string(p.Payload), "random": p.Random, "timestamp": p.Timestamp}
}

// Verify checks the post's signature with the app's secret, then that its
// timestamp (10-digit seconds, 003 "Sign Rules") is within window of now.
func (p WebhookPost) Verify(secret string, now time.Time, window time.Duration) error {
	want := sunmisign.Sign(p.Params(), secret)
	// NOTES.md item 5: compare case-insensitively.
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToUpper(p.Sign))) != 1 {
		return ErrSignature
	}
	if !validRandom(p.Random) {
		return fmt.Errorf("%w: random %q", ErrWebhookForm, p.Random)
	}
	ts, err := p.Time()
	if err != nil {
		return err
	}
	if d := now.Sub(ts); d > window || d < -window {
		return fmt.Errorf("%w: %s off by %s", ErrStale, p.Timestamp, d.Round(time.Second))
	}
	return nil
}

// Time is the post's timestamp.
func (p WebhookPost) Time() (time.Time, error) {
	if len(p.Timestamp) != 10 {
		return time.Time{}, fmt.Errorf("%w: timestamp %q is not 10-digit seconds", ErrStale, p.Timestamp)
	}
	n, err := strconv.ParseInt(p.Timestamp, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: timestamp %q", ErrStale, p.Timestamp)
	}
	return time.Unix(n, 0), nil
}

// validRandom is 003's "random": 6 to 10 digits and letters.
func validRandom(s string) bool {
	if len(s) < 6 || len(s) > 10 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// ReplayGuard remembers the signatures of accepted posts for as long as
// their timestamps are fresh, so a captured post sent again inside the
// window is refused. Older ones are refused as stale anyway. It forgets on
// restart; the event store's de-duplication still keeps a replayed event
// from being stored twice.
type ReplayGuard struct {
	mu     sync.Mutex
	window time.Duration
	seen   map[string]time.Time // key -> when it may be forgotten
	adds   int
}

// NewReplayGuard returns a guard for posts accepted within window.
func NewReplayGuard(window time.Duration) *ReplayGuard {
	return &ReplayGuard{window: window, seen: map[string]time.Time{}}
}

// Check records key (app id and signature) sent at ts and reports whether it
// is new.
func (g *ReplayGuard) Check(key string, ts, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if until, ok := g.seen[key]; ok && now.Before(until) {
		return false
	}
	g.seen[key] = ts.Add(g.window + time.Second)
	if g.adds++; g.adds%1024 == 0 {
		for k, until := range g.seen {
			if !now.Before(until) {
				delete(g.seen, k)
			}
		}
	}
	return true
}

// Forget removes key, for a post that was accepted but could not be stored:
// the camera's retry must not be refused as a replay.
func (g *ReplayGuard) Forget(key string) {
	g.mu.Lock()
	delete(g.seen, key)
	g.mu.Unlock()
}
