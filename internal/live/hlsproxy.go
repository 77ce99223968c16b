package live

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

const (
	playlistTTL   = 500 * time.Millisecond // a live playlist changes once a segment
	segmentTTL    = 60 * time.Second       // a segment never changes
	maxSegment    = 32 << 20
	maxCacheBytes = 64 << 20 // per session
	fetchTimeout  = 20 * time.Second
)

// ErrNoHLS means the vendor gave no HLS URL for the stream.
var ErrNoHLS = errors.New("live: the vendor gave no HLS URL")

// ErrUnknownResource is a token that no vendor playlist of the session
// named: the proxy fetches nothing it was not given by the vendor.
var ErrUnknownResource = errors.New("live: not a resource of this stream")

// hlsProxy serves a session's HLS through us. Upstream URLs are kept here,
// keyed by tokens that are hashes of the URL without its auth_key; the
// browser sees only tokens. Playlists are cached briefly and segments for a
// minute, and concurrent requests for the same thing share one fetch, so
// upstream fetches do not grow with the number of viewers.
type hlsProxy struct {
	s  *Session
	sf singleflight.Group

	mu         sync.Mutex
	urls       map[string]string // token -> upstream URL, freshest signature
	playlists  map[string]bool   // token -> names a playlist
	cache      map[string]*cached
	cacheBytes int

	fetches atomic.Int64 // upstream requests made
}

type cached struct {
	status int
	ctype  string
	crange string // Content-Range of a 206
	body   []byte
	exp    time.Time
}

func newHLSProxy(s *Session) *hlsProxy {
	return &hlsProxy{s: s, urls: map[string]string{}, playlists: map[string]bool{}, cache: map[string]*cached{}}
}

// tokenFor returns the token of u, recording u as allowed.
func (p *hlsProxy) tokenFor(u *url.URL, playlist bool) string {
	id := *u
	q := id.Query()
	q.Del("auth_key")
	id.RawQuery = q.Encode()
	sum := sha256.Sum256([]byte(p.s.key + "\x00" + id.String()))
	tok := base64.RawURLEncoding.EncodeToString(sum[:12])
	if ext := path.Ext(u.Path); validExt.MatchString(ext) {
		tok += strings.ToLower(ext)
	}
	p.mu.Lock()
	p.urls[tok] = u.String()
	p.playlists[tok] = playlist
	p.mu.Unlock()
	return tok
}

var validExt = regexp.MustCompile(`^\.[A-Za-z0-9]{1,5}$`)

// ResourcePrefix is where the proxy's resources live relative to the
// top playlist's URL: <...>/index.m3u8 -> <...>/r/<token>.
const ResourcePrefix = "r/"

// fetch GETs u (a vendor URL), passing rng on.
func (p *hlsProxy) fetch(ctx context.Context, u, rng string, limit int64) (*cached, *url.URL, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, redactErr(err)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	p.fetches.Add(1)
	resp, err := p.s.mediaHTTP().Do(req)
	if err != nil {
		return nil, nil, redactErr(err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
	case http.StatusForbidden, http.StatusNotFound, http.StatusGone:
		return nil, nil, fmt.Errorf("%w: HTTP %d", errRefused, resp.StatusCode)
	default:
		return nil, nil, fmt.Errorf("live: upstream HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, redactErr(err)
	}
	if int64(len(body)) > limit {
		return nil, nil, errors.New("live: upstream response too large")
	}
	return &cached{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), crange: resp.Header.Get("Content-Range"),
		body: body}, resp.Request.URL, nil
}

// cachedOr returns the cached entry of key, or loads it once for all
// concurrent callers and caches it for ttl.
func (p *hlsProxy) cachedOr(key string, ttl time.Duration, load func() (*cached, error)) (*cached, error) {
	now := p.s.m.opt.Now()
	p.mu.Lock()
	if c := p.cache[key]; c != nil && now.Before(c.exp) {
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	v, err, _ := p.sf.Do(key, func() (any, error) {
		p.mu.Lock()
		if c := p.cache[key]; c != nil && p.s.m.opt.Now().Before(c.exp) {
			p.mu.Unlock()
			return c, nil
		}
		p.mu.Unlock()
		c, err := load()
		if err != nil {
			return nil, err
		}
		c.exp = p.s.m.opt.Now().Add(ttl)
		p.store(key, c)
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*cached), nil
}

// store caches c, evicting expired entries and then the oldest to stay
// under maxCacheBytes.
func (p *hlsProxy) store(key string, c *cached) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.s.m.opt.Now()
	if old := p.cache[key]; old != nil {
		p.cacheBytes -= len(old.body)
	}
	p.cache[key] = c
	p.cacheBytes += len(c.body)
	for k, e := range p.cache {
		if k != key && !now.Before(e.exp) {
			p.cacheBytes -= len(e.body)
			delete(p.cache, k)
		}
	}
	for k, e := range p.cache {
		if p.cacheBytes <= maxCacheBytes {
			break
		}
		if k != key {
			p.cacheBytes -= len(e.body)
			delete(p.cache, k)
		}
	}
}

// topPlaylist returns the vendor's playlist, rewritten.
func (p *hlsProxy) topPlaylist(ctx context.Context) (*cached, error) {
	return p.cachedOr("top", playlistTTL, func() (*cached, error) {
		for attempt := 0; ; attempt++ {
			st, err := p.s.current(ctx)
			if err != nil {
				return nil, err
			}
			if st.HLS == "" {
				return nil, ErrNoHLS
			}
			c, err := p.playlistAt(ctx, st.HLS, ResourcePrefix)
			if errors.Is(err, errRefused) && attempt == 0 {
				p.s.reload() // expired or stopped at the vendor: start it again once
				continue
			}
			return c, err
		}
	})
}

// playlistAt fetches the playlist at u and rewrites its URIs to prefix+token.
func (p *hlsProxy) playlistAt(ctx context.Context, u, prefix string) (*cached, error) {
	c, final, err := p.fetch(ctx, u, "", maxPlaylist)
	if err != nil {
		return nil, err
	}
	body, err := rewritePlaylist(c.body, final, func(abs *url.URL, playlist bool) (string, error) {
		return prefix + p.tokenFor(abs, playlist), nil
	})
	if err != nil {
		return nil, err
	}
	return &cached{status: http.StatusOK, ctype: "application/vnd.apple.mpegurl", body: body}, nil
}

// resource returns what token names: a child playlist (rewritten) or a
// segment, init section or key (as is, honouring rng).
func (p *hlsProxy) resource(ctx context.Context, token, rng string) (*cached, error) {
	p.mu.Lock()
	u, ok := p.urls[token]
	playlist := p.playlists[token]
	p.mu.Unlock()
	if !ok {
		return nil, ErrUnknownResource
	}
	if playlist {
		return p.cachedOr("pl/"+token, playlistTTL, func() (*cached, error) {
			// Child playlists sit next to the resources: their tokens are siblings.
			return p.playlistAt(ctx, u, "")
		})
	}
	return p.cachedOr("seg/"+token+"/"+rng, segmentTTL, func() (*cached, error) {
		c, _, err := p.fetch(ctx, u, rng, maxSegment)
		if errors.Is(err, errRefused) {
			// The segment's signature expired: a fresh playlist re-signs it.
			p.s.reload()
			if _, perr := p.topPlaylist(ctx); perr == nil {
				p.mu.Lock()
				u = p.urls[token]
				p.mu.Unlock()
				c, _, err = p.fetch(ctx, u, rng, maxSegment)
			}
		}
		return c, err
	})
}

// RTSPOpens is how many times key's session opened its RTSP stream.
func (m *Manager) RTSPOpens(key string) int {
	m.mu.Lock()
	s := m.sessions[key]
	m.mu.Unlock()
	if s == nil {
		return 0
	}
	s.rtspMu.Lock()
	defer s.rtspMu.Unlock()
	return s.rtspOpens
}

// HLSFetches is how many upstream requests key's HLS proxy has made.
func (m *Manager) HLSFetches(key string) int64 {
	m.mu.Lock()
	s := m.sessions[key]
	m.mu.Unlock()
	if s == nil {
		return 0
	}
	return s.hls.fetches.Load()
}

// viewID checks a viewer id chosen by the page.
var viewID = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// ValidView reports whether v is an acceptable viewer id.
func ValidView(v string) bool { return viewID.MatchString(v) }

// ServeHLSPlaylist answers the top playlist for viewer view.
func (s *Session) ServeHLSPlaylist(w http.ResponseWriter, r *http.Request, view string) error {
	if !s.touchHLS(view) {
		return ErrClosed
	}
	if rh, err := s.rtspHLS(r.Context()); !errors.Is(err, errNotRTSP) {
		if err != nil {
			return err
		}
		return s.serveRTSPPlaylist(w, r, rh, view)
	}
	c, err := s.hls.topPlaylist(r.Context())
	if err != nil {
		return err
	}
	writeCached(w, c, true)
	return nil
}

// ServeHLSResource answers a resource of the session's playlists.
func (s *Session) ServeHLSResource(w http.ResponseWriter, r *http.Request, view, token string) error {
	if !s.touchHLS(view) {
		return ErrClosed
	}
	if s.isRTSP() {
		rh, err := s.rtspHLS(r.Context())
		if err != nil {
			return err
		}
		return s.serveRTSPResource(w, r, rh, token)
	}
	c, err := s.hls.resource(r.Context(), token, r.Header.Get("Range"))
	if err != nil {
		return err
	}
	writeCached(w, c, c.ctype == "application/vnd.apple.mpegurl")
	return nil
}

// mediaTypes are the content types passed on from upstream; anything else
// is sent as application/octet-stream (never text/html from a CDN).
var mediaTypes = map[string]bool{"video/mp2t": true, "video/mp4": true, "video/iso.segment": true,
	"audio/mp4": true, "audio/aac": true, "audio/mpeg": true, "application/octet-stream": true}

func writeCached(w http.ResponseWriter, c *cached, playlist bool) {
	h := w.Header()
	switch {
	case playlist:
		h.Set("Content-Type", "application/vnd.apple.mpegurl")
		h.Set("Cache-Control", "no-store")
	default:
		ct, _, _ := mime.ParseMediaType(c.ctype)
		if !mediaTypes[ct] {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		h.Set("Cache-Control", "private, max-age=60")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	if c.status == http.StatusPartialContent && c.crange != "" {
		h.Set("Content-Range", c.crange)
	}
	w.WriteHeader(c.status)
	_, _ = w.Write(c.body)
}
