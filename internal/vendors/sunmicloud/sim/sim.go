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
	"sync"
	"time"
)

const (
	// apiPrefix is where the base URL ends: 000 devices §2.3.x examples post
	// to https://store.uat.sunmi.com/openapi/device/ipc/....
	apiPrefix = "/openapi"

	// maxBody is 000 §2.1's "消息体大小不得超过1M": read as 1 MiB here, the
	// lenient reading, so a client that keeps under 1,000,000 bytes (NOTES 9)
	// is never refused.
	maxBody = 1 << 20

	// defaultSkew is how far a timestamp may be from the simulator's clock
	// when Options.MaxSkew is zero. 000 does not say; 300 s is the brief's.
	defaultSkew = 300 * time.Second

	// maxCalls bounds the call log so a long demo run does not grow memory.
	maxCalls = 1000

	// firstIpcID continues the numbering of 000's examples (549755805878,
	// 549755811632) so generated ids look like real ones and are 12 digits.
	firstIpcID int64 = 549755805000

	jsonContentType = "application/json;charset=UTF-8"
)

// Device is one camera as the cloud knows it.
type Device struct {
	IpcID, SN, MAC, Name, Model, Firmware string // MAC: 12 hex digits, no colons
	Online                                bool
	ConnectTime, CheckVersionTime         time.Time
	ShopNo                                string // "" = in the factory pool (unbound)
}

// Shop is a 商米数字店铺 shop: ShopNo is sunmi_shop_no, ShopID the SaaS's own
// shop_id (000 devices §2.3.1: the two are interchangeable), CompanyNo the
// sunmi_company_no of §2.3.6. AppID is the only app that may see it.
type Shop struct {
	ShopNo, ShopID, CompanyNo, Name string
	AppID                           string
}

// Fault makes the simulator misbehave for reliability tests. A fault that
// answers (Code, Malformed, Drop) replaces the request's processing entirely:
// no state changes. A Latency-only fault delays a request that is then
// processed normally.
type Fault struct {
	Latency   time.Duration // sleep before answering (respect request ctx)
	Code      int           // if non-zero: answer with this code and its documented msg, no state change; HTTP 200, except 5090 which is HTTP 401 as a real bad sign is
	Malformed bool          // answer HTTP 200 with a truncated, invalid JSON body
	Drop      bool          // hijack and close the connection without answering
	Times     int           // how many requests it applies to; 0 = until cleared
	Skip      int           // how many requests pass untouched before it applies (an outage in the middle of a run)
}

// Call is one request to the API as the simulator saw it. Params exclude
// "sign" and file parts. Code is -1 when no {code,msg,data} body was sent
// (413, malformed or dropped replies, cancelled requests); HTTPStatus is 0
// when nothing was sent at all.
type Call struct {
	Path       string
	Params     map[string]string
	Code       int
	HTTPStatus int
	At         time.Time

	logged bool // recorded already (a dropped call is logged before the drop)
}

// Options configure a Server. The zero value is usable.
type Options struct {
	Now     func() time.Time // clock for timestamps and connect times; default time.Now
	MaxSkew time.Duration    // allowed |timestamp - Now()|; 0 = 300 s, negative = no window check
	Logf    func(format string, args ...any)
}

// Server is the simulated Sunmi Store cloud. It is an http.Handler serving
// /openapi/... and the screenshots under /IMG/IPC/, and is safe for
// concurrent use.
type Server struct {
	now     func() time.Time
	maxSkew time.Duration
	logf    func(format string, args ...any)

	mu        sync.Mutex
	apps      map[string]string  // app_id -> secret
	shops     map[string]*Shop   // by ShopNo
	devices   map[string]*Device // by SN
	nextIpcID int64
	faults    map[string]*Fault // by path, or "*"
	calls     []Call
	jpegs     map[string][]byte         // screenshot cache by key
	profiles  map[string]TrafficProfile // passengerFlow: by ShopNo (traffic_model.go)
	media     *media                    // streams, playbacks and the CDN side (media.go)
	faces     faceState                 // face groups and faces (faces.go)
}

// New returns an empty simulator: add apps, shops and devices before use.
func New(opts Options) *Server {
	s := &Server{
		now:       opts.Now,
		maxSkew:   opts.MaxSkew,
		logf:      opts.Logf,
		apps:      map[string]string{},
		shops:     map[string]*Shop{},
		devices:   map[string]*Device{},
		nextIpcID: firstIpcID,
		faults:    map[string]*Fault{},
		jpegs:     map[string][]byte{},
		media:     newMedia(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxSkew == 0 {
		s.maxSkew = defaultSkew
	}
	return s
}

// AddApp registers an app_id and its secret key, replacing an earlier one.
func (s *Server) AddApp(appID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[appID] = secret
}

// AddShop adds or replaces the shop with sh.ShopNo.
func (s *Server) AddShop(sh Shop) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shops[sh.ShopNo] = &sh
}

// AddDevice adds or replaces the device with d.SN. It is bound to d.ShopNo
// if that is set (and then gets an ipc_id if it has none), else it waits in
// the factory pool for /device/ipc/bind. The MAC is normalised to upper case
// without separators (NOTES 24).
func (s *Server) AddDevice(d Device) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.MAC = normalizeMAC(d.MAC)
	if d.ShopNo != "" && d.IpcID == "" {
		d.IpcID = s.newIpcID()
	}
	s.devices[d.SN] = &d
}

// Device returns the current state of the device with serial number sn.
func (s *Server) Device(sn string) (Device, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[sn]
	if !ok {
		return Device{}, false
	}
	return *d, true
}

// SetOnline switches a device on or off line, as a camera losing power
// would. Coming on line sets ConnectTime (connect_time) to now.
func (s *Server) SetOnline(sn string, online bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[sn]
	if !ok {
		return
	}
	if online && !d.Online {
		d.ConnectTime = s.now()
	}
	d.Online = online
}

// SetFault installs f for path (like "/device/ipc/bind", without /openapi),
// or for every API path when path is "*". An exact path wins over "*".
func (s *Server) SetFault(path string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = &f
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// Calls returns a copy of the call log, oldest first (the last 1000 calls).
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Params = maps.Clone(c.Params)
		out[i] = c
	}
	return out
}

// ServeHTTP routes /openapi/... to the API and /IMG/IPC/... to screenshots.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, screenshotPrefix):
		s.serveScreenshot(w, r)
	case strings.HasPrefix(r.URL.Path, apiPrefix+"/"):
		s.serveAPI(w, r)
	case isMediaPath(r.URL.Path):
		s.serveMedia(w, r)
	default:
		http.NotFound(w, r)
	}
}

// endpoint handles one API path. It runs with s.mu held, after the request
// was authenticated, and returns the result code and the data to send.
type endpoint func(s *Server, q *request) (int, any)

// request is what an endpoint needs from the HTTP request.
type request struct {
	app    string
	params map[string]string
	files  map[string][]byte // multipart file parts by field name (face photos)
	base   string            // scheme://host, for absolute screenshot URLs
}

var endpoints = map[string]endpoint{
	pathGetList:          (*Server).getList,
	pathGetInfo:          (*Server).getInfo,
	pathUpdateName:       (*Server).updateName,
	pathBind:             (*Server).bind,
	pathUnbind:           (*Server).unbind,
	pathGetListByCompany: (*Server).getListByCompany,
	// 人流统计接口 §4.3 (traffic.go)
	pathTodayLatest:      (*Server).todayLatest,
	pathTodayByTag:       (*Server).todayByTag,
	pathTodayByGender:    (*Server).todayByGender,
	pathTodayTrendByHour: (*Server).todayTrendByHour,
	pathHistoryByTag:     (*Server).historyByTag,
	pathHistoryByGender:  (*Server).historyByGender,
	pathHistoryTrendHour: (*Server).historyTrendByHour,
	pathHistoryTrendDay:  (*Server).historyTrendByDay,
	pathHistoryFrequency: (*Server).historyFrequency,

	// Faces (001), in faces.go.
	pathGroupList:     (*Server).groupList,
	pathGroupInfo:     (*Server).groupInfo,
	pathGroupCreate:   (*Server).groupCreate,
	pathGroupUpdate:   (*Server).groupUpdate,
	pathGroupDelete:   (*Server).groupDelete,
	pathGroupFaceList: (*Server).groupFaceList,
	pathFaceInfo:      (*Server).faceInfo,
	pathFaceAdd:       (*Server).faceAdd,
	pathFaceUpdate:    (*Server).faceUpdate,
	pathFaceDelete:    (*Server).faceDelete,
	pathGroupMove:     (*Server).groupMove,
	pathMoveStrategy:  (*Server).moveStrategy,
}

// serveAPI checks the request in the order: method, path, size, form,
// faults, app_id and sign, timestamp, random, then hands it to the endpoint.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	c := &Call{Path: strings.TrimPrefix(r.URL.Path, apiPrefix), Code: noEnvelope, At: s.now()}
	defer s.record(c)

	ep, known := endpoints[c.Path]
	switch {
	case r.Method != http.MethodPost: // 000 §2.1: 所有的消息一律采用POST方式
		w.Header().Set("Allow", http.MethodPost)
		s.reply(w, c, http.StatusMethodNotAllowed, codeInvalidParam, nil)
		return
	case !known:
		s.reply(w, c, http.StatusNotFound, codeInvalidParam, nil)
		return
	}

	params, files, err := readParams(w, r)
	switch {
	case errors.Is(err, errTooLarge): // 000 §2.1: 超过1M的请求,直接拒绝
		c.HTTPStatus = http.StatusRequestEntityTooLarge
		http.Error(w, "request body larger than 1M", c.HTTPStatus)
		return
	case errors.Is(err, errContentType):
		s.reply(w, c, http.StatusUnsupportedMediaType, codeInvalidParam, nil)
		return
	case err != nil:
		s.reply(w, c, http.StatusOK, codeInvalidParam, nil)
		return
	}
	c.Params = maps.Clone(params)
	delete(c.Params, "sign")

	if s.applyFault(w, r, c) {
		return
	}
	if code := s.authenticate(params); code != codeOK {
		status := http.StatusOK
		if code == codeInvalidSign { // NOTES: a bad sign answers HTTP 401
			status = http.StatusUnauthorized
		}
		s.reply(w, c, status, code, nil)
		return
	}

	q := &request{app: params["app_id"], params: params, files: files, base: baseURL(r)}
	s.mu.Lock()
	code, data := ep(s, q)
	s.mu.Unlock()
	s.reply(w, c, http.StatusOK, code, data)
}

var (
	errTooLarge    = errors.New("body larger than 1M")
	errContentType = errors.New("unsupported content type")
	errDuplicate   = errors.New("parameter sent twice")
)

// readParams reads the form body. 000 §2.1 names x-www-form-urlencoded; the
// face APIs (001) upload photos as multipart/form-data, so both are taken.
// Query-string parameters are ignored: the document only ever sends a body.
func readParams(w http.ResponseWriter, r *http.Request) (map[string]string, map[string][]byte, error) {
	if r.ContentLength > maxBody {
		return nil, nil, errTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, nil, errTooLarge
	}
	if err != nil {
		return nil, nil, err
	}
	mediaType, mtParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, nil, errContentType
	}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		params, err := parseURLEncoded(body)
		return params, nil, err
	case "multipart/form-data":
		return parseMultipart(body, mtParams["boundary"])
	default:
		return nil, nil, errContentType
	}
}

// parseURLEncoded refuses a key sent twice: the sign rule has no order for
// repeated keys, so such a request cannot be verified.
func parseURLEncoded(body []byte) (map[string]string, error) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	params := make(map[string]string, len(values))
	for k, v := range values {
		if len(v) != 1 {
			return nil, errDuplicate
		}
		params[k] = v[0]
	}
	return params, nil
}

// parseMultipart returns the value parts as parameters and the file parts
// (those with a filename) apart: a photo's bytes are never signed (NOTES
// "Signing", 1).
func parseMultipart(body []byte, boundary string) (map[string]string, map[string][]byte, error) {
	if boundary == "" {
		return nil, nil, errContentType
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	params := map[string]string{}
	files := map[string][]byte{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return params, files, nil
		}
		if err != nil {
			return nil, nil, err
		}
		name := p.FormName()
		if name == "" {
			continue
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, err
		}
		if p.FileName() != "" {
			if _, dup := files[name]; dup {
				return nil, nil, errDuplicate
			}
			files[name] = v
			continue
		}
		if _, dup := params[name]; dup {
			return nil, nil, errDuplicate
		}
		params[name] = string(v)
	}
}

// authenticate checks the public parameters of 000 §2.3. The sign comes
// first so a caller without the secret learns nothing about the rest.
func (s *Server) authenticate(p map[string]string) int {
	s.mu.Lock()
	secret, ok := s.apps[p["app_id"]]
	s.mu.Unlock()
	if !ok || p["app_id"] == "" || !signMatches(p, secret, p["sign"]) {
		return codeInvalidSign
	}
	if !s.validTimestamp(p["timestamp"]) {
		return codeInvalidTime
	}
	if !validRandom(p["random"]) {
		return codeInvalidRandom
	}
	return codeOK
}

// validTimestamp: 000 §2.3 "当前的unix timestamp,精度到秒级,10位数字", and
// within MaxSkew of the simulator's clock so replayed requests fail.
func (s *Server) validTimestamp(v string) bool {
	if len(v) != 10 || !allDigits(v) {
		return false
	}
	ts, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return false
	}
	if s.maxSkew < 0 {
		return true
	}
	d := s.now().Sub(time.Unix(ts, 0))
	return d <= s.maxSkew && d >= -s.maxSkew
}

// validRandom: 000 §2.3 "随机字符串,由数字和字母组成,长度范围为6-10位".
func validRandom(v string) bool {
	if len(v) < 6 || len(v) > 10 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func allDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// takeFault returns the fault for path (an exact path before "*") and
// counts down its Times, removing it when they run out.
func (s *Server) takeFault(path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := path
	f, ok := s.faults[key]
	if !ok {
		key = "*"
		if f, ok = s.faults[key]; !ok {
			return Fault{}, false
		}
	}
	if f.Skip > 0 {
		f.Skip--
		return Fault{}, false
	}
	out := *f
	if f.Times > 0 {
		if f.Times--; f.Times == 0 {
			delete(s.faults, key)
		}
	}
	return out, true
}

// applyFault plays the fault for this request, if any, and reports whether
// it answered (or gave up on) the request.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, c *Call) bool {
	f, ok := s.takeFault(c.Path)
	if !ok {
		return false
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done(): // the client gave up: answer nothing at all
			s.record(c)
			dropConnection(w) // returning would send an empty 200
			return true
		}
	}
	switch {
	case f.Drop:
		c.HTTPStatus = 0
		// Log before closing: a client that sees the connection drop must
		// find the call in the log already.
		s.record(c)
		dropConnection(w)
	case f.Malformed:
		c.HTTPStatus = http.StatusOK
		w.Header().Set("Content-Type", jsonContentType)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"code":0,"msg":"succeed","data":{"total_count":1,"ipc_list":[{"ipc_id":"5497`)
	case f.Code != 0:
		status := http.StatusOK
		if f.Code == codeInvalidSign {
			status = http.StatusUnauthorized
		}
		s.reply(w, c, status, f.Code, nil)
	default:
		return false
	}
	return true
}

// dropConnection closes the TCP connection under an HTTP/1 request. Writers
// that cannot be hijacked (HTTP/2, recorders) get the net/http idiom for an
// aborted reply, a panic with http.ErrAbortHandler that the server recovers.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// envelope is 000's reply shape: {"code":N,"msg":"...","data":...}.
type envelope struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data any    `json:"data"`
}

// reply writes the envelope. data nil becomes {} as in 000's examples.
// HTML escaping is off so Chinese names and URLs read as the vendor's do.
func (s *Server) reply(w http.ResponseWriter, c *Call, status, code int, data any) {
	if data == nil {
		data = struct{}{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(envelope{Code: code, Msg: message(c.Path, code), Data: data}); err != nil {
		c.HTTPStatus = http.StatusInternalServerError
		http.Error(w, "encode reply", c.HTTPStatus)
		return
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	c.HTTPStatus, c.Code = status, code
}

// record appends c to the call log, keeping the newest maxCalls, and logs
// it. Neither the sign nor the secret is ever logged.
func (s *Server) record(c *Call) {
	if c.logged {
		return
	}
	c.logged = true
	s.mu.Lock()
	s.calls = append(s.calls, *c)
	if n := len(s.calls); n > maxCalls {
		s.calls = append(s.calls[:0], s.calls[n-maxCalls:]...)
	}
	s.mu.Unlock()
	if s.logf != nil {
		s.logf("sunmicloud sim: %s%s app_id=%q http=%d code=%d",
			apiPrefix, c.Path, c.Params["app_id"], c.HTTPStatus, c.Code)
	}
}

// baseURL is scheme://host of the request, so screenshot URLs point back at
// whichever address and port the client used.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
