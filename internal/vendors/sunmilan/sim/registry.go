package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// auth is how an endpoint authenticates.
type auth int

const (
	authSigned     auth = iota // public params signed with the secret; activated cameras only
	authActivation             // signed with the activation code
	authBefore                 // no public params; only before activation (*WithoutAuth)
)

// Request is what a handler gets.
type Request struct {
	Params map[string]string // form values (sign excluded)
	Files  map[string][]byte // multipart file parts by field
	Host   string            // the Host the client used, for URLs back to us
}

// handler runs with c.mu held and returns the code and data to answer.
type handler func(c *Camera, q *Request) (int, any)

type route struct {
	auth auth
	h    handler
}

// routes are the endpoints by path under /openapi; each endpoint file
// registers its own in init.
var routes = map[string]route{}

func register(path string, a auth, h handler) {
	if _, dup := routes[path]; dup {
		panic("sunmilan sim: duplicate route " + path)
	}
	routes[path] = route{auth: a, h: h}
}

const (
	apiPrefix = "/openapi"
	maxBody   = 2 << 20
)

// ServeHTTP serves /openapi/... and the snapshot files.
func (c *Camera) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, recordPath) || strings.HasPrefix(r.URL.Path, clipPath) {
		c.serveMedia(w, r) // record files and cut clips
		return
	}
	if strings.HasPrefix(r.URL.Path, mediaPrefix) && r.Method == http.MethodGet {
		c.ev.media(w, r) // the pictures and clips events link to
		return
	}
	if strings.HasPrefix(r.URL.Path, snapshotPrefix) {
		c.serveSnapshot(w, r)
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	rt, known := routes[path]
	switch {
	case !ok || !known:
		http.NotFound(w, r)
		return
	case r.Method != http.MethodPost: // 003 "Only HTTP POST method is supported"
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	k := Call{Path: path, Code: -1, At: c.now()}
	recorded := false
	defer func() {
		if !recorded {
			c.record(k)
		}
	}()
	params, files, err := readForm(w, r)
	if errors.Is(err, errTooLarge) {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	k.Params = maps.Clone(params)
	delete(k.Params, "sign")
	// A dropped connection is logged before it is dropped, so a client
	// that sees the close also sees the call in the log.
	if c.fault(w, r, path, func() { c.record(k); recorded = true }) {
		return
	}
	if err != nil {
		k.Code = reply(w, codeParam, nil)
		return
	}
	if code := c.authenticate(rt.auth, params); code != codeOK {
		k.Code = reply(w, code, nil)
		return
	}
	q := &Request{Params: params, Files: files, Host: r.Host}
	c.mu.Lock()
	code, data := rt.h(c, q)
	c.mu.Unlock()
	k.Code = reply(w, code, data)
}

// authenticate applies the endpoint's auth mode (doc.go).
func (c *Camera) authenticate(a auth, p map[string]string) int {
	c.mu.Lock()
	activated := c.st.Activated
	c.mu.Unlock()
	switch a {
	case authBefore:
		if activated {
			return codeAfterActivate
		}
		return codeOK
	case authSigned:
		if !activated {
			return codeNotActivated
		}
		if p["app_id"] != c.opt.AppID || !signMatches(p, c.opt.Secret) {
			return codeSign
		}
	case authActivation:
		if p["app_id"] != c.opt.AppID || !signMatches(p, c.opt.ActivationCode) {
			return codeSign
		}
	}
	if !c.validTimestamp(p["timestamp"]) {
		return codeTimestamp
	}
	if !validRandom(p["random"]) {
		return codeParam
	}
	return codeOK
}

// validTimestamp: 003 "the current 10-digit unix timestamp" (the examples'
// 11 digits are refused, NOTES 3, 47), within MaxSkew.
func (c *Camera) validTimestamp(v string) bool {
	if len(v) != 10 {
		return false
	}
	ts, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ts < 0 {
		return false
	}
	if c.opt.MaxSkew < 0 {
		return true
	}
	d := c.now().Sub(time.Unix(ts, 0))
	return d <= c.opt.MaxSkew && d >= -c.opt.MaxSkew
}

// validRandom: 003 Sign Rules 1, 6-10 letters and digits.
func validRandom(v string) bool {
	if len(v) < 6 || len(v) > 10 {
		return false
	}
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if !('0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z') {
			return false
		}
	}
	return true
}

var (
	errTooLarge = errors.New("body too large")
	errForm     = errors.New("bad form")
)

// readForm reads an urlencoded or multipart body. A key sent twice is
// refused: the sign rule has no order for it.
func readForm(w http.ResponseWriter, r *http.Request) (map[string]string, map[string][]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, nil, errTooLarge
	}
	if err != nil {
		return nil, nil, err
	}
	params, files := map[string]string{}, map[string][]byte{}
	mt, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), mp["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return params, files, nil
			}
			if err != nil {
				return params, files, errForm
			}
			v, err := io.ReadAll(p)
			if err != nil {
				return params, files, errForm
			}
			name := p.FormName()
			if p.FileName() != "" {
				files[name] = v
				continue
			}
			if _, dup := params[name]; dup {
				return params, files, errForm
			}
			params[name] = string(v)
		}
	default: // 003: application/x-www-form-urlencoded
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return params, files, errForm
		}
		for k, v := range vals {
			if len(v) != 1 {
				return params, files, errForm
			}
			params[k] = v[0]
		}
		return params, files, nil
	}
}

// reply writes {"code":N[,"data":...]} and returns N.
func reply(w http.ResponseWriter, code int, data any) int {
	env := map[string]any{"code": code}
	if data != nil {
		env["data"] = data
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(env)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
	return code
}

// fault plays the fault for path, if any, and reports whether it answered.
func (c *Camera) fault(w http.ResponseWriter, r *http.Request, path string, beforeDrop func()) bool {
	f, ok := c.takeFault(path)
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
		beforeDrop()
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"code":0,"data":{"zoom":`)
	case f.Code != 0:
		reply(w, f.Code, nil)
	default:
		return false
	}
	return true
}

// intParam reads a required integer parameter.
func intParam(q *Request, name string) (int, bool) {
	v, ok := q.Params[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}

// intIn reads a required integer within [lo, hi].
func intIn(q *Request, name string, lo, hi int) (int, bool) {
	n, ok := intParam(q, name)
	return n, ok && n >= lo && n <= hi
}
