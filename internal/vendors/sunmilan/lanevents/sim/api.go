package sim

import (
	"bytes"
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ListenAPI serves the camera's HTTPS API (the hook calls of 003 §1.2 and
// the media files its events link to) with its certificate on addr, and
// returns the base URL ("https://127.0.0.1:port").
func (c *Camera) ListenAPI(addr string) (string, error) {
	if err := loopback(addr); err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 5 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{c.o.Cert}, MinVersion: tls.VersionTLS12}}
	base := "https://" + ln.Addr().String()
	c.mu.Lock()
	c.servers = append(c.servers, srv)
	c.base = base
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		_ = srv.ServeTLS(ln, "", "")
	}()
	return base, nil
}

// SetMediaBase names the camera's base URL when the caller serves Handler
// itself.
func (c *Camera) SetMediaBase(base string) {
	c.mu.Lock()
	c.base = base
	c.mu.Unlock()
}

func (c *Camera) mediaBase() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base
}

// Handler is the camera's HTTPS API: /openapi/hook/{add,delete,query} and
// the media under /mnt/sd-card/.
func (c *Camera) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /openapi/hook/add", c.hookCall(c.hookAdd))
	mux.HandleFunc("POST /openapi/hook/delete", c.hookCall(c.hookDelete))
	mux.HandleFunc("POST /openapi/hook/query", c.hookCall(c.hookQuery))
	mux.HandleFunc("GET /mnt/sd-card/", c.media)
	return mux
}

// hookCall checks a signed form call (003 "HTTP Request"): the body at
// most 1 MB, public parameters app_id, random, timestamp, sign. Codes (our
// table, NOTES.md item 37): 1 unknown app or bad sign, 2 bad parameter,
// 3 stale timestamp.
func (c *Camera) hookCall(h func(form url.Values) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			writeCode(w, 2, nil)
			return
		}
		params := map[string]string{}
		for k, v := range r.PostForm {
			if len(v) != 1 {
				writeCode(w, 2, nil)
				return
			}
			params[k] = v[0]
		}
		switch {
		case params["app_id"] != c.o.AppID || !equalFold(sign(params, c.o.Secret), params["sign"]):
			writeCode(w, 1, nil)
		case !validRandom(params["random"]):
			writeCode(w, 2, nil)
		case !c.fresh(params["timestamp"]):
			writeCode(w, 3, nil)
		default:
			code, data := h(r.PostForm)
			writeCode(w, code, data)
		}
	}
}

func writeCode(w http.ResponseWriter, code int, data any) {
	w.Header().Set("Content-Type", "application/json")
	body := map[string]any{"code": code}
	if data != nil {
		body["data"] = data
	}
	_ = json.NewEncoder(w).Encode(body)
}

// hookAdd is 003 §1.2.1. event_list is JSON text (NOTES.md item 45, the
// document's smart quotes accepted too); the callback must be on loopback.
func (c *Camera) hookAdd(form url.Values) (int, any) {
	code, list := c.checkEventList([]byte(`{"event_list":` + fixQuotes(form.Get("event_list")) + `}`))
	if code != 0 {
		return code, nil
	}
	cb := strings.TrimSpace(form.Get("http_callback"))
	if !loopbackURL(cb) {
		return 2, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range list {
		if !contains(c.hooks[e], cb) {
			c.hooks[e] = append(c.hooks[e], cb)
		}
	}
	return 0, nil
}

// hookDelete is 003 §1.2.2: every callback of the listed topics goes.
func (c *Camera) hookDelete(form url.Values) (int, any) {
	code, list := c.checkEventList([]byte(`{"event_list":` + fixQuotes(form.Get("event_list")) + `}`))
	if code != 0 {
		return code, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range list {
		delete(c.hooks, e)
	}
	return 0, nil
}

// hookQuery is 003 §1.2.3; callbacks are listed without their scheme, as
// the document's example shows them (NOTES.md item 44).
func (c *Camera) hookQuery(url.Values) (int, any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	type sub struct {
		Event        string   `json:"event"`
		HTTPCallback []string `json:"http_callback"`
	}
	subs := []sub{}
	for _, e := range []string{FaceRecog, DynamicDetect} {
		if cbs := c.hooks[e]; len(cbs) > 0 {
			s := sub{Event: e}
			for _, cb := range cbs {
				s.HTTPCallback = append(s.HTTPCallback, strings.TrimPrefix(cb, "http://"))
			}
			subs = append(subs, s)
		}
	}
	return 0, map[string]any{"num": len(subs), "sub_event": subs}
}

// Subscriptions lists the hook callbacks by event type.
func (c *Camera) Subscriptions() map[string][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]string{}
	for k, v := range c.hooks {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func fixQuotes(s string) string {
	return strings.NewReplacer("“", `"`, "”", `"`).Replace(s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func loopbackURL(cb string) bool {
	if !strings.Contains(cb, "://") {
		cb = "http://" + cb
	}
	u, err := url.Parse(cb)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// authKey signs a media path until exp, in the shape of the documents'
// links (auth_key=<expiry>-<hash>).
func (c *Camera) authKey(path string, exp int64) string {
	sum := md5.Sum([]byte(path + "-" + strconv.FormatInt(exp, 10) + "-" + c.o.Secret))
	return strconv.FormatInt(exp, 10) + "-" + hex.EncodeToString(sum[:])
}

// media serves the pictures and clips events link to; an expired or
// forged auth_key is a 403, as the camera's links expire.
func (c *Camera) media(w http.ResponseWriter, r *http.Request) {
	exp, _, _ := strings.Cut(r.URL.Query().Get("auth_key"), "-")
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || c.authKey(r.URL.Path, n) != r.URL.Query().Get("auth_key") || c.o.Now().Unix() > n {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, ".jpg"):
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(Portrait(r.URL.Path))
	case strings.HasSuffix(r.URL.Path, ".flv"):
		w.Header().Set("Content-Type", "video/x-flv")
		_, _ = w.Write(tinyFLV)
	default:
		http.NotFound(w, r)
	}
}

// tinyFLV is an FLV header with no tags: the clip file's shape, not video.
var tinyFLV = []byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}

// poster delivers events to the hook callbacks in order (003 §1.3),
// retrying a refused or failed post with backoff for about a minute.
func (c *Camera) poster() {
	defer c.wg.Done()
	var held *event // OutOfOrder: an event held back to go after the next
	for {
		var ev *event
		select {
		case <-c.closed:
			return
		case ev = <-c.post:
		}
		c.mu.Lock()
		f := &c.faults
		stall := f.Stall
		f.Stall = 0
		swap := f.OutOfOrder > 0 && held == nil
		if swap {
			f.OutOfOrder--
		}
		repeat := f.RepeatEventID > 0
		if repeat {
			f.RepeatEventID--
		}
		c.mu.Unlock()
		if stall > 0 {
			select {
			case <-time.After(stall):
			case <-c.closed:
				return
			}
		}
		if swap {
			held = ev
			select {
			case ev = <-c.post:
			case <-time.After(time.Second):
				ev, held = held, nil
			}
		}
		c.deliver(ev)
		if repeat {
			c.deliver(ev)
		}
		if held != nil {
			c.deliver(held)
			held = nil
		}
	}
}

func (c *Camera) deliver(ev *event) {
	c.mu.Lock()
	cbs := append([]string(nil), c.hooks[ev.typ]...)
	c.mu.Unlock()
	for _, cb := range cbs {
		wait := 200 * time.Millisecond
		for attempt := 0; attempt < 12; attempt++ {
			err := c.postOnce(cb, ev)
			if err == nil {
				c.mu.Lock()
				c.posted[ev.id] = true
				c.mu.Unlock()
				break
			}
			c.o.Logf("sim camera %s: post event %d to %s: %v", c.o.SN, ev.id, cb, err)
			select {
			case <-time.After(wait):
			case <-c.closed:
				return
			}
			wait = min(wait*2, 10*time.Second)
		}
	}
}

// postOnce sends one multipart post, signed over app_id, payload, random
// and timestamp with the app's secret (NOTES.md item 44).
func (c *Camera) postOnce(cb string, ev *event) error {
	if !strings.Contains(cb, "://") {
		cb = "http://" + cb
	}
	payload := c.payload(ev, true, c.mediaBase())
	params := map[string]string{"app_id": c.o.AppID, "random": strconv.Itoa(100000 + c.randN(900000)),
		"timestamp": strconv.FormatInt(c.o.Now().Unix(), 10), "payload": string(payload)}
	params["sign"] = sign(params, c.o.Secret)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, k := range []string{"app_id", "random", "timestamp", "sign", "payload"} {
		_ = mw.WriteField(k, params[k])
	}
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, cb, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("User-Agent", "libcurl/7.52.1 OpenSSL/1.0.2p")
	res, err := c.o.PostClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", res.StatusCode)
	}
	return nil
}

func (c *Camera) randN(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rnd.IntN(n)
}
