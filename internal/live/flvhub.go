package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// maxGOPBytes bounds what is kept for late joiners: a camera with a very
// long GOP makes them wait for the next keyframe instead.
const maxGOPBytes = 16 << 20

// flvHub reads one upstream FLV stream and fans it out. A viewer who joins
// late gets the FLV header, the metadata and codec configuration, and every
// tag since the last keyframe, in one chunk, then the live tags. Viewers
// never slow the upstream or each other: each has a bounded queue, and a
// viewer whose queue is full is dropped.
type flvHub struct {
	s      *Session
	cancel context.CancelFunc

	mu       sync.Mutex
	header   []byte
	meta     []byte
	vcfg     []byte
	acfg     []byte
	gop      [][]byte
	gopBytes int
	viewers  map[*flvViewer]struct{}
	closed   bool
	upBytes  int64 // bytes read from upstream (header and tags)
	upOpen   bool  // an upstream response is being read
}

// flvViewer is one viewer's queue. ch is never closed (publishers would
// panic); done is closed once when the viewer is dropped or the hub ends.
type flvViewer struct {
	ch     chan []byte
	done   chan struct{}
	once   sync.Once
	primed bool // has had the FLV header
	slow   bool
}

func (v *flvViewer) end(slow bool) {
	v.once.Do(func() {
		v.slow = slow
		close(v.done)
	})
}

// hubFor returns the session's hub, starting its upstream reader on first
// use.
func (s *Session) hubFor() (*flvHub, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.hub == nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.hub = &flvHub{s: s, cancel: cancel, viewers: map[*flvViewer]struct{}{}}
		go s.hub.run(ctx)
	}
	return s.hub, nil
}

// add joins a viewer, priming it at once if the stream has begun.
func (h *flvHub) add() (*flvViewer, error) {
	v := &flvViewer{ch: make(chan []byte, h.s.m.opt.ViewerBuffer), done: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if h.header != nil {
		v.ch <- h.primer()
		v.primed = true
	}
	h.viewers[v] = struct{}{}
	return v, nil
}

// primer is what a late joiner needs before the live tags. Called with h.mu.
func (h *flvHub) primer() []byte {
	n := len(h.header) + len(h.meta) + len(h.vcfg) + len(h.acfg) + h.gopBytes
	b := make([]byte, 0, n)
	b = append(b, h.header...)
	b = append(b, h.meta...)
	b = append(b, h.vcfg...)
	b = append(b, h.acfg...)
	for _, t := range h.gop {
		b = append(b, t...)
	}
	return b
}

func (h *flvHub) remove(v *flvViewer) {
	h.mu.Lock()
	delete(h.viewers, v)
	h.mu.Unlock()
	v.end(false)
}

// setHeader starts a new upstream connection: viewers who have not had a
// header get this one; the GOP of an earlier connection is forgotten.
func (h *flvHub) setHeader(hdr []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.header = hdr
	h.gop, h.gopBytes = nil, 0
	h.upBytes += int64(len(hdr))
	for v := range h.viewers {
		if !v.primed {
			h.send(v, hdr)
			v.primed = true
		}
	}
}

// publish records tag for late joiners and queues it for every viewer.
func (h *flvHub) publish(t flvTag) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.upBytes += int64(len(t.raw))
	switch t.kind {
	case kindMeta:
		h.meta = t.raw
	case kindVideoConfig:
		h.vcfg = t.raw
	case kindAudioConfig:
		h.acfg = t.raw
	case kindKeyframe:
		h.gop, h.gopBytes = append(h.gop[:0:0], t.raw), len(t.raw)
	case kindFrame:
		if h.gop != nil {
			if h.gopBytes+len(t.raw) > maxGOPBytes {
				h.gop, h.gopBytes = nil, 0
			} else {
				h.gop = append(h.gop, t.raw)
				h.gopBytes += len(t.raw)
			}
		}
	}
	for v := range h.viewers {
		if v.primed {
			h.send(v, t.raw)
		}
	}
}

// send queues b for v without blocking; a full queue drops the viewer.
// Called with h.mu.
func (h *flvHub) send(v *flvViewer, b []byte) {
	select {
	case v.ch <- b:
	default:
		delete(h.viewers, v)
		v.end(true)
	}
}

// maxStartFailures is how many failed vendor starts in a row end the
// viewers' streams.
const maxStartFailures = 3

// dropViewers ends every viewer's stream (the hub keeps running for new
// ones).
func (h *flvHub) dropViewers() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for v := range h.viewers {
		delete(h.viewers, v)
		v.end(false)
	}
}

// close ends the hub: the upstream request and every viewer.
func (h *flvHub) close() {
	h.cancel()
	h.mu.Lock()
	h.closed = true
	for v := range h.viewers {
		delete(h.viewers, v)
		v.end(false)
	}
	h.mu.Unlock()
}

// errRefused is an upstream that answered 403/404/410: its URL expired or
// the stream was stopped at the vendor, so the stream must be started anew.
var errRefused = errors.New("live: upstream refused the URL")

// run reads the upstream until the hub is closed, reconnecting when the
// upstream ends (and starting the vendor stream again when its URL
// expired or was refused).
func (h *flvHub) run(ctx context.Context) {
	log := h.s.m.opt.Log.With("camera", h.s.info.Camera, "stream", h.s.info.Label)
	backoff := 250 * time.Millisecond
	failures := 0
	for ctx.Err() == nil {
		st, err := h.s.current(ctx)
		if err == nil && st.FLV == "" {
			err = errors.New("live: the vendor gave no FLV URL")
		}
		if err != nil {
			// The vendor will not start it (the camera went off line, say):
			// after a few tries the viewers are let go, so their players
			// stop waiting and say so, instead of showing a frozen picture.
			if failures++; failures >= maxStartFailures {
				h.dropViewers()
			}
		} else {
			failures = 0
			start := time.Now()
			err = h.pull(ctx, st.FLV)
			if time.Since(start) > 10*time.Second {
				backoff = 250 * time.Millisecond // it streamed: not a failing loop
			}
		}
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errRefused) {
			h.s.reload()
		}
		log.Info("live: upstream ended, reconnecting", "err", redactErr(err), "after", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

// pull reads one upstream response to its end.
func (h *flvHub) pull(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return redactErr(err)
	}
	resp, err := h.s.mediaHTTP().Do(req)
	if err != nil {
		return redactErr(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return fmt.Errorf("%w: HTTP %d", errRefused, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("live: upstream HTTP %d", resp.StatusCode)
	}
	h.setOpen(true)
	defer h.setOpen(false)
	fr := newFLVReader(resp.Body)
	hdr, err := fr.header()
	if err != nil {
		return err
	}
	h.setHeader(hdr)
	for {
		t, err := fr.next()
		if err != nil {
			return err
		}
		if t.kind != kindEndOfSeq {
			h.publish(t)
		}
	}
}

func (h *flvHub) setOpen(open bool) {
	h.mu.Lock()
	h.upOpen = open
	h.mu.Unlock()
}

// UpstreamStats are the FLV hub's counters, for tests and benchmarks.
type UpstreamStats struct {
	Bytes int64
	Open  bool
}

// FLVUpstream returns the counters of key's FLV upstream (zero if none).
func (m *Manager) FLVUpstream(key string) UpstreamStats {
	m.mu.Lock()
	s := m.sessions[key]
	m.mu.Unlock()
	if s == nil {
		return UpstreamStats{}
	}
	s.mu.Lock()
	h := s.hub
	s.mu.Unlock()
	if h == nil {
		return UpstreamStats{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return UpstreamStats{Bytes: h.upBytes, Open: h.upOpen}
}
