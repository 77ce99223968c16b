package events

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"storelens/internal/blobs"
	"storelens/internal/models"
	"storelens/internal/netguard"
)

// MaxPicture bounds a picture fetched from a vendor (a capture is tens of
// kilobytes; a camera snapshot at most 1920x1080 JPEG).
const MaxPicture = 4 << 20

// maxPictureTries is how often a picture is fetched before giving up (the
// vendors' links expire: 003's auth_key).
const maxPictureTries = 5

// pictureName is a kept picture's file name: content hash and type.
var pictureName = regexp.MustCompile(`^[0-9a-f]{40}\.(jpg|png)$`)

// pictures fetches event pictures from the vendors once and keeps them in
// the data directory, named by content hash.
type pictures struct {
	s        *Service
	store    blobs.Store
	q        chan picJob
	mu       sync.Mutex
	inFlight map[int64]bool
}

type picJob struct {
	id     int64
	shopID uint
	source string // the source that delivered the event: its TLS trust fetches the picture
	src    string
}

func newPictures(s *Service) *pictures {
	store := s.cfg.Pictures
	if store == nil {
		store = blobs.DirAt(filepath.Join(s.cfg.DataDir, "events", "pictures"))
	}
	return &pictures{s: s, store: store, q: make(chan picJob, 4096), inFlight: map[int64]bool{}}
}

func (p *pictures) start(ctx context.Context, wg *sync.WaitGroup) {
	for i := 0; i < p.s.cfg.PictureWorkers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-p.q:
					p.fetch(ctx, j)
				}
			}
		}()
	}
	// Pictures left behind (a restart, a queue that was full, a camera
	// that was offline) are picked up again every half minute.
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			p.rescan(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// queue asks for an event's picture; a full queue is left to the rescan.
func (p *pictures) queue(id int64, shopID uint, source, src string) {
	p.mu.Lock()
	if p.inFlight[id] {
		p.mu.Unlock()
		return
	}
	p.inFlight[id] = true
	p.mu.Unlock()
	select {
	case p.q <- picJob{id: id, shopID: shopID, source: source, src: src}:
	default:
		p.done(id)
	}
}

func (p *pictures) done(id int64) {
	p.mu.Lock()
	delete(p.inFlight, id)
	p.mu.Unlock()
}

func (p *pictures) rescan(ctx context.Context) {
	// Newer events are in the queue already (or were fetched a moment ago).
	evs, err := p.s.cfg.Store.PendingPictures(ctx, p.s.cfg.Now().Add(-20*time.Second), maxPictureTries, 500)
	if err != nil {
		if ctx.Err() == nil {
			p.s.log.Warn("events: pending pictures", "err", err)
		}
		return
	}
	for _, ev := range evs {
		p.queue(ev.ID, ev.ShopID, ev.Source, ev.PictureSrc)
	}
}

func (p *pictures) fetch(ctx context.Context, j picJob) {
	defer p.done(j.id)
	name, err := p.download(netguard.WithFetch(ctx, j.shopID, "picture"), p.s.sources.client(j.source), j.src)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		if _, refused := netguard.IsRefusal(err); refused {
			// Refused by the outbound policy (logged and counted there):
			// the event keeps no picture and the link is never tried again.
			if err := p.s.cfg.Store.GiveUpEventPicture(ctx, j.id, maxPictureTries); err != nil {
				p.s.log.Warn("events: give up picture", "event", j.id, "err", err)
			}
			return
		}
		p.s.log.Warn("events: picture not fetched", "event", j.id, "err", netguard.Redact(err))
		if err := p.s.cfg.Store.FailEventPicture(ctx, j.id); err != nil {
			p.s.log.Warn("events: count picture failure", "event", j.id, "err", err)
		}
		return
	}
	if err := p.s.cfg.Store.SetEventPicture(ctx, j.id, name); err != nil {
		p.s.log.Warn("events: record picture", "event", j.id, "err", err)
		return
	}
	p.s.cfg.Hub.PublishPicture(j.shopID, j.id)
}

// download fetches src (through the source's outbound policy), checks it
// is a JPEG or PNG, and keeps it.
func (p *pictures) download(ctx context.Context, hc *http.Client, src string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return "", err
	}
	res, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d", res.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, MaxPicture+1))
	if err != nil {
		return "", err
	}
	if len(b) > MaxPicture {
		return "", errors.New("picture larger than 4 MiB")
	}
	// By its bytes, whatever the Content-Type says: a JPEG or PNG, or it
	// is refused and nothing is kept.
	ext := netguard.SniffPicture(b)
	if ext == "" {
		return "", p.s.cfg.Guard.RecordCtx(ctx, netguard.Policy{}, netguard.ReasonContent, netguard.HostOf(src))
	}
	sum := sha256.Sum256(b)
	name := hex.EncodeToString(sum[:20]) + ext
	return name, p.store.Put(ctx, name, b)
}

// Picture reads a kept picture and when it was stored; models.ErrNotFound
// for a name that is not one of ours or not kept.
func (s *Service) Picture(ctx context.Context, name string) ([]byte, time.Time, error) {
	if !pictureName.MatchString(name) {
		return nil, time.Time{}, models.ErrNotFound
	}
	b, at, err := s.pics.store.Get(ctx, name)
	if errors.Is(err, blobs.ErrNotFound) {
		return nil, time.Time{}, models.ErrNotFound
	}
	return b, at, err
}

// OpenClip streams an event's clip from its vendor (the link stays on the
// server). The caller closes the body.
func (s *Service) OpenClip(ctx context.Context, ev *models.Event) (io.ReadCloser, string, error) {
	if ev.ClipSrc == "" {
		return nil, "", models.ErrNotFound
	}
	ctx = netguard.WithFetch(ctx, ev.ShopID, "clip")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ev.ClipSrc, nil)
	if err != nil {
		return nil, "", netguard.Redact(err)
	}
	res, err := s.sources.client(ev.Source).Do(req)
	if err != nil {
		return nil, "", netguard.Redact(err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, "", fmt.Errorf("events: clip: HTTP %d", res.StatusCode)
	}
	// The type 003 documents (FLV), by its bytes: anything else (a page
	// of some other service) is refused and nothing is passed on.
	br := bufio.NewReader(res.Body)
	head, _ := br.Peek(4)
	ct := netguard.SniffClip(head)
	if ct == "" {
		res.Body.Close()
		return nil, "", s.cfg.Guard.RecordCtx(ctx, netguard.Policy{}, netguard.ReasonContent, res.Request.URL.Hostname())
	}
	return readCloser{br, res.Body}, ct, nil
}

// readCloser reads through a buffer and closes the body under it.
type readCloser struct {
	io.Reader
	io.Closer
}

// RetentionDays is the configured retention (90 days unless set).
func (s *Service) RetentionDays(ctx context.Context) (int, error) {
	v, err := s.cfg.Store.Setting(ctx, models.EventsRetentionKey)
	if err != nil {
		return 0, err
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n, nil
	}
	return models.DefaultEventsRetentionDays, nil
}

// SetRetentionDays stores the retention.
func (s *Service) SetRetentionDays(ctx context.Context, days int) error {
	return s.cfg.Store.SetSetting(ctx, models.EventsRetentionKey, strconv.Itoa(days))
}

func (s *Service) retentionLoop(ctx context.Context) {
	// Once across instances: on the leader of the event sources (lead.go).
	for {
		lead, stop, ok := s.sources.gate.wait(ctx)
		if !ok {
			return
		}
		s.retentionRun(lead)
		stop()
	}
}

// retentionRun sweeps a minute after it starts, then hourly, until ctx
// ends.
func (s *Service) retentionRun(ctx context.Context) {
	first := time.NewTimer(time.Minute)
	defer first.Stop()
	select {
	case <-ctx.Done():
		return
	case <-first.C:
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("events: retention sweep", "err", err)
		} else if n > 0 {
			s.log.Info("events: removed events past retention", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep removes the events older than the retention, and the pictures no
// remaining event shows. It returns how many events went.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	days, err := s.RetentionDays(ctx)
	if err != nil {
		return 0, err
	}
	cutoff := s.cfg.Now().Add(-time.Duration(days) * 24 * time.Hour)
	var total int64
	for {
		n, pics, err := s.cfg.Store.DeleteEventsBefore(ctx, cutoff, 1000)
		if err != nil {
			return total, err
		}
		total += n
		used, err := s.cfg.Store.PicturesInUse(ctx, pics)
		if err != nil {
			return total, err
		}
		for _, name := range pics {
			if pictureName.MatchString(name) && !used[name] {
				if err := s.pics.store.Remove(ctx, name); err != nil {
					s.log.Warn("events: remove picture", "file", name, "err", err)
				}
			}
		}
		if n < 1000 {
			return total, nil
		}
	}
}
