// Package sim is an in-memory simulator of the OpRetail (万店掌) open
// platform gateway, written from vendor document 002 ("002") and NOTES.md
// "Signing / OpRetail" (items 63-71). It never imports the adapter.
//
// Decisions (the same as the adapter's package doc where both must agree):
//   - The gateway answers POST at any path ending in /cloud.api (002) or
//     /m.api (item 64); other paths are HTTP 404. Parameters come from the
//     form body (urlencoded or multipart) or, for GET, the query.
//   - Replies are HTTP 200 {"stat":{"cid","code","codename","systime"},
//     "result","data"} with stat.code a number (item 70).
//   - System parameters are checked in 002's code order: _akey (1 empty,
//     2 unknown, 3 expired), _sm (4, 5: md5 or sha1), _sig (6 empty, 7
//     wrong), _mt (8 empty, 9 unknown), _requestMode (10 empty; post or get,
//     any case, else 10), _aid (11 empty, 12 not S107), _version (13 empty),
//     _timestamp (14 empty, 15 not yyyyMMddHHmmss, 16 more than MaxSkew,
//     default 10 minutes, from the simulator's clock in China time), _format
//     (optional; json or xml, else 17). The signature is the NOTES rule over
//     every parameter but _sig, empty values included, byte-wise sorted;
//     compared case-insensitively (item 5).
//   - -100 API_CALL_REPEAT: the same _sig seen again within the timestamp
//     window (a replayed request).
//   - mobileLogin (userName, password) answers data.token; 103094 unknown
//     user, 103095 wrong password (item 69). Tokens last TokenTTL (default
//     one hour). Every other method needs the token in the "authenticator"
//     (or "Ovo-Authorization") header: missing, unknown or expired is
//     9990001, unless Options.NoToken.
//   - getPassengerIndicatorData: depId required (103201 部门不存在 for an
//     unknown one, and 103200 参数错误 for a missing or malformed parameter:
//     both codes are this simulator's own, 002 lists no business codes);
//     startTime/endTime "yyyy-MM-dd HH:mm:ss" in the department's zone,
//     inclusive. The hours counted are those whose start lies in the range.
//     For each local day the range covers whole, face counters report the
//     day's de-duplicated entries (fewer than its hours summed, 002's
//     特殊说明); a partial day is the sum of its hours. isOnBusinessTime 1
//     keeps opening hours only. outFlowCount is 0 unless the department
//     counts with head-shoulder devices. inShopRate is entered / outside in
//     percent, two decimals.
//   - Business errors travel in stat.code with the text in result.
package sim

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Method names.
const (
	MethodLogin     = "open.shopweb.security.mobileLogin"
	MethodIndicator = "open.shopweb.passengerFlow.getPassengerIndicatorData"
)

// Codes: 002's gateway table, NOTES item 69's login codes, and two of the
// simulator's own for the indicator call.
const (
	CodeOK              = 0
	CodeKeyEmpty        = 1
	CodeKeyUnknown      = 2
	CodeKeyExpired      = 3
	CodeSMEmpty         = 4
	CodeSMUnknown       = 5
	CodeSigEmpty        = 6
	CodeSigWrong        = 7
	CodeMethodEmpty     = 8
	CodeMethodUnknown   = 9
	CodeModeEmpty       = 10
	CodeAidEmpty        = 11
	CodeAidWrong        = 12
	CodeVersionEmpty    = 13
	CodeTimestampEmpty  = 14
	CodeTimestampFormat = 15
	CodeTimestampOld    = 16
	CodeFormatUnknown   = 17
	CodeRepeat          = -100
	CodeSystem          = -500
	CodeUnknown         = -999
	CodeUserWrong       = 103094
	CodePasswordWrong   = 103095
	CodeParam           = 103200
	CodeNoDepartment    = 103201
	CodeTokenMissing    = 9990001
)

var codeNames = map[int][2]string{
	CodeOK:              {"SUCCESS", "调用成功"},
	CodeKeyEmpty:        {"KEY_NOTNULL", "_akey不能为空"},
	CodeKeyUnknown:      {"KEY_UNLAWFUL", "_akey不合法"},
	CodeKeyExpired:      {"KEY_HAS_EXPIRED", "_akey已过期"},
	CodeSMEmpty:         {"SIGN_METHOD_NOTNULL", "_sm参数不能为空"},
	CodeSMUnknown:       {"SIGN_TYPE_NOTEXIST", "_sm类型不存在"},
	CodeSigEmpty:        {"SIGN_NOTNULL", "_sig参数不能为空"},
	CodeSigWrong:        {"SIGN_WRONG", "签名无效"},
	CodeMethodEmpty:     {"METHOD_NOTNULL", "_mt参数不能为空"},
	CodeMethodUnknown:   {"METHOD_NOTEXIST_CODE", "_mt对应的方法名不存在"},
	CodeModeEmpty:       {"REQUESTMODE_NOTNULL", "_requestMode参数不能为空"},
	CodeAidEmpty:        {"APPLICATIONID_NOTNULL", "_aid参数不能为空"},
	CodeAidWrong:        {"APPLICATIONID_NOTSAME", "_aid与当前key不匹配"},
	CodeVersionEmpty:    {"VERSION_NOTNULL", "_version版本号不能为空"},
	CodeTimestampEmpty:  {"TIMESTAMP_NOTNULL", "_timestamp时间戳不能为空"},
	CodeTimestampFormat: {"TIMESTAMP_FORMAT_ERROR", "_timestamp时间戳格式错误"},
	CodeTimestampOld:    {"TIMESTAMP_OVERTIME", "_timestamp已过期"},
	CodeFormatUnknown:   {"FORMAT_TYPE_NOTEXIST", "_format类型不存在"},
	CodeRepeat:          {"API_CALL_REPEAT", "接口重复调用"},
	CodeSystem:          {"API_SYSTEM_CALL_ERROR", "API调用失败,系统异常"},
	CodeUnknown:         {"UNKNOWN_ERROR", "开放平台系统异常"},
	CodeUserWrong:       {"USER_NAME_ERROR", "用户名错误"},
	CodePasswordWrong:   {"PASSWORD_ERROR", "密码错误"},
	CodeParam:           {"PARAM_ERROR", "参数错误"},
	CodeNoDepartment:    {"DEPARTMENT_NOT_FOUND", "部门不存在"},
	CodeTokenMissing:    {"TOKEN_INVALID", "token不存在或已失效"},
}

// Department is a shop (部门) with its counting devices.
type Department struct {
	DepID string
	Name  string
	// AppKey is the developer key that may read it.
	AppKey string
	// Seed and Size shape its traffic (mean entries in an open weekday
	// hour); Location is its zone (Asia/Shanghai when nil); Opens and
	// Closes its hours (9-22 when both 0).
	Seed          int64
	Size          float64
	Location      *time.Location
	Opens, Closes int
	// HeadShoulder departments count with head-shoulder devices: they
	// count people leaving and do not de-duplicate faces.
	HeadShoulder bool
}

// Fault makes the simulator misbehave.
type Fault struct {
	Latency   time.Duration
	Code      int // answer this stat.code
	Malformed bool
	Drop      bool
	HTTP      int // answer this HTTP status with an empty body
	Times     int // 0 = until cleared
}

// Call is one request as the simulator saw it (no _sig, no password).
type Call struct {
	Path, Method, Token string
	Params              map[string]string
	Code                int
}

// Options configure a Server.
type Options struct {
	Now      func() time.Time
	MaxSkew  time.Duration // 0 = 10 minutes
	TokenTTL time.Duration // 0 = one hour
	NoToken  bool          // do not require the authenticator header
}

// Server is the simulated gateway, an http.Handler.
type Server struct {
	now      func() time.Time
	maxSkew  time.Duration
	tokenTTL time.Duration
	noToken  bool

	mu      sync.Mutex
	keys    map[string]key
	users   map[string]string // userName -> password
	tokens  map[string]time.Time
	deps    map[string]Department
	faults  map[string]*Fault
	seen    map[string]time.Time // _sig -> when, for -100
	calls   []Call
	nLogins int
}

type key struct {
	secret  string
	expired bool
}

// New returns an empty simulator.
func New(o Options) *Server {
	s := &Server{now: o.Now, maxSkew: o.MaxSkew, tokenTTL: o.TokenTTL, noToken: o.NoToken,
		keys: map[string]key{}, users: map[string]string{}, tokens: map[string]time.Time{},
		deps: map[string]Department{}, faults: map[string]*Fault{}, seen: map[string]time.Time{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxSkew == 0 {
		s.maxSkew = 10 * time.Minute
	}
	if s.tokenTTL == 0 {
		s.tokenTTL = time.Hour
	}
	return s
}

// AddKey registers a developer key (_akey) and its secret.
func (s *Server) AddKey(akey, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[akey] = key{secret: secret}
}

// ExpireKey marks a key expired (code 3).
func (s *Server) ExpireKey(akey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[akey]
	k.expired = true
	s.keys[akey] = k
}

// AddUser registers a mobileLogin user.
func (s *Server) AddUser(name, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[name] = password
}

// AddDepartment adds or replaces a department.
func (s *Server) AddDepartment(d Department) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deps[d.DepID] = d
}

// ExpireTokens forgets every token, as a gateway restart or the hour
// passing would.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Logins counts successful mobileLogin calls.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nLogins
}

// SetFault installs f for a method (_mt), or for every call with "*".
func (s *Server) SetFault(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = &f
}

// Calls returns the call log, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	copy(out, s.calls)
	return out
}

type stat struct {
	Cid      string `json:"cid"`
	Code     int    `json:"code"`
	Codename string `json:"codename"`
	Systime  int64  `json:"systime"`
}

type envelope struct {
	Stat   stat   `json:"stat"`
	Result string `json:"result"`
	Data   any    `json:"data"`
}

// ServeHTTP serves the gateway at .../cloud.api and .../m.api.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/cloud.api") && !strings.HasSuffix(r.URL.Path, "/m.api") {
		http.NotFound(w, r)
		return
	}
	params, err := readParams(r)
	if err != nil {
		s.reply(w, CodeParam, nil)
		return
	}
	call := Call{Path: r.URL.Path, Method: params["_mt"], Params: maps.Clone(params), Token: token(r)}
	delete(call.Params, "_sig")
	delete(call.Params, "password")
	code, data := s.handle(w, r, params)
	call.Code = code
	s.mu.Lock()
	s.calls = append(s.calls, call)
	if len(s.calls) > 2000 {
		s.calls = s.calls[len(s.calls)-2000:]
	}
	s.mu.Unlock()
	if code == handled {
		return
	}
	s.reply(w, code, data)
}

const handled = -1 << 30 // the fault answered already

func token(r *http.Request) string {
	if t := r.Header.Get("authenticator"); t != "" {
		return t
	}
	return r.Header.Get("Ovo-Authorization")
}

func readParams(r *http.Request) (map[string]string, error) {
	if r.Method == http.MethodGet {
		return flat(r.URL.Query())
	}
	if r.Method != http.MethodPost {
		return nil, errors.New("method")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, err
		}
		return flat(r.MultipartForm.Value)
	default:
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		return flat(v)
	}
}

func flat(v url.Values) (map[string]string, error) {
	out := make(map[string]string, len(v))
	for k, x := range v {
		if len(x) != 1 {
			return nil, errors.New("repeated " + k)
		}
		out[k] = x[0]
	}
	return out, nil
}

func (s *Server) reply(w http.ResponseWriter, code int, data any) {
	names, ok := codeNames[code]
	if !ok {
		names = [2]string{"ERROR", "error"}
	}
	b := make([]byte, 8)
	rand.Read(b)
	env := envelope{Stat: stat{Cid: hex.EncodeToString(b), Code: code, Codename: names[0], Systime: s.now().UnixMilli()},
		Result: names[1], Data: data}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(env)
}

// signString is the NOTES rule: secret + sorted name+value pairs + secret.
func signString(p map[string]string, secret string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "_sig" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(secret)
	for _, k := range keys {
		b.WriteString(k + p[k])
	}
	b.WriteString(secret)
	return b.String()
}

func signWith(method string, p map[string]string, secret string) string {
	text := []byte(signString(p, secret))
	if strings.EqualFold(method, "sha1") {
		sum := sha1.Sum(text)
		return strings.ToUpper(hex.EncodeToString(sum[:]))
	}
	sum := md5.Sum(text)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

var china = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// gateway checks the system parameters in 002's code order.
func (s *Server) gateway(p map[string]string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[p["_akey"]]
	switch {
	case p["_akey"] == "":
		return CodeKeyEmpty
	case !ok:
		return CodeKeyUnknown
	case k.expired:
		return CodeKeyExpired
	case p["_sm"] == "":
		return CodeSMEmpty
	case !strings.EqualFold(p["_sm"], "md5") && !strings.EqualFold(p["_sm"], "sha1"):
		return CodeSMUnknown
	case p["_sig"] == "":
		return CodeSigEmpty
	case subtle.ConstantTimeCompare([]byte(signWith(p["_sm"], p, k.secret)), []byte(strings.ToUpper(p["_sig"]))) != 1:
		return CodeSigWrong
	case p["_mt"] == "":
		return CodeMethodEmpty
	case p["_mt"] != MethodLogin && p["_mt"] != MethodIndicator:
		return CodeMethodUnknown
	case p["_requestMode"] == "" || (!strings.EqualFold(p["_requestMode"], "post") && !strings.EqualFold(p["_requestMode"], "get")):
		return CodeModeEmpty
	case p["_aid"] == "":
		return CodeAidEmpty
	case p["_aid"] != "S107":
		return CodeAidWrong
	case p["_version"] == "":
		return CodeVersionEmpty
	case p["_timestamp"] == "":
		return CodeTimestampEmpty
	}
	ts, err := time.ParseInLocation("20060102150405", p["_timestamp"], china)
	if err != nil || len(p["_timestamp"]) != 14 {
		return CodeTimestampFormat
	}
	now := s.now()
	if d := now.Sub(ts); d > s.maxSkew || d < -s.maxSkew {
		return CodeTimestampOld
	}
	if f, ok := p["_format"]; ok && !strings.EqualFold(f, "json") && !strings.EqualFold(f, "xml") {
		return CodeFormatUnknown
	}
	for sig, at := range s.seen {
		if now.Sub(at) > s.maxSkew {
			delete(s.seen, sig)
		}
	}
	sig := strings.ToUpper(p["_sig"])
	if _, dup := s.seen[sig]; dup {
		return CodeRepeat
	}
	s.seen[sig] = now
	return CodeOK
}

func (s *Server) takeFault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := method
	f, ok := s.faults[k]
	if !ok {
		k = "*"
		if f, ok = s.faults[k]; !ok {
			return Fault{}, false
		}
	}
	out := *f
	if f.Times > 0 {
		if f.Times--; f.Times == 0 {
			delete(s.faults, k)
		}
	}
	return out, true
}

// handle answers one request: faults, the gateway, then the method.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, p map[string]string) (int, any) {
	if f, ok := s.takeFault(p["_mt"]); ok {
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return handled, nil
			}
		}
		switch {
		case f.Drop:
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return handled, nil
				}
			}
			panic(http.ErrAbortHandler)
		case f.HTTP != 0:
			w.WriteHeader(f.HTTP)
			return handled, nil
		case f.Malformed:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"stat":{"code":0,"codename":"SUCC`)
			return handled, nil
		case f.Code != 0:
			return f.Code, nil
		}
	}
	if code := s.gateway(p); code != CodeOK {
		return code, nil
	}
	if p["_mt"] == MethodLogin {
		return s.login(p)
	}
	if !s.noToken && !s.validToken(token(r)) {
		return CodeTokenMissing, nil
	}
	return s.indicator(p)
}

func (s *Server) login(p map[string]string) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pw, ok := s.users[p["userName"]]
	switch {
	case !ok:
		return CodeUserWrong, nil
	case subtle.ConstantTimeCompare([]byte(pw), []byte(p["password"])) != 1:
		return CodePasswordWrong, nil
	}
	b := make([]byte, 16)
	rand.Read(b)
	t := hex.EncodeToString(b)
	s.tokens[t] = s.now().Add(s.tokenTTL)
	s.nLogins++
	return CodeOK, map[string]any{"token": t, "userName": p["userName"]}
}

func (s *Server) validToken(t string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[t]
	return ok && s.now().Before(exp)
}

func (s *Server) String() string { return fmt.Sprintf("opretail sim (%d departments)", len(s.deps)) }
