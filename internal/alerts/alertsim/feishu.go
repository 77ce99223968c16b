package alertsim

// The Feishu/Lark custom bot (自定义机器人), written from the facts and
// pages listed in internal/alerts's package doc (never from the adapter):
//
//   - POST /open-apis/bot/v2/hook/<token>, JSON body. An unknown token:
//     code 19001 (remembered, not found by the search: chosen here).
//   - a body over 20 KB, not JSON, or a msg_type without its content:
//     code 9499 "Bad Request".
//   - with the 签名校验 secret: "timestamp" (Unix seconds, a string) within
//     an hour of the bot's clock and "sign" equal to Base64 of HmacSHA256
//     keyed with timestamp+"\n"+secret over an empty message; else code
//     19021 "sign match fail or timestamp is not within one hour from
//     current time".
//   - msg_type text (content.text), post (content.post.<lang>.title and
//     content), interactive (card with elements).
//   - frequency control: 100 a minute and 5 a second per bot; past either,
//     code 11232 "frequency limited".
//   - success: {"code":0,"msg":"success","data":{}}.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Feishu is the kind of a simulated Feishu custom bot.
const Feishu = "feishu"

// The bot's documented limits.
const (
	FeishuPerMinute = 100
	FeishuPerSecond = 5
	FeishuMaxBody   = 20 << 10
)

func feishuAnswer(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "msg": msg, "data": map[string]any{}})
}

// FeishuSign is the bot's expected sign (the simulator's own reading of
// the document).
func FeishuSign(ts int64, secret string) string {
	key := strconv.FormatInt(ts, 10) + "\n" + secret
	m := hmac.New(sha256.New, []byte(key))
	m.Write(nil)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) serveFeishu(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	lat, fail, refuse := s.latency, s.fail5xx, s.refuseRL
	if s.fail5xx > 0 {
		s.fail5xx--
	}
	g := s.groups[Feishu+"/"+r.PathValue("token")]
	s.mu.Unlock()
	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
			return
		}
	}
	if fail != 0 {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	if g == nil {
		feishuAnswer(w, 19001, "param invalid: incoming webhook access token invalid")
		return
	}
	now := s.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, FeishuMaxBody+1))
	if err != nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	// Frequency control counts every post the bot reads.
	var kept []time.Time
	for _, t := range g.posts {
		if now.Sub(t) < time.Minute {
			kept = append(kept, t)
		}
	}
	g.posts = append(kept, now)
	perSec := 0
	for _, t := range g.posts {
		if now.Sub(t) < time.Second {
			perSec++
		}
	}
	if len(g.posts) > FeishuPerMinute || perSec > FeishuPerSecond {
		g.exceeded++
		g.refused++
		feishuAnswer(w, 11232, "frequency limited")
		return
	}
	if refuse {
		g.refused++
		feishuAnswer(w, 11232, "frequency limited")
		return
	}
	if len(body) > FeishuMaxBody {
		g.refused++
		feishuAnswer(w, 9499, "Bad Request")
		return
	}
	var m struct {
		Timestamp string          `json:"timestamp"`
		Sign      string          `json:"sign"`
		MsgType   string          `json:"msg_type"`
		Content   json.RawMessage `json:"content"`
		Card      json.RawMessage `json:"card"`
	}
	if json.Unmarshal(body, &m) != nil {
		g.refused++
		feishuAnswer(w, 9499, "Bad Request")
		return
	}
	if g.Secret != "" {
		ts, err := strconv.ParseInt(m.Timestamp, 10, 64)
		if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > time.Hour ||
			!hmac.Equal([]byte(FeishuSign(ts, g.Secret)), []byte(m.Sign)) {
			g.refused++
			feishuAnswer(w, 19021, "sign match fail or timestamp is not within one hour from current time")
			return
		}
	}
	rec, ok := parseFeishu(m.MsgType, m.Content, m.Card)
	if !ok {
		g.refused++
		feishuAnswer(w, 9499, "Bad Request")
		return
	}
	rec.At = now
	g.received = append(g.received, rec)
	feishuAnswer(w, 0, "success")
}

// parseFeishu checks a message's content for its msg_type.
func parseFeishu(msgType string, content, card json.RawMessage) (Received, bool) {
	rec := Received{MsgType: msgType}
	switch msgType {
	case "text":
		var c struct{ Text string }
		if json.Unmarshal(content, &c) != nil || c.Text == "" {
			return rec, false
		}
		rec.Text = c.Text
	case "post":
		var c struct {
			Post map[string]struct {
				Title   string
				Content [][]map[string]any
			}
		}
		if json.Unmarshal(content, &c) != nil || len(c.Post) == 0 {
			return rec, false
		}
		for _, p := range c.Post {
			if len(p.Content) == 0 {
				return rec, false
			}
			rec.Title = p.Title
			for _, line := range p.Content {
				for _, el := range line {
					if t, _ := el["text"].(string); t != "" {
						rec.Text += t
					}
					if h, _ := el["href"].(string); h != "" && rec.URL == "" {
						rec.URL = h
					}
				}
				rec.Text += "\n"
			}
			break
		}
	case "interactive":
		var c struct {
			Header struct {
				Title struct{ Content string }
			}
			Elements []struct {
				Tag     string
				Text    struct{ Tag, Content string }
				Actions []struct {
					Tag, URL string
				}
			}
		}
		if json.Unmarshal(card, &c) != nil || len(c.Elements) == 0 {
			return rec, false
		}
		rec.Title = c.Header.Title.Content
		var parts []string
		for _, el := range c.Elements {
			switch el.Tag {
			case "div", "markdown":
				parts = append(parts, el.Text.Content)
			case "action":
				for _, a := range el.Actions {
					if a.URL != "" && rec.URL == "" {
						rec.URL = a.URL
					}
				}
			}
		}
		rec.Text = strings.Join(parts, "\n")
		if rec.Text == "" {
			return rec, false
		}
	default:
		return rec, false
	}
	return rec, true
}
