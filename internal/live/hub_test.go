package live_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"storelens/internal/live"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
)

type rig struct {
	t     *testing.T
	st    *models.Store
	hub   *live.Hub
	srv   *httptest.Server
	shopA uint
	shopB uint
	seq   int
}

func newRig(t *testing.T, o live.HubOptions) *rig {
	t.Helper()
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler)})
	r := &rig{t: t, st: st}
	for _, p := range []*uint{&r.shopA, &r.shopB} {
		sh := models.Shop{Name: "shop"}
		if err := st.CreateShop(context.Background(), &sh); err != nil {
			t.Fatal(err)
		}
		*p = sh.ID
	}
	r.hub = live.NewHub(st, o)
	r.hub.SetRenderer(func(_ context.Context, ev *models.Event, lang string) ([]byte, error) {
		return []byte(fmt.Sprintf("<li>%s %d</li>", lang, ev.ID)), nil
	})
	// The test's "handler": the shops come from the query, as the real
	// handler builds them from the user's scope.
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		set := models.EventSet{All: q.Get("shops") == "all"}
		for _, s := range strings.Split(q.Get("shops"), ",") {
			if id, err := strconv.Atoi(s); err == nil {
				set.Shops = append(set.Shops, uint(id))
			}
		}
		after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
		r.hub.Serve(w, req, live.Subscription{Set: set, Lang: "en", After: after, Badge: q.Get("badge") == "1"})
	}))
	t.Cleanup(func() { r.hub.Close(); r.srv.Close() })
	return r
}

// store stores n events in shop and publishes them, as the pipeline does.
func (r *rig) store(shop uint, n int) []*models.Event {
	r.t.Helper()
	evs := r.insert(shop, n)
	r.hub.Publish(evs...)
	return evs
}

func (r *rig) insert(shop uint, n int) []*models.Event {
	r.t.Helper()
	var evs []*models.Event
	for i := 0; i < n; i++ {
		r.seq++
		evs = append(evs, &models.Event{ShopID: shop, Vendor: "t", DedupeKey: fmt.Sprint("k", r.seq), Kind: "face",
			OccurredAt: time.Now(), ReceivedAt: time.Now(), Alert: r.seq%5 == 0})
	}
	if _, err := r.st.InsertEvents(context.Background(), evs); err != nil {
		r.t.Fatal(err)
	}
	return evs
}

type msg struct {
	Type   string `json:"type"`
	ID     int64  `json:"id"`
	Shop   uint   `json:"shop"`
	Alert  bool   `json:"alert"`
	HTML   string `json:"html"`
	Last   int64  `json:"last"`
	N      int64  `json:"n"`
	Alerts int64  `json:"alerts"`
}

func (r *rig) dial(query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	if header == nil {
		header = http.Header{"Origin": {r.srv.URL}}
	}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(r.srv.URL, "http")+"/?"+query, header)
}

func (r *rig) mustDial(query string) *websocket.Conn {
	r.t.Helper()
	c, _, err := r.dial(query, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	return c
}

// reader splits the hub's messages into their lines.
type reader struct {
	c       *websocket.Conn
	pending []msg
}

var readers = map[*websocket.Conn]*reader{}

func read(t *testing.T, c *websocket.Conn) msg {
	t.Helper()
	r := readers[c]
	if r == nil {
		r = &reader{c: c}
		readers[c] = r
	}
	for len(r.pending) == 0 {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			var m msg
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			r.pending = append(r.pending, m)
		}
	}
	m := r.pending[0]
	r.pending = r.pending[1:]
	return m
}

// readEvents reads until n events have come (skipping the live marker).
func readEvents(t *testing.T, c *websocket.Conn, n int) []msg {
	t.Helper()
	var out []msg
	for len(out) < n {
		if m := read(t, c); m.Type == "event" {
			out = append(out, m)
		}
	}
	return out
}

func TestOnlyTheShopsOfTheSubscription(t *testing.T) {
	r := newRig(t, live.HubOptions{})
	a := r.mustDial(fmt.Sprintf("shops=%d", r.shopA))
	all := r.mustDial("shops=all")
	if m := read(t, a); m.Type != "live" {
		t.Fatalf("first message %+v", m)
	}
	read(t, all)
	r.store(r.shopB, 2)
	evA := r.store(r.shopA, 1)
	got := read(t, a)
	if got.Type != "event" || got.ID != evA[0].ID || got.Shop != r.shopA || got.HTML != fmt.Sprintf("<li>en %d</li>", evA[0].ID) {
		t.Fatalf("shop A's client got %+v, want event %d (shop B's events must not reach it)", got, evA[0].ID)
	}
	if evs := readEvents(t, all, 3); evs[2].ID != evA[0].ID {
		t.Fatal("the all-shops client missed events")
	}
}

func TestResumeHasNoGapAndNoDuplicate(t *testing.T) {
	r := newRig(t, live.HubOptions{BacklogPage: 7})
	first := r.store(r.shopA, 5)
	c := r.mustDial(fmt.Sprintf("shops=%d&after=0", r.shopA))
	got := readEvents(t, c, 5)
	last := got[4].ID
	c.Close()
	// While disconnected: 23 more (over three backlog pages), then keep
	// publishing during the reconnect.
	r.store(r.shopA, 23)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20; i++ {
			r.store(r.shopA, 1)
			time.Sleep(time.Millisecond)
		}
	}()
	c2 := r.mustDial(fmt.Sprintf("shops=%d&after=%d", r.shopA, last))
	<-done
	rest := readEvents(t, c2, 43)
	seen := map[int64]bool{}
	prev := last
	for _, m := range rest {
		if seen[m.ID] {
			t.Fatalf("event %d twice", m.ID)
		}
		seen[m.ID] = true
		if m.ID <= prev {
			t.Fatalf("event %d after %d", m.ID, prev)
		}
		prev = m.ID
	}
	if want := first[0].ID + 47; prev != want {
		t.Fatalf("last event %d, want %d", prev, want)
	}
	if r := readers[c2]; r != nil && len(r.pending) > 0 {
		t.Fatalf("extra events %+v", r.pending)
	}
	// Nothing more but the hub's "live" marker (the backlog is done), whose
	// moment depends on when the reconnect caught up with the publisher.
	c2.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	for {
		_, b, err := c2.ReadMessage()
		if err != nil {
			break
		}
		if !strings.Contains(string(b), `"type":"live"`) {
			t.Fatalf("an extra message %s", b)
		}
	}
}

func TestSlowClientIsCutOffAndNeverWaitedFor(t *testing.T) {
	var drops atomic.Int32
	r := newRig(t, live.HubOptions{SendBuffer: 4, WriteWait: 500 * time.Millisecond, OnDrop: func() { drops.Add(1) }})
	slow := r.mustDial("shops=all") // never reads
	fast := r.mustDial("shops=all")
	read(t, fast)
	time.Sleep(50 * time.Millisecond)
	evs := r.insert(r.shopA, 3000) // far more than the slow one's buffers hold
	start := time.Now()
	r.hub.Publish(evs...)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("publishing took %s", d)
	}
	// The fast client keeps up; the slow one is gone.
	deadline := time.Now().Add(10 * time.Second)
	for drops.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the slow client was never cut off")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = slow
	// The fast client may also have been cut if it lagged by more than its
	// small buffer; what it got must be in order and end at the last id or
	// be cut off (then it would reconnect and resume).
	var lastID int64
	fast.SetReadDeadline(time.Now().Add(3 * time.Second))
	for lastID != evs[len(evs)-1].ID {
		_, b, err := fast.ReadMessage()
		if err != nil {
			break
		}
		for _, line := range strings.Split(string(b), "\n") {
			var m msg
			json.Unmarshal([]byte(line), &m)
			if m.Type != "event" {
				continue
			}
			if m.ID <= lastID {
				t.Fatalf("out of order: %d after %d", m.ID, lastID)
			}
			lastID = m.ID
		}
	}
}

func TestForeignOriginRefused(t *testing.T) {
	r := newRig(t, live.HubOptions{})
	_, res, err := r.dial("shops=all", http.Header{"Origin": {"https://evil.example"}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: %v %v", res, err)
	}
	// No Origin (not a browser) and our own are fine.
	if c, _, err := r.dial("shops=all", http.Header{}); err != nil {
		t.Fatal(err)
	} else {
		c.Close()
	}
}

func TestBadgeCountsThenFollows(t *testing.T) {
	r := newRig(t, live.HubOptions{})
	evs := r.store(r.shopA, 10) // alerts at seq 5 and 10
	c := r.mustDial(fmt.Sprintf("shops=%d&badge=1&after=%d", r.shopA, evs[2].ID))
	m := read(t, c)
	if m.Type != "count" || m.N != 7 || m.Alerts != 2 || m.Last != evs[9].ID {
		t.Fatalf("count %+v", m)
	}
	more := r.store(r.shopA, 1)
	m = read(t, c)
	if m.Type != "event" || m.ID != more[0].ID || m.HTML != "" {
		t.Fatalf("badge event %+v", m)
	}
	fresh := r.mustDial(fmt.Sprintf("shops=%d&badge=1", r.shopA))
	if m := read(t, fresh); m.N != 0 || m.Last != more[0].ID {
		t.Fatalf("a first-time badge: %+v", m)
	}
}

func TestPingPongKeepsIdleOpenAndCloseEndsAll(t *testing.T) {
	r := newRig(t, live.HubOptions{PongWait: 600 * time.Millisecond})
	c := r.mustDial("shops=all")
	read(t, c)
	// Idle for longer than the pong wait: the client's pongs (sent while
	// it reads) keep the connection.
	c.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
	if _, _, err := c.ReadMessage(); err == nil {
		t.Fatal("an idle connection got a message")
	}
	if n := r.hub.Clients(); n != 1 {
		t.Fatalf("idle connection dropped: %d clients", n)
	}
	c2 := r.mustDial("shops=all")
	read(t, c2)
	r.hub.Close()
	if n := r.hub.Clients(); n != 0 {
		t.Fatalf("close left %d connections", n)
	}
	c2.SetReadDeadline(time.Now().Add(time.Second))
	_, _, err := c2.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("after Close: %v, want a going-away close", err)
	}
}
