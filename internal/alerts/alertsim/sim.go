// Package alertsim simulates a DingTalk custom robot and a WeCom group
// robot, written from their documentation (the list in internal/alerts's
// package doc, with its pages), never from the adapter, which it does not
// import. One Server holds any number of groups of both kinds:
//
//   - DingTalk: POST /robot/send?access_token=…[&timestamp=…&sign=…]. An
//     unknown token is refused (errcode 300001, chosen here: the search found
//     no table); with a secret, the timestamp must be within an hour and the
//     sign equal Base64(HmacSHA256(secret, timestamp+"\n"+secret)) after URL
//     decoding, else errcode 310000; msgtype text or markdown (markdown needs
//     title and text); past 20 messages a minute, errcode 130101 and the
//     robot stays throttled for 10 minutes (both as documented).
//   - WeCom: POST /cgi-bin/webhook/send?key=…. An unknown key: errcode
//     93000; msgtype text (≤ 2048 bytes), markdown (≤ 4096 bytes), image
//     (base64 whose md5 matches, ≤ 2 MB) or news (1 to 8 articles with
//     title and url); too long or malformed: errcode 40058 (chosen here);
//     past 20 a minute: errcode 45009.
//
// Fault knobs: latency, a number of 5xx answers to give, and refusing
// every message as rate-limited. Each group records what it received and
// counts posts past its limit (Exceeded), so a test can assert that a
// sender never went over.
package alertsim

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Kinds of group.
const (
	DingTalk = "dingtalk"
	WeCom    = "wecom"
)

// Received is one message a group accepted.
type Received struct {
	At      time.Time
	MsgType string
	Title   string
	Text    string // markdown or text content, or a news article's description
	PicURL  string
	URL     string
}

// Group is one simulated robot.
type Group struct {
	Kind   string
	Name   string
	Token  string // DingTalk access_token or WeCom key
	Secret string // DingTalk 加签 secret ("" : none)

	mu        sync.Mutex
	received  []Received
	posts     []time.Time // accepted-for-counting posts in the window
	throttled time.Time   // DingTalk: refused until then
	exceeded  int
	refused   int
}

// Received is what the group accepted, in order.
func (g *Group) Received() []Received {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Received(nil), g.received...)
}

// Exceeded counts posts that came past the rate limit.
func (g *Group) Exceeded() int { g.mu.Lock(); defer g.mu.Unlock(); return g.exceeded }

// Refused counts posts answered with an error code.
func (g *Group) Refused() int { g.mu.Lock(); defer g.mu.Unlock(); return g.refused }

// Server is the simulator; mount Handler on a loopback listener.
type Server struct {
	// Limit and Per are the rate (20 a minute); Penalty is DingTalk's
	// throttle after exceeding it (10 minutes).
	Limit   int
	Per     time.Duration
	Penalty time.Duration
	Now     func() time.Time

	mu       sync.Mutex
	groups   map[string]*Group // kind+"/"+token
	order    []*Group
	latency  time.Duration
	fail5xx  int
	refuseRL bool
}

// New returns a simulator with the documented limits.
func New() *Server {
	return &Server{Limit: 20, Per: time.Minute, Penalty: 10 * time.Minute, Now: time.Now, groups: map[string]*Group{}}
}

// Add adds a group.
func (s *Server) Add(g *Group) *Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[g.Kind+"/"+g.Token] = g
	s.order = append(s.order, g)
	return g
}

// Groups lists the groups in the order added.
func (s *Server) Groups() []*Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Group(nil), s.order...)
}

// SetLatency delays every answer.
func (s *Server) SetLatency(d time.Duration) { s.mu.Lock(); s.latency = d; s.mu.Unlock() }

// Fail5xx answers the next n posts with HTTP 503 (a negative n: every post
// until set to 0).
func (s *Server) Fail5xx(n int) { s.mu.Lock(); s.fail5xx = n; s.mu.Unlock() }

// RefuseRateLimited answers every post with the kind's rate-limit code.
func (s *Server) RefuseRateLimited(on bool) { s.mu.Lock(); s.refuseRL = on; s.mu.Unlock() }

// Handler serves both robots' send endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /robot/send", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, DingTalk) })
	mux.HandleFunc("POST /cgi-bin/webhook/send", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, WeCom) })
	mux.HandleFunc("POST /open-apis/bot/v2/hook/{token}", s.serveFeishu) // feishu.go
	return mux
}

func answer(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, kind string) {
	s.mu.Lock()
	lat, fail, refuse := s.latency, s.fail5xx, s.refuseRL
	if s.fail5xx > 0 {
		s.fail5xx--
	}
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
	q := r.URL.Query()
	token := q.Get("access_token")
	if kind == WeCom {
		token = q.Get("key")
	}
	s.mu.Lock()
	g := s.groups[kind+"/"+token]
	s.mu.Unlock()
	if g == nil {
		if kind == WeCom {
			answer(w, 93000, "invalid webhook url")
		} else {
			answer(w, 300001, "token is not exist")
		}
		return
	}
	now := s.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if kind == DingTalk && g.Secret != "" {
		ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
		if err != nil || now.Sub(time.UnixMilli(ts)).Abs() > time.Hour || !validSign(ts, g.Secret, q.Get("sign")) {
			g.refused++
			answer(w, 310000, "sign not match")
			return
		}
	}
	// The rate limit counts every post the robot reads, accepted or not.
	var kept []time.Time
	for _, t := range g.posts {
		if now.Sub(t) < s.Per {
			kept = append(kept, t)
		}
	}
	g.posts = append(kept, now)
	tooFast := len(g.posts) > s.Limit
	if tooFast {
		g.exceeded++
		if kind == DingTalk && s.Penalty > 0 {
			g.throttled = now.Add(s.Penalty)
		}
	}
	if refuse || tooFast || (kind == DingTalk && now.Before(g.throttled)) {
		g.refused++
		if kind == WeCom {
			answer(w, 45009, "api freq out of limit")
		} else {
			answer(w, 130101, "send too fast, exceed 20 times per minute")
		}
		return
	}
	rec, code, msg := parse(kind, body)
	if code != 0 {
		g.refused++
		answer(w, code, msg)
		return
	}
	rec.At = now
	g.received = append(g.received, rec)
	answer(w, 0, "ok")
}

// validSign checks DingTalk's sign (the query value is already URL-decoded).
func validSign(ts int64, secret, sign string) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10) + "\n" + secret))
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(sign))
}

// parse checks a body's format and limits.
func parse(kind string, body []byte) (Received, int, string) {
	var m struct {
		MsgType  string `json:"msgtype"`
		Text     *struct{ Content string }
		Markdown *struct{ Title, Text, Content string }
		Image    *struct{ Base64, MD5 string }
		News     *struct {
			Articles []struct {
				Title, Description, URL string
				PicURL                  string `json:"picurl"`
			}
		}
	}
	bad := 40035 // DingTalk: "缺少参数" (chosen here)
	if kind == WeCom {
		bad = 40058
	}
	if json.Unmarshal(body, &m) != nil {
		return Received{}, bad, "invalid json"
	}
	rec := Received{MsgType: m.MsgType}
	switch {
	case m.MsgType == "text" && m.Text != nil && m.Text.Content != "":
		if kind == WeCom && len(m.Text.Content) > 2048 {
			return rec, bad, "content exceed max length 2048"
		}
		rec.Text = m.Text.Content
	case m.MsgType == "markdown" && m.Markdown != nil && kind == DingTalk && m.Markdown.Title != "" && m.Markdown.Text != "":
		rec.Title, rec.Text = m.Markdown.Title, m.Markdown.Text
	case m.MsgType == "markdown" && m.Markdown != nil && kind == WeCom && m.Markdown.Content != "":
		if len(m.Markdown.Content) > 4096 {
			return rec, bad, "markdown.content exceed max length 4096"
		}
		rec.Text = m.Markdown.Content
	case m.MsgType == "image" && m.Image != nil && kind == WeCom:
		raw, err := base64.StdEncoding.DecodeString(m.Image.Base64)
		sum := md5.Sum(raw)
		if err != nil || len(raw) == 0 || len(raw) > 2<<20 || hex.EncodeToString(sum[:]) != m.Image.MD5 {
			return rec, bad, "invalid image: base64, md5 or size (≤ 2 MB)"
		}
	case m.MsgType == "news" && m.News != nil && kind == WeCom:
		if n := len(m.News.Articles); n < 1 || n > 8 {
			return rec, bad, "news articles must be 1 to 8"
		}
		a := m.News.Articles[0]
		if a.Title == "" || a.URL == "" {
			return rec, bad, "news article needs title and url"
		}
		rec.Title, rec.Text, rec.URL, rec.PicURL = a.Title, a.Description, a.URL, a.PicURL
	default:
		return rec, bad, "unsupported or incomplete msgtype " + strconv.Quote(m.MsgType)
	}
	return rec, 0, ""
}
