package push

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
)

// The push message codes (004 §6.5.2).
const (
	codeConnected  = 20000
	codeDenied     = 20002
	codeHeartbeat  = 10000
	codePushRecord = 30000
)

// Cursor is the last record stored: a reconnect fills in from there.
type Cursor struct {
	ID int64
	At time.Time
}

// Config is one SenseLink server's record push.
type Config struct {
	// BaseURL is the API's http(s)://HOST:PORT (the query is BaseURL +
	// /api/v1/record).
	BaseURL string
	// WSURL is the push server's ws(s)://HOST:PORT (port 9000 in 004).
	WSURL string
	// ImageURL is where image ids are fetched from (NOTES.md item 80);
	// BaseURL + "/image" if empty.
	ImageURL          string
	AppKey, AppSecret string
	HTTP              *http.Client
	Dialer            *websocket.Dialer
	// Handle stores a record; it returns once the record is durable.
	Handle func(ctx context.Context, ev vendors.Event) error
	// Since is the last record stored. With no cursor (a first start), no
	// history is fetched.
	Since func(ctx context.Context) (Cursor, bool, error)
	// Heartbeat is the ping period (30 s if zero).
	Heartbeat              time.Duration
	OnState                func(State)
	MinBackoff, MaxBackoff time.Duration
	Now                    func() time.Time
	Log                    *slog.Logger
}

// State is the push connection's state, for the settings page.
type State struct {
	Connected bool
	Err       error
	Since     time.Time
}

// DeniedError is a 20002 "Permission Denied" on connecting.
type DeniedError struct{ Desc string }

func (e *DeniedError) Error() string { return "push: permission denied: " + e.Desc }

func (c *Config) defaults() {
	if c.Heartbeat <= 0 {
		c.Heartbeat = 30 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = time.Second
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(60*time.Second, c.MinBackoff)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.ImageURL == "" {
		c.ImageURL = strings.TrimRight(c.BaseURL, "/") + "/image"
	}
	if c.Dialer == nil {
		c.Dialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
}

func (c *Config) state(s State) {
	if c.OnState != nil {
		c.OnState(s)
	}
}

// Run keeps the push connection open until ctx ends, filling in missed
// records after every (re)connect, and reconnecting with backoff and jitter.
func Run(ctx context.Context, cfg Config) error {
	cfg.defaults()
	backoff := cfg.MinBackoff
	var unfilled *Cursor // a gap not yet filled, carried across connections
	for {
		start := cfg.Now()
		err := session(ctx, &cfg, &unfilled)
		if ctx.Err() != nil {
			cfg.state(State{Since: cfg.Now()})
			return ctx.Err()
		}
		cfg.state(State{Err: err, Since: cfg.Now()})
		if cfg.Now().Sub(start) > 2*cfg.Heartbeat {
			backoff = cfg.MinBackoff
		}
		var denied *DeniedError
		if errors.As(err, &denied) {
			backoff = cfg.MaxBackoff // credentials will not fix themselves
		}
		wait := jitter(backoff)
		cfg.Log.Warn("senselink record push closed; reconnecting", "err", err, "wait", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(backoff*2, cfg.MaxBackoff)
	}
}

func jitter(d time.Duration) time.Duration {
	if d < 2 {
		return d
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(d/2)))
	if err != nil {
		return d
	}
	return d/2 + time.Duration(n.Int64())
}

// PushURL is the signed push URL for a connection made at now (004 §6.5.2).
func PushURL(wsBase, appKey, secret string, now time.Time) string {
	ts := senselink.Timestamp(now)
	return strings.TrimRight(wsBase, "/") + "/websocket/record/" + url.PathEscape(appKey) + "/" + ts + "/" + senselink.Sign(ts, secret)
}

type message struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Desc    string          `json:"desc"`
	Data    json.RawMessage `json:"data"`
}

func session(ctx context.Context, cfg *Config, unfilled **Cursor) error {
	// The gap starts at the last stored record, fixed before connecting:
	// records pushed from now on are stored as they come.
	from := *unfilled
	if from == nil && cfg.Since != nil {
		cur, ok, err := cfg.Since(ctx)
		if err != nil {
			return err
		}
		if ok {
			from = &cur
		}
	}
	now := cfg.Now()
	ws, res, err := cfg.Dialer.DialContext(ctx, PushURL(cfg.WSURL, cfg.AppKey, cfg.AppSecret, now), nil)
	if res != nil && res.Body != nil {
		res.Body.Close()
	}
	if err != nil {
		*unfilled = from
		return fmt.Errorf("push: connect: %w", err)
	}
	defer ws.Close()
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()
	var wmu sync.Mutex
	write := func(mt int, b []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		_ = ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return ws.WriteMessage(mt, b)
	}
	ts := senselink.Timestamp(now)
	hello, _ := json.Marshal(map[string]string{"app_key": cfg.AppKey, "timestamp": ts, "sign": senselink.Sign(ts, cfg.AppSecret)})
	if err := write(websocket.TextMessage, hello); err != nil {
		*unfilled = from
		return err
	}
	ws.SetReadLimit(1 << 20)
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m message
	if err := ws.ReadJSON(&m); err != nil {
		*unfilled = from
		return fmt.Errorf("push: no greeting: %w", err)
	}
	switch m.Code {
	case codeConnected:
	case codeDenied:
		*unfilled = from
		return &DeniedError{Desc: strings.TrimSpace(m.Desc)}
	default:
		*unfilled = from
		return fmt.Errorf("push: unexpected greeting code %d", m.Code)
	}
	cfg.Log.Info("senselink record push connected", "url", cfg.WSURL)
	cfg.state(State{Connected: true, Since: cfg.Now()})

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	alive := func() { _ = ws.SetReadDeadline(time.Now().Add(3 * cfg.Heartbeat)) }
	alive()
	ws.SetPongHandler(func(string) error { alive(); return nil })
	go func() {
		t := time.NewTicker(cfg.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
				wmu.Lock()
				err := ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second))
				wmu.Unlock()
				if err != nil {
					ws.Close()
					return
				}
			}
		}
	}()
	var fillMu sync.Mutex
	filled := from == nil
	*unfilled = nil
	if from != nil {
		go func() {
			err := fillGap(sctx, cfg, *from, now)
			fillMu.Lock()
			filled = err == nil
			fillMu.Unlock()
			if err != nil && sctx.Err() == nil {
				cfg.Log.Warn("senselink gap fill failed; reconnecting to try again", "err", err)
				ws.Close()
			}
		}()
	}
	defer func() {
		fillMu.Lock()
		if !filled {
			*unfilled = from
		}
		fillMu.Unlock()
	}()
	for {
		var m message
		_, b, err := ws.ReadMessage()
		if err != nil {
			return err
		}
		alive()
		if err := json.Unmarshal(b, &m); err != nil {
			cfg.Log.Warn("senselink push: unreadable message", "err", err)
			continue
		}
		switch m.Code {
		case codeHeartbeat, codeConnected:
		case codePushRecord:
			ev, err := DecodeRecord(m.Data, cfg.AppKey, cfg.ImageURL, cfg.Now())
			if err != nil {
				cfg.Log.Warn("senselink push: unreadable record", "err", err)
				continue
			}
			if err := cfg.Handle(ctx, ev); err != nil {
				// Not stored: end the connection; the gap fill on the next
				// one brings this record back.
				return fmt.Errorf("push: store record %s: %w", ev.ID, err)
			}
		case codeDenied:
			return &DeniedError{Desc: m.Desc}
		}
	}
}

// fillGap stores every record from the cursor on (004 §6.5.1), oldest first.
func fillGap(ctx context.Context, cfg *Config, from Cursor, until time.Time) error {
	q := Query{StartRecordID: from.ID + 1, Start: from.At.Add(-time.Minute), End: until.Add(time.Minute), Size: 100}
	var all []vendors.Event
	for page := 1; ; page++ {
		q.Page = page
		p, err := Records(ctx, cfg, q)
		if err != nil {
			return err
		}
		all = append(all, p.Events...)
		if page >= p.TotalPage || len(p.Events) == 0 || page >= 500 {
			break
		}
	}
	sort.Slice(all, func(i, j int) bool {
		a, _ := strconv.ParseInt(all[i].ID, 10, 64)
		b, _ := strconv.ParseInt(all[j].ID, 10, 64)
		return a < b
	})
	for _, ev := range all {
		if err := cfg.Handle(ctx, ev); err != nil {
			return err
		}
	}
	if len(all) > 0 {
		cfg.Log.Info("senselink records filled in after a disconnect", "count", len(all))
	}
	return nil
}

// Query is a record query (004 §6.5.1).
type Query struct {
	StartRecordID int64
	Start, End    time.Time // sent as seconds
	DeviceSN      string
	Page, Size    int
}

// Page is one page of records.
type Page struct {
	Events    []vendors.Event
	Total     int
	TotalPage int
}

// Records asks /api/v1/record for one page, signed (004 §4).
func Records(ctx context.Context, cfg *Config, q Query) (Page, error) {
	cfg.defaults()
	ts := senselink.Timestamp(cfg.Now())
	v := url.Values{"app_key": {cfg.AppKey}, "timestamp": {ts}, "sign": {senselink.Sign(ts, cfg.AppSecret)},
		"page": {strconv.Itoa(max(q.Page, 1))}, "size": {strconv.Itoa(max(q.Size, 1))}}
	if q.StartRecordID > 0 {
		v.Set("startRecordId", strconv.FormatInt(q.StartRecordID, 10))
	}
	if !q.Start.IsZero() {
		v.Set("startTime", strconv.FormatInt(q.Start.Unix(), 10))
	}
	if !q.End.IsZero() {
		v.Set("endTime", strconv.FormatInt(q.End.Unix(), 10))
	}
	if q.DeviceSN != "" {
		v.Set("deviceSN", q.DeviceSN)
	}
	const op = "/api/v1/record"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(cfg.BaseURL, "/")+op+"?"+v.Encode(), nil)
	if err != nil {
		return Page{}, &vendors.Error{Vendor: Vendor, Op: op, Kind: vendors.KindOther, Err: err}
	}
	res, err := cfg.HTTP.Do(req)
	if err != nil {
		return Page{}, &vendors.Error{Vendor: Vendor, Op: op, Kind: vendors.KindUnavailable, Err: err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil || res.StatusCode != http.StatusOK {
		return Page{}, &vendors.Error{Vendor: Vendor, Op: op, Kind: vendors.KindUnavailable, Err: fmt.Errorf("HTTP %d %v", res.StatusCode, err)}
	}
	var env struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    struct {
			Total     int               `json:"total"`
			TotalPage int               `json:"totalPage"`
			Data      []json.RawMessage `json:"data"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return Page{}, &vendors.Error{Vendor: Vendor, Op: op, Kind: vendors.KindMalformed, Err: err}
	}
	if env.Code != 200 {
		return Page{}, &vendors.Error{Vendor: Vendor, Op: op, Kind: codeKind(env.Code), Code: env.Code, Msg: env.Message}
	}
	p := Page{Total: env.Data.Total, TotalPage: env.Data.TotalPage}
	for _, raw := range env.Data.Data {
		ev, err := DecodeRecord(raw, cfg.AppKey, cfg.ImageURL, cfg.Now())
		if err != nil {
			continue
		}
		p.Events = append(p.Events, ev)
	}
	return p, nil
}

// codeKind maps 004 §5's codes.
func codeKind(code int) vendors.Kind {
	switch code {
	case 10001, 10002, 10004, 10005, 20001, 20002:
		return vendors.KindAuth
	case 10003:
		return vendors.KindClock
	case 30001, 30004:
		return vendors.KindInvalidParam
	case 50001, 50002, 50003:
		return vendors.KindInternal
	}
	return vendors.KindOther
}
