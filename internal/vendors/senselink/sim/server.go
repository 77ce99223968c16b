package sim

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Server; the zero value is usable.
type Options struct {
	Now      func() time.Time
	Window   time.Duration // allowed timestamp age either way; 0 = 30 minutes (§4.2)
	AllowIPs []string      // when set, other client IPs get 10004 (NOTES 92)
	Logf     func(format string, args ...any)
}

// Fault makes the server misbehave.
type Fault struct {
	Latency   time.Duration
	Code      int
	Malformed bool
	Drop      bool
	Times     int
}

// Request is what a handler gets.
type Request struct {
	Params map[string][]string // query and form, merged
	r      *http.Request
}

// Get returns a parameter's first value and whether it was sent.
func (q *Request) Get(name string) (string, bool) {
	v, ok := q.Params[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// File returns a file part of a multipart POST: its bytes and declared
// Content-Type.
func (q *Request) File(name string) (data []byte, contentType string, ok bool) {
	if q.r.MultipartForm == nil || len(q.r.MultipartForm.File[name]) == 0 {
		return nil, "", false
	}
	fh := q.r.MultipartForm.File[name][0]
	f, err := fh.Open()
	if err != nil {
		return nil, "", false
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, "", false
	}
	return b, fh.Header.Get("Content-Type"), true
}

// Path returns a path value ({id}).
func (q *Request) Path(name string) string { return q.r.PathValue(name) }

type handler func(s *Server, q *Request) (int, any)

var routes = map[string]handler{}

// register adds a route; pattern is a ServeMux pattern with its method.
func register(pattern string, h handler) {
	if _, dup := routes[pattern]; dup {
		panic("senselink sim: duplicate route " + pattern)
	}
	routes[pattern] = h
}

// Server is the simulated SenseLink installation.
type Server struct {
	opt Options
	now func() time.Time
	mux *http.ServeMux

	mu     sync.Mutex
	apps   map[string]string // app_key -> app_secret
	st     state
	faults map[string]*Fault
	calls  []string
	// verdicts are SetPhotoVerdict's, by photo SHA-256.
	verdicts map[string]Verdict
}

// New returns a server with an empty company named name.
func New(name string, opt Options) *Server {
	if opt.Window == 0 {
		opt.Window = 30 * time.Minute
	}
	s := &Server{opt: opt, now: opt.Now, mux: http.NewServeMux(), apps: map[string]string{}, faults: map[string]*Fault{}}
	if s.now == nil {
		s.now = time.Now
	}
	s.st = newState(name, s.now())
	for pattern, h := range routes {
		s.mux.HandleFunc(pattern, s.wrap(pattern, h))
	}
	return s
}

// AddApp registers an app_key and its secret.
func (s *Server) AddApp(key, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[key] = secret
}

// SetFault installs f for a route pattern ("GET /api/v1/device") or "*".
func (s *Server) SetFault(pattern string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[pattern] = &f
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// Calls lists the patterns called, oldest first (the last 500).
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// ServeHTTP routes by the registry.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// messages are §5's, by code.
var messages = map[int]string{
	200: "OK", 10001: "App Key Not Exist", 10002: "App Expired", 10003: "Request Expired", 10004: "IP Invalid",
	10005: "Signature Failed", 20001: "Company Out Of Date", 20002: "Permission Denied", 30001: "Param Invalid",
	30002: "Similar User Exist", 30003: "No Face Detected In The Image", 30004: "Missing Param", 30005: "Avatar File Illegal",
	50001: "RPC Failed", 50002: "Internal Server Error", 50003: "Multi Request Error", 50004: "Request Method Not Allowed",
	99999: "Unknown Error", 620: "Record non-existent Error", 610: "Similar record Exist", 650: "Cannot delete unless include nothing",
}

const (
	codeOK        = 200
	codeNoKey     = 10001
	codeExpired   = 10003
	codeIP        = 10004
	codeSign      = 10005
	codeInvalid   = 30001
	codeMissing   = 30004
	codeSimilar   = 30002
	codeNoFace    = 30003
	codeIllegal   = 30005
	codeGroupBad  = 320 // §6.4.3: "参数无效", an unknown group
	codeNotFound  = 620
	codeDuplicate = 610
	codeNotEmpty  = 650
)

func (s *Server) wrap(pattern string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls = append(s.calls, pattern)
		if n := len(s.calls); n > 500 {
			s.calls = append(s.calls[:0], s.calls[n-500:]...)
		}
		s.mu.Unlock()
		if s.fault(w, r, pattern) {
			return
		}
		q, err := readParams(r)
		if err != nil {
			reply(w, codeInvalid, nil)
			return
		}
		if code := s.authenticate(r, q); code != codeOK {
			reply(w, code, nil)
			return
		}
		s.mu.Lock()
		code, data := h(s, q)
		s.mu.Unlock()
		if s.opt.Logf != nil {
			s.opt.Logf("senselink sim: %s code=%d", pattern, code)
		}
		reply(w, code, data)
	}
}

// readParams merges the query and a urlencoded or multipart form.
func readParams(r *http.Request) (*Request, error) {
	q := &Request{Params: map[string][]string{}, r: r}
	for k, v := range r.URL.Query() {
		q.Params[k] = v
	}
	if r.Method == http.MethodPost {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var err error
		if mt == "multipart/form-data" {
			err = r.ParseMultipartForm(8 << 20)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return nil, err
		}
		for k, v := range r.PostForm {
			q.Params[k] = append(q.Params[k], v...)
		}
	}
	return q, nil
}

// authenticate checks §4: app_key, a 13-digit timestamp within the window,
// sign = md5(timestamp#secret), sent as sign or Sign.
func (s *Server) authenticate(r *http.Request, q *Request) int {
	key, _ := q.Get("app_key")
	s.mu.Lock()
	secret, ok := s.apps[key]
	s.mu.Unlock()
	if !ok {
		return codeNoKey
	}
	if len(s.opt.AllowIPs) > 0 {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		allowed := false
		for _, ip := range s.opt.AllowIPs {
			allowed = allowed || ip == host
		}
		if !allowed {
			return codeIP
		}
	}
	ts, _ := q.Get("timestamp")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if len(ts) != 13 || err != nil {
		return codeExpired
	}
	if d := s.now().Sub(time.UnixMilli(ms)); d > s.opt.Window || d < -s.opt.Window {
		return codeExpired
	}
	got, ok := q.Get("sign")
	if !ok {
		got, _ = q.Get("Sign")
	}
	sum := md5.Sum([]byte(ts + "#" + secret))
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(strings.ToLower(got))) != 1 {
		return codeSign
	}
	return codeOK
}

// top is a reply whose fields sit beside code and message rather than in
// data: the face check's face_number (NOTES 87), a refusal's desc and
// data (30002, 30003).
type top map[string]any

func reply(w http.ResponseWriter, code int, data any) {
	msg := messages[code]
	if msg == "" {
		msg = "error"
	}
	env := map[string]any{"code": code, "message": msg}
	if t, ok := data.(top); ok {
		for k, v := range t {
			env[k] = v
		}
	} else if data != nil {
		env["data"] = data
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(env)
}

func (s *Server) takeFault(pattern string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := pattern
	f, ok := s.faults[key]
	if !ok {
		key = "*"
		if f, ok = s.faults[key]; !ok {
			return Fault{}, false
		}
	}
	out := *f
	if f.Times > 0 {
		if f.Times--; f.Times == 0 {
			delete(s.faults, key)
		}
	}
	return out, true
}

func (s *Server) fault(w http.ResponseWriter, r *http.Request, pattern string) bool {
	f, ok := s.takeFault(pattern)
	if !ok {
		return false
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case f.Malformed:
		_, _ = io.WriteString(w, `{"code":200,"message":"OK","data":{"id":`)
	case f.Code != 0:
		reply(w, f.Code, nil)
	default:
		return false
	}
	return true
}

// dateLayout is how 004's examples print times (NOTES 90).
const dateLayout = "2006-01-02 15:04:05.0"

var cst = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

func date(t time.Time) string { return t.In(cst).Format(dateLayout) }
