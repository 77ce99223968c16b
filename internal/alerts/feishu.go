package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Feishu is the Feishu/Lark custom bot (自定义机器人) kind (doc.go has its
// facts and pages).
const Feishu = "feishu"

// FeishuMaxBody is the largest request body a custom bot takes (20 KB).
const FeishuMaxBody = 20 << 10

// FeishuHookPath is the path every custom bot's webhook starts with; the
// last segment is the bot's token.
const FeishuHookPath = "/open-apis/bot/v2/hook/"

// ErrNoHook refuses a Feishu webhook without its /open-apis/bot/v2/hook/<token>.
var ErrNoHook = errors.New("alerts: a Feishu webhook is …/open-apis/bot/v2/hook/<token>")

// FeishuSign is the signature of the 签名校验 security setting: the
// string timestamp (Unix seconds) + "\n" + secret is the HmacSHA256 KEY,
// the message is empty, the result Base64 (sent as is in the JSON body).
func FeishuSign(timestampSec int64, secret string) string {
	m := hmac.New(sha256.New, []byte(strconv.FormatInt(timestampSec, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// checkFeishuHook checks a Feishu webhook's path carries a token.
func checkFeishuHook(u *url.URL) error {
	tok, ok := strings.CutPrefix(u.Path, FeishuHookPath)
	if !ok || tok == "" || strings.Contains(tok, "/") {
		return ErrNoHook
	}
	return nil
}

// feishuBody is the JSON a custom bot is sent: an interactive card (a
// header with the title, the markdown as lark_md, and a button to the
// event when there is a link). A custom bot cannot upload images (a card's
// img element needs an image_key from the app API), so the picture is a
// signed link in the text.
func feishuBody(t Target, m Message, now time.Time) ([]byte, error) {
	md := truncate(feishuMarkdown(m.Markdown), MaxMarkdown)
	elements := []any{map[string]any{"tag": "div", "text": map[string]string{"tag": "lark_md", "content": md}}}
	if m.Link != "" {
		elements = append(elements, map[string]any{"tag": "action", "actions": []any{map[string]any{
			"tag": "button", "type": "primary", "url": m.Link,
			"text": map[string]string{"tag": "plain_text", "content": "查看事件"}}}})
	}
	msg := map[string]any{"msg_type": "interactive", "card": map[string]any{
		"config":   map[string]bool{"wide_screen_mode": true},
		"header":   map[string]any{"template": "orange", "title": map[string]string{"tag": "plain_text", "content": truncate(m.Title, 128)}},
		"elements": elements,
	}}
	if t.Secret != "" {
		ts := now.Unix()
		msg["timestamp"] = strconv.FormatInt(ts, 10)
		msg["sign"] = FeishuSign(ts, t.Secret)
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	if len(b) > FeishuMaxBody {
		return nil, &SendError{Msg: "message larger than Feishu's 20 KB body limit"}
	}
	return b, nil
}

// feishuMarkdown turns the shared markdown into lark_md: it has no "###"
// headings (the card's header carries the title) and no inline images.
func feishuMarkdown(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "### "):
			lines[i] = "**" + strings.TrimPrefix(line, "### ") + "**"
		case strings.HasPrefix(line, "!["):
			lines[i] = line[1:] // ![抓拍](url) → [抓拍](url)
		}
	}
	return strings.Join(lines, "\n")
}

// sendFeishu posts one message to a custom bot and reads its answer:
// {"code":0,"msg":"success"} or a documented error code.
func sendFeishu(ctx context.Context, hc *http.Client, t Target, m Message, now time.Time) error {
	b, err := feishuBody(t, m, now)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Webhook, bytes.NewReader(b))
	if err != nil {
		return &SendError{Msg: scrub(err.Error(), t.Webhook)}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := hc.Do(req)
	if err != nil {
		return &SendError{Msg: scrub(err.Error(), t.Webhook), Retry: true}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var ans struct {
		Code *int   `json:"code"`
		Msg  string `json:"msg"`
	}
	_ = json.Unmarshal(raw, &ans)
	if resp.StatusCode == http.StatusTooManyRequests {
		return &SendError{Status: resp.StatusCode, Code: deref(ans.Code), Msg: "too many requests", Retry: true, Throttled: true}
	}
	if resp.StatusCode >= 500 {
		return &SendError{Status: resp.StatusCode, Msg: http.StatusText(resp.StatusCode), Retry: true}
	}
	if ans.Code == nil {
		return &SendError{Status: resp.StatusCode, Msg: "unexpected answer: " + truncate(strings.TrimSpace(string(raw)), 200)}
	}
	return classifyFeishu(resp.StatusCode, *ans.Code, ans.Msg)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// Feishu's documented codes (doc.go).
const (
	FeishuSignFail    = 19021 // sign match fail or timestamp not within one hour
	FeishuIPNotAllow  = 19022 // the IP allow-list refused the sender
	FeishuKeyWords    = 19024 // the keyword security setting refused the text
	FeishuBadRequest  = 9499  // body malformed or over 20 KB
	FeishuFreqLimited = 11232 // the bot's frequency control
	FeishuOpenAPIFreq = 99991400
)

func classifyFeishu(status, code int, msg string) error {
	if code == 0 {
		return nil
	}
	e := &SendError{Status: status, Code: code, Msg: msg}
	switch code {
	case FeishuFreqLimited, FeishuOpenAPIFreq:
		e.Retry, e.Throttled = true, true
	}
	return e
}

// feishuShown is a Feishu webhook as shown: without its token.
func feishuShown(webhook string) string {
	if i := strings.Index(webhook, FeishuHookPath); i >= 0 {
		return webhook[:i+len(FeishuHookPath)] + "…"
	}
	return "?"
}
