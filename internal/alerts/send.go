package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel kinds.
const (
	DingTalk = "dingtalk"
	WeCom    = "wecom"
)

// ValidKind reports whether k is a channel kind this package sends to.
func ValidKind(k string) bool { return k == DingTalk || k == WeCom || k == Feishu || k == Email }

// Limit is a channel's documented rate: N messages in any Per.
type Limit struct {
	N   int
	Per time.Duration
}

// Documented limits (doc.go): 20 messages a minute per robot, both kinds.
// Feishu: 100 a minute and 5 a second per bot (burstLimit); e-mail: the
// channel's own setting (DefaultEmailPerMinute unless set).
var documentedLimit = map[string]Limit{DingTalk: {20, time.Minute}, WeCom: {20, time.Minute}, Feishu: {100, time.Minute},
	Email: {DefaultEmailPerMinute, time.Minute}}

// MaxMarkdown is the largest markdown body sent (WeCom's documented 4096
// bytes; DingTalk documents no figure we found, so the same, to be safe).
const MaxMarkdown = 4096

// Target is where one channel's messages go, opened from its sealed fields.
type Target struct {
	Kind    string
	Webhook string // with its access_token (DingTalk) or key (WeCom)
	Secret  string // DingTalk's 加签 or Feishu's 签名校验 secret, or the SMTP password; "" when none

	Email *EmailSettings // an e-mail channel's (Webhook is then "")
	TLS   *tls.Config    // e-mail: the TLS settings (nil: the system's roots)
	Dial  DialFunc       // e-mail: how to reach the server (nil: net.Dialer)
}

// Message is what is sent: a title, a markdown body, and optionally a
// picture link and a link to the event.
type Message struct {
	Title      string
	Markdown   string
	PictureURL string
	Link       string

	// Picture is the captured picture's bytes, for an e-mail (inlined);
	// the robots get PictureURL.
	Picture []byte
}

// SendError is a refusal or failure of one send.
type SendError struct {
	Status    int    // HTTP status (0: no answer)
	Code      int    // the robot's errcode
	Msg       string // its errmsg, or the transport error
	Retry     bool   // worth another try later (5xx, busy, network)
	Throttled bool   // the robot's rate limit (retry after the window)
	SMTP      bool   // an e-mail server's answer or failure (Msg has its words)
}

func (e *SendError) Error() string {
	switch {
	case e.Code != 0:
		return fmt.Sprintf("errcode %d: %s", e.Code, e.Msg)
	case e.Status != 0:
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Msg)
	}
	return e.Msg
}

// Sign is DingTalk's 加签 signature of a millisecond timestamp: Base64 of
// HmacSHA256(secret, timestamp+"\n"+secret), not yet URL-encoded.
func Sign(timestampMillis int64, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestampMillis, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SignedURL appends &timestamp=&sign= (URL-encoded) to a DingTalk webhook.
func SignedURL(webhook, secret string, now time.Time) (string, error) {
	u, err := url.Parse(webhook)
	if err != nil {
		return "", err
	}
	if secret == "" {
		return webhook, nil
	}
	ts := now.UnixMilli()
	q := u.RawQuery
	if q != "" {
		q += "&"
	}
	u.RawQuery = q + "timestamp=" + strconv.FormatInt(ts, 10) + "&sign=" + url.QueryEscape(Sign(ts, secret))
	return u.String(), nil
}

// CheckWebhook says whether a webhook an admin typed can be a robot of
// kind: an absolute http(s) URL with its token or key.
func CheckWebhook(kind, raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ErrBadWebhook
	}
	switch kind {
	case DingTalk:
		if u.Query().Get("access_token") == "" {
			return ErrNoToken
		}
	case WeCom:
		if u.Query().Get("key") == "" {
			return ErrNoKey
		}
	case Feishu:
		return checkFeishuHook(u)
	default:
		return ErrBadKind
	}
	return nil
}

// Errors of a channel's settings.
var (
	ErrBadWebhook = errors.New("alerts: the webhook must be an http(s) address")
	ErrNoToken    = errors.New("alerts: a DingTalk webhook carries access_token=")
	ErrNoKey      = errors.New("alerts: a WeCom webhook carries key=")
	ErrBadKind    = errors.New("alerts: unknown channel kind")
)

// body is the JSON a robot is sent.
func body(t Target, m Message) ([]byte, error) {
	md := truncate(m.Markdown, MaxMarkdown)
	switch t.Kind {
	case DingTalk:
		return json.Marshal(map[string]any{"msgtype": "markdown",
			"markdown": map[string]string{"title": truncate(m.Title, 128), "text": md}})
	case WeCom:
		if m.PictureURL != "" && m.Link != "" {
			// news shows the picture in the group; its limits as the page
			// gives them: title 128 bytes, description 512 bytes.
			return json.Marshal(map[string]any{"msgtype": "news", "news": map[string]any{"articles": []map[string]string{{
				"title": truncate(m.Title, 128), "description": truncate(plain(m.Markdown), 512),
				"url": m.Link, "picurl": m.PictureURL}}}})
		}
		return json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": md}})
	}
	return nil, ErrBadKind
}

// plain strips the markdown marks a news description would show.
func plain(md string) string {
	r := strings.NewReplacer("**", "", "### ", "", "> ", "", "\n\n", "\n")
	return r.Replace(md)
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Send posts one message to a robot and reads its answer.
func Send(ctx context.Context, hc *http.Client, t Target, m Message, now time.Time) error {
	switch t.Kind {
	case Feishu:
		return sendFeishu(ctx, hc, t, m, now)
	case Email:
		return sendEmail(ctx, t, m, now)
	}
	b, err := body(t, m)
	if err != nil {
		return err
	}
	u := t.Webhook
	if t.Kind == DingTalk {
		if u, err = SignedURL(t.Webhook, t.Secret, now); err != nil {
			return &SendError{Msg: err.Error()}
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return &SendError{Msg: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := hc.Do(req)
	if err != nil {
		return &SendError{Msg: scrub(err.Error(), t.Webhook, u), Retry: true}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusTooManyRequests {
		return &SendError{Status: resp.StatusCode, Msg: "too many requests", Retry: true, Throttled: true}
	}
	if resp.StatusCode >= 500 {
		return &SendError{Status: resp.StatusCode, Msg: http.StatusText(resp.StatusCode), Retry: true}
	}
	var ans struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &ans) != nil || ans.ErrCode == nil {
		return &SendError{Status: resp.StatusCode, Msg: "unexpected answer: " + truncate(strings.TrimSpace(string(raw)), 200)}
	}
	return classify(t.Kind, *ans.ErrCode, ans.ErrMsg)
}

// classify turns a robot's errcode into nil or a SendError.
func classify(kind string, code int, msg string) error {
	e := &SendError{Status: http.StatusOK, Code: code, Msg: msg}
	switch {
	case code == 0:
		return nil
	case code == -1: // system busy (both): try again
		e.Retry = true
	case kind == DingTalk && code == 130101, kind == WeCom && code == 45009:
		e.Retry, e.Throttled = true, true
	}
	return e
}

// scrub keeps the webhook's token out of a transport error's text.
func scrub(s string, secrets ...string) string {
	for _, x := range secrets {
		if x != "" {
			s = strings.ReplaceAll(s, x, "<webhook>")
		}
	}
	return s
}
