// Package live is the websocket hub that carries events to the browsers:
// per-shop subscriptions filtered by what each user may see, resume from
// the last id a browser saw with no gap and no duplicate, and slow browsers
// cut off rather than waited for (STYLE.md §4.10, pitfalls P1-P4).
//
// Ownership rules: each connection has one writer goroutine (the only one
// that writes to it), a send queue with a wake channel that is never
// closed, and a done channel closed once; only the hub adds and removes connections, and
// Publish never blocks.
//
// Wire format: each websocket text message holds one or more JSON objects,
// one per line (under load the writer sends what is queued in one message:
// one system call instead of dozens).
//
//	{"type":"event","id":12,"shop":3,"alert":false,"html":"<article…>"}   a card (feed)
//	{"type":"event","id":12,"shop":3,"alert":false}                        the same for a badge
//	{"type":"live","last":12}        the feed has caught up; what follows is live
//	{"type":"count","n":4,"alerts":1,"last":12}   a badge's unseen events after its id
//	{"type":"picture","id":12}       event 12's picture is now kept
package live

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"storelens/internal/models"
)

// Renderer renders an event's card for a language (the feed's HTML).
type Renderer func(ctx context.Context, ev *models.Event, lang string) ([]byte, error)

// HubOptions tune the hub; the zero value gives the defaults.
type HubOptions struct {
	SendBuffer int           // messages queued per connection before it counts as slow (1024: a second at 1,000 events/s)
	WriteWait  time.Duration // longest a write may take before the connection is cut (5 s)
	// PongWait is the longest a browser may take to answer (10 s); pings go
	// every half of it. A browser whose socket stops reading answers no
	// ping (the ping waits behind the data it has not read), so this is
	// also how soon a stalled browser is cut off: the issue asks for 10 s,
	// where gorilla's chat example uses 60 s for idle keep-alive alone.
	PongWait    time.Duration
	MaxLifetime time.Duration // a connection is closed after this (plus up to a fifth more) so the browser re-authenticates (10 min)
	BacklogPage int           // events read per query when catching up (500)
	// FlushInterval is the least time between two writes to a busy
	// connection (10 ms); what comes meanwhile goes in the next write.
	FlushInterval time.Duration
	Log           *slog.Logger
	// OnDrop is told when a slow connection is cut: its queue was full, a
	// write timed out, or it sent no pong in time (tests, benchmarks).
	OnDrop func()
}

// Hub fans events out to websocket connections.
type Hub struct {
	store    *models.Store
	render   atomic.Pointer[Renderer]
	o        HubOptions
	upgrader websocket.Upgrader

	mu      sync.RWMutex
	byShop  map[uint]map[*client]struct{}
	all     map[*client]struct{}
	closed  bool
	dropped atomic.Int64
	wg      sync.WaitGroup
}

// NewHub returns a hub reading backlogs from store.
func NewHub(store *models.Store, o HubOptions) *Hub {
	if o.SendBuffer <= 0 {
		o.SendBuffer = 1024
	}
	if o.WriteWait <= 0 {
		o.WriteWait = 5 * time.Second
	}
	if o.PongWait <= 0 {
		o.PongWait = 10 * time.Second
	}
	if o.MaxLifetime <= 0 {
		o.MaxLifetime = 10 * time.Minute
	}
	if o.BacklogPage <= 0 {
		o.BacklogPage = 500
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 10 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Hub{store: store, o: o, byShop: map[uint]map[*client]struct{}{}, all: map[*client]struct{}{},
		// CheckOrigin is left nil: gorilla's same-host check refuses a
		// page of another site opening a socket with our cookie (P4).
		upgrader: websocket.Upgrader{ReadBufferSize: 512, WriteBufferSize: 32 << 10, WriteBufferPool: &sync.Pool{}}}
}

// SetRenderer sets how cards are rendered (the handlers own the templates).
func (h *Hub) SetRenderer(r Renderer) { h.render.Store(&r) }

// message is one thing to send, shared by every connection that gets it;
// each form is encoded once, by the first connection that needs it.
type message struct {
	kind   string // "event" or "picture"
	id     int64
	shopID uint
	alert  bool
	ev     *models.Event

	badgeOnce sync.Once
	badge     []byte
	mu        sync.Mutex
	html      map[string][]byte // lang -> full message
}

func (m *message) bytes(h *Hub, lang string, badge bool) []byte {
	if m.kind == "picture" {
		m.badgeOnce.Do(func() { m.badge, _ = json.Marshal(map[string]any{"type": "picture", "id": m.id}) })
		return m.badge
	}
	if badge {
		m.badgeOnce.Do(func() { m.badge = h.encode(nil, m.ev, "", true) })
		return m.badge
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.html[lang]; ok {
		return b
	}
	if m.html == nil {
		m.html = map[string][]byte{}
	}
	b := h.encode(context.Background(), m.ev, lang, false)
	m.html[lang] = b
	return b
}

type wireEvent struct {
	Type  string `json:"type"`
	ID    int64  `json:"id"`
	Shop  uint   `json:"shop"`
	Alert bool   `json:"alert"`
	HTML  string `json:"html,omitempty"`
}

func (h *Hub) encode(ctx context.Context, ev *models.Event, lang string, badge bool) []byte {
	w := wireEvent{Type: "event", ID: ev.ID, Shop: ev.ShopID, Alert: ev.Alert}
	if !badge {
		if r := h.render.Load(); r != nil {
			html, err := (*r)(ctx, ev, lang)
			if err != nil {
				h.o.Log.Error("render event card", "id", ev.ID, "err", err)
			}
			w.HTML = string(html)
		}
	}
	b, _ := json.Marshal(w)
	return b
}

// client is one websocket connection.
type client struct {
	conn  *websocket.Conn
	set   models.EventSet
	lang  string
	badge bool
	// queue is what was published for it and its writer has not taken;
	// Publish appends under qmu and signals wake only when the queue was
	// empty, so a busy connection's writer wakes once a write, not once an
	// event (at 1,000 events/s to 500 browsers that was 500,000 goroutine
	// wake-ups a second, most of the hub's CPU).
	qmu   sync.Mutex
	queue []*message
	spare []*message    // the writer's other half of the double buffer
	wake  chan struct{} // capacity 1; never closed (P1)
	done  chan struct{}
	once  sync.Once
	// slowOnce counts a cut-off once, whichever of queue, write or pong
	// noticed it first.
	slowOnce sync.Once
}

// take empties the queue and returns what it held.
func (c *client) take() []*message {
	c.qmu.Lock()
	q := c.queue
	c.queue = c.spare[:0]
	c.qmu.Unlock()
	return q
}

func (c *client) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.conn.Close()
	})
}

// Subscription is what a connection asks for.
type Subscription struct {
	// Set is the shops the user may see (and chose).
	Set models.EventSet
	// Lang renders the cards.
	Lang string
	// After is the last event id the browser has; it gets every later one.
	After int64
	// Badge asks for a count and compact messages instead of cards.
	Badge bool
}

// ErrHubClosed is returned by Serve once the hub has closed.
var ErrHubClosed = errors.New("live: hub closed")

// Serve upgrades the request and runs the connection until it ends. The
// caller has authorised the user and built Set from their scope.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, sub Subscription) error {
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return err // the upgrader has answered (403 for a foreign Origin)
	}
	c := &client{conn: conn, set: sub.Set, lang: sub.Lang, badge: sub.Badge,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	// Subscribe before reading the backlog: an event stored meanwhile is
	// then either in the backlog or in the queue (or both: the writer
	// skips what it has sent).
	if !h.add(c) {
		c.close()
		return ErrHubClosed
	}
	defer h.wg.Done()
	defer h.remove(c)
	defer c.close()
	go h.readLoop(c)
	h.writeLoop(r.Context(), c, sub.After)
	return nil
}

func (h *Hub) add(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.wg.Add(1) // under the lock: Close waits only after no more can come
	if c.set.All {
		h.all[c] = struct{}{}
		return true
	}
	for _, id := range c.set.Shops {
		m := h.byShop[id]
		if m == nil {
			m = map[*client]struct{}{}
			h.byShop[id] = m
		}
		m[c] = struct{}{}
	}
	return true
}

func (h *Hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.all, c)
	for _, id := range c.set.Shops {
		if m := h.byShop[id]; m != nil {
			delete(m, c)
			if len(m) == 0 {
				delete(h.byShop, id)
			}
		}
	}
}

// readLoop reads (and discards) what the browser sends, so pongs and the
// close handshake are seen; browsers send nothing else.
func (h *Hub) readLoop(c *client) {
	defer c.close()
	c.conn.SetReadLimit(512)
	_ = c.conn.SetReadDeadline(time.Now().Add(h.o.PongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(h.o.PongWait))
	})
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil {
			if isTimeout(err) {
				h.slow(c) // no pong in time: not reading, or hopelessly behind
			}
			return
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// slow cuts off a connection that cannot keep up.
func (h *Hub) slow(c *client) {
	c.slowOnce.Do(func() {
		h.dropped.Add(1)
		if h.o.OnDrop != nil {
			h.o.OnDrop()
		}
	})
	c.close()
}

// failed ends a connection after a failed write: a timeout means the
// browser stopped reading.
func (h *Hub) failed(c *client, err error) {
	if isTimeout(err) {
		h.slow(c)
		return
	}
	c.close()
}

func (h *Hub) write(c *client, b []byte) bool {
	_ = c.conn.SetWriteDeadline(time.Now().Add(h.o.WriteWait))
	if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		h.failed(c, err)
		return false
	}
	return true
}

// batchBytes bounds one websocket message of several lines.
const batchBytes = 64 << 10

var newline = []byte{'\n'}

// writeParts sends parts as one message, one per line, straight into the
// connection's (pooled) write buffer.
func (h *Hub) writeParts(c *client, parts [][]byte) bool {
	_ = c.conn.SetWriteDeadline(time.Now().Add(h.o.WriteWait))
	w, err := c.conn.NextWriter(websocket.TextMessage)
	if err == nil {
		for i, p := range parts {
			if i > 0 {
				_, _ = w.Write(newline)
			}
			if _, err = w.Write(p); err != nil {
				break
			}
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		h.failed(c, err)
		return false
	}
	return true
}

// writeLoop is the connection's only writer: first what the browser
// missed, then live events, pings, and a close when its time is up.
func (h *Hub) writeLoop(ctx context.Context, c *client, after int64) {
	last, ok := h.catchUp(ctx, c, after)
	if !ok {
		return
	}
	ping := time.NewTicker(h.o.PongWait / 2)
	defer ping.Stop()
	life := h.o.MaxLifetime + rand.N(h.o.MaxLifetime/5+1)
	expire := time.NewTimer(life)
	defer expire.Stop()
	// Under load, writes are spaced at least FlushInterval apart and carry
	// everything queued meanwhile: a few milliseconds more latency, many
	// fewer system calls and wake-ups. An idle connection writes at once.
	var parts [][]byte
	var lastWrite time.Time
	flushTimer := time.NewTimer(time.Hour)
	flushTimer.Stop()
	defer flushTimer.Stop()
	var flushC <-chan time.Time
	flush := func() bool {
		flushC = nil
		q := c.take()
		size := 0
		for i, m := range q {
			q[i] = nil
			if m.kind == "event" {
				if m.id <= last {
					continue // already sent with the backlog
				}
				last = m.id
			}
			b := m.bytes(h, c.lang, c.badge)
			parts, size = append(parts, b), size+len(b)+1
			if size >= batchBytes {
				if !h.writeParts(c, parts) {
					return false
				}
				parts, size = parts[:0], 0
			}
		}
		c.spare = q[:0]
		lastWrite = time.Now()
		if len(parts) == 0 {
			return true
		}
		ok := h.writeParts(c, parts)
		clear(parts)
		parts = parts[:0]
		return ok
	}
	for {
		select {
		case <-c.done:
			return
		case <-c.wake:
			if flushC != nil {
				continue // a write is already due
			}
			if wait := h.o.FlushInterval - time.Since(lastWrite); wait > 0 {
				flushTimer.Reset(wait)
				flushC = flushTimer.C
				continue
			}
			if !flush() {
				return
			}
		case <-flushC:
			if !flush() {
				return
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.o.WriteWait)); err != nil {
				h.failed(c, err)
				return
			}
		case <-expire.C:
			// Time to re-authenticate: the browser reconnects with its
			// last id and loses nothing.
			_ = c.conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "reconnect"), time.Now().Add(h.o.WriteWait))
			return
		}
	}
}

// catchUp sends what the browser missed: the backlog of events after its
// id (a feed), or their count (a badge). It returns the last id covered.
func (h *Hub) catchUp(ctx context.Context, c *client, after int64) (int64, bool) {
	if c.badge {
		last, err := h.store.LastEventID(ctx, c.set)
		if err != nil {
			h.o.Log.Warn("live: badge count", "err", err)
			return 0, false
		}
		var n, alerts int64
		if after > 0 && after < last {
			if n, alerts, err = h.store.CountEventsAfter(ctx, c.set, after, 100); err != nil {
				return 0, false
			}
		}
		b, _ := json.Marshal(map[string]any{"type": "count", "n": n, "alerts": alerts, "last": last})
		return last, h.write(c, b)
	}
	last := after
	for {
		evs, err := h.store.EventsAfter(ctx, c.set, last, h.o.BacklogPage)
		if err != nil {
			h.o.Log.Warn("live: backlog", "err", err)
			return 0, false
		}
		var buf []byte
		for i := range evs {
			if len(buf) > 0 {
				buf = append(buf, '\n')
			}
			buf = append(buf, h.encode(ctx, &evs[i], c.lang, false)...)
			last = evs[i].ID
			if len(buf) >= batchBytes || i == len(evs)-1 {
				if !h.write(c, buf) {
					return 0, false
				}
				buf = buf[:0]
			}
		}
		if len(evs) < h.o.BacklogPage {
			break
		}
		select {
		case <-c.done:
			return 0, false
		default:
		}
	}
	b, _ := json.Marshal(map[string]any{"type": "live", "last": last})
	return last, h.write(c, b)
}

// Publish sends stored events, in id order, to every connection whose
// shops include theirs. It never blocks: a connection whose queue is full
// is cut off (it reconnects and catches up from its last id).
func (h *Hub) Publish(evs ...*models.Event) {
	for _, ev := range evs {
		h.fan(&message{kind: "event", id: ev.ID, shopID: ev.ShopID, alert: ev.Alert, ev: ev})
	}
}

// PublishPicture tells the feeds of a shop that an event's picture is kept.
func (h *Hub) PublishPicture(shopID uint, eventID int64) {
	h.fan(&message{kind: "picture", id: eventID, shopID: shopID})
}

func (h *Hub) fan(m *message) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.byShop[m.shopID] {
		h.offer(c, m)
	}
	for c := range h.all {
		h.offer(c, m)
	}
}

func (h *Hub) offer(c *client, m *message) {
	if m.kind == "picture" && c.badge {
		return
	}
	select {
	case <-c.done:
		return
	default:
	}
	c.qmu.Lock()
	if len(c.queue) >= h.o.SendBuffer {
		c.qmu.Unlock()
		h.slow(c) // its queue is full: never wait for it (P2)
		return
	}
	c.queue = append(c.queue, m)
	first := len(c.queue) == 1
	c.qmu.Unlock()
	if first {
		select {
		case c.wake <- struct{}{}:
		default: // already signalled
		}
	}
}

// Clients is the number of open connections.
func (h *Hub) Clients() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	seen := len(h.all)
	counted := map[*client]bool{}
	for _, m := range h.byShop {
		for c := range m {
			if !counted[c] {
				counted[c] = true
				seen++
			}
		}
	}
	return seen
}

// Dropped is how many slow connections have been cut off.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }

// Close disconnects everyone and refuses new connections.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	var cs []*client
	for c := range h.all {
		cs = append(cs, c)
	}
	for _, m := range h.byShop {
		for c := range m {
			cs = append(cs, c)
		}
	}
	h.mu.Unlock()
	for _, c := range cs {
		_ = c.conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "server stopping"), time.Now().Add(time.Second))
		c.close()
	}
	h.wg.Wait()
}
