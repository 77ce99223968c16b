package sim

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
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

func (c *notifier) mediaBase() string { return c.o.MediaBase() }

// loopbackURL reports whether a callback (kept without its scheme, NOTES.md
// item 44) is on loopback: the only callbacks the simulator posts to.
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
func (c *notifier) authKey(path string, exp int64) string {
	sum := md5.Sum([]byte(path + "-" + strconv.FormatInt(exp, 10) + "-" + c.o.Secret))
	return strconv.FormatInt(exp, 10) + "-" + hex.EncodeToString(sum[:])
}

// media serves the pictures and clips events link to; an expired or
// forged auth_key is a 403, as the camera's links expire.
func (c *notifier) media(w http.ResponseWriter, r *http.Request) {
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
func (c *notifier) poster() {
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

func (c *notifier) deliver(ev *event) {
	for _, cb := range c.o.Hooks(ev.typ) {
		if !loopbackURL(cb) {
			c.o.Logf("sim camera %s: callback %s is not on loopback: not posted (the network rule)", c.o.SN, cb)
			continue
		}
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
func (c *notifier) postOnce(cb string, ev *event) error {
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

func (c *notifier) randN(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rnd.IntN(n)
}
