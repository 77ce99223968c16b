// Package sim simulates a SenseLink Enterprise server's recognition
// records (vendor document 004 §6.5): the record query GET /api/v1/record,
// the record push websocket /websocket/record/<app_key>/<timestamp>/<sign>,
// and the record images (GET /image/<id>, NOTES.md item 80's assumption).
// It is written from the document and does not import the adapter.
//
// Decisions (the same as the adapter's, NOTES.md items 72-80):
//   - Signing: sign = md5(timestamp + "#" + app_secret), lower-case hex,
//     compared case-insensitively; "Sign" is accepted for "sign" (item 72).
//     A timestamp more than 30 minutes from the server's clock is 10003.
//     Unknown app_key 10001, a bad sign 10005 (004 §5).
//   - The push greets with 20000, or 20002 and closes (unknown key, bad sign
//     or expired timestamp, with desc saying which); sends {"code":10000}
//     every heartbeat period; answers websocket pings; accepts the client's
//     {"app_key","timestamp","sign"} message and ignores other text.
//   - Records are pushed as 30000 with data in the example's spelling
//     (deviceSN, userName, userType) or the table's (sn, name, type), or
//     alternating: the Spelling option (item 78).
//   - The query lists newest first (004 §6.5.1), filters by startRecordId /
//     endRecordId (inclusive), deviceSN, type, userId, username, startTime /
//     endTime in seconds (today in the server's zone when absent), pages
//     with page (1-based) and size (default 20, at most 200); replies in the
//     table's spelling.
package sim

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Spelling is how pushed records name their fields (NOTES.md item 78).
type Spelling int

// The spellings.
const (
	SpellExample Spelling = iota // deviceSN, userName, userType (004's example)
	SpellTable                   // sn, name, type (004's field table)
	SpellAlternate
)

// Group is a person group.
type Group struct {
	ID   int64
	Name string
	Type int // 1 staff, 2 visitor
}

// Record is one recognition record.
type Record struct {
	ID         int64
	UserID     int64
	Name       string
	Type       int // 1 staff, 2 guest, 3 stranger
	Groups     []Group
	DeviceSN   string
	DeviceName string
	Direction  int
	SignAvatar string
	SignTime   time.Time
	EntryMode  int
}

// Options configure the server.
type Options struct {
	AppKey, AppSecret string
	Heartbeat         time.Duration // 10000 period; 30 s if zero
	Spelling          Spelling
	Location          *time.Location // for "today"; Asia/Shanghai if nil
	Now               func() time.Time
	Logf              func(string, ...any)
}

// Faults are one-shot fault knobs.
type Faults struct {
	Drop       int           // drop every push connection at the next n records (before sending them)
	Stall      time.Duration // the next push waits this long, heartbeats too
	Duplicate  int           // push the next n records twice
	OutOfOrder int           // push the next n pairs swapped
}

// Server is the simulated SenseLink server.
type Server struct {
	o        Options
	mu       sync.Mutex
	records  []Record
	nextID   int64
	clients  map[*client]struct{}
	faults   Faults
	held     *Record
	rnd      *rand.Rand
	upgrader websocket.Upgrader
}

type client struct {
	send chan []byte
	done chan struct{}
	once sync.Once
	conn *websocket.Conn
}

func (c *client) close() {
	c.once.Do(func() {
		close(c.done)
		c.conn.Close()
	})
}

// New returns a server; serve its Handler.
func New(o Options) *Server {
	if o.Heartbeat <= 0 {
		o.Heartbeat = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Location == nil {
		o.Location, _ = time.LoadLocation("Asia/Shanghai")
		if o.Location == nil {
			o.Location = time.FixedZone("CST", 8*3600)
		}
	}
	return &Server{o: o, nextID: 535000, clients: map[*client]struct{}{},
		rnd: rand.New(rand.NewPCG(uint64(o.Now().UnixNano()), 7)),
		// Clients are servers, not browsers: any origin.
		upgrader: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}}
}

// SetFaults arms the fault knobs.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Handler serves the record query, the push and the images.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/record", s.query)
	mux.HandleFunc("GET /websocket/record/{key}/{ts}/{sign}", s.push)
	mux.HandleFunc("GET /image/{id}", s.image)
	return mux
}

func sign(ts, secret string) string {
	sum := md5.Sum([]byte(ts + "#" + secret))
	return hex.EncodeToString(sum[:])
}

// check verifies app_key, timestamp and sign, returning 004 §5's code (0
// when good) and its message.
func (s *Server) check(key, ts, sg string) (int, string) {
	if key != s.o.AppKey {
		return 10001, "App Key Not Exist"
	}
	if !strings.EqualFold(sign(ts, s.o.AppSecret), sg) {
		return 10005, "Signature Failed"
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || math.Abs(float64(s.o.Now().UnixMilli()-ms)) > float64(30*time.Minute/time.Millisecond) {
		return 10003, "Request Expired"
	}
	return 0, ""
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sg := q.Get("sign")
	if sg == "" {
		sg = q.Get("Sign")
	}
	if code, msg := s.check(q.Get("app_key"), q.Get("timestamp"), sg); code != 0 {
		writeJSON(w, map[string]any{"code": code, "message": msg, "data": nil})
		return
	}
	num := func(k string, def int64) (int64, bool) {
		v := q.Get(k)
		if v == "" {
			return def, true
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	startID, ok1 := num("startRecordId", 0)
	endID, ok2 := num("endRecordId", 0)
	typ, ok3 := num("type", 0)
	uid, ok4 := num("userId", 0)
	page, ok5 := num("page", 1)
	size, ok6 := num("size", 20)
	y, m, d := s.o.Now().In(s.o.Location).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, s.o.Location)
	st, ok7 := num("startTime", today.Unix())
	et, ok8 := num("endTime", today.Add(24*time.Hour-time.Second).Unix())
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8) || page < 1 || size < 1 || size > 200 {
		writeJSON(w, map[string]any{"code": 30001, "message": "Param Invalid", "data": nil})
		return
	}
	s.mu.Lock()
	var hits []Record
	for i := len(s.records) - 1; i >= 0; i-- { // newest first
		rec := s.records[i]
		switch {
		case startID > 0 && rec.ID < startID, endID > 0 && rec.ID > endID,
			typ != 0 && int64(rec.Type) != typ, uid != 0 && rec.UserID != uid,
			q.Get("deviceSN") != "" && rec.DeviceSN != q.Get("deviceSN"),
			q.Get("username") != "" && rec.Name != q.Get("username"),
			rec.SignTime.Unix() < st, rec.SignTime.Unix() > et:
			continue
		}
		hits = append(hits, rec)
	}
	s.mu.Unlock()
	from := min(int((page-1)*size), len(hits))
	to := min(from+int(size), len(hits))
	items := []map[string]any{}
	for _, rec := range hits[from:to] {
		items = append(items, s.encode(rec, SpellTable))
	}
	writeJSON(w, map[string]any{"code": 200, "message": "OK", "data": map[string]any{
		"total": len(hits), "pageNum": page, "size": len(items), "pageSize": size,
		"totalPage": (len(hits) + int(size) - 1) / int(size), "data": items}})
}

// encode writes a record in a spelling (004 §6.5.1's table or §6.5.2's
// example).
func (s *Server) encode(r Record, sp Spelling) map[string]any {
	groups := []map[string]any{}
	for _, g := range r.Groups {
		groups = append(groups, map[string]any{"id": g.ID, "name": g.Name, "type": g.Type})
	}
	m := map[string]any{"id": r.ID, "userId": r.UserID, "deviceName": r.DeviceName, "direction": r.Direction,
		"signAvatar": r.SignAvatar, "signBgAvatar": r.SignAvatar + "b", "signTime": r.SignTime.Unix(),
		"groupId": 0, "receptionUserId": 0, "receptionUserName": ""}
	if sp == SpellTable {
		m["sn"], m["name"], m["type"] = r.DeviceSN, r.Name, r.Type
		m["groups"], m["groupName"] = groups, nil
		m["signDate"] = r.SignTime.In(s.o.Location).Format("2006-01-02")
		m["entryMode"] = r.EntryMode
	} else {
		m["deviceSN"], m["userName"], m["userType"] = r.DeviceSN, r.Name, r.Type
		m["companyId"], m["originAvatar"], m["verifyScore"] = 1, "", 0.0
		name := ""
		if len(r.Groups) > 0 {
			name = r.Groups[0].Name
		}
		m["groupName"] = name
	}
	return m
}

// push is the record push (004 §6.5.2).
func (s *Server) push(w http.ResponseWriter, r *http.Request) {
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	if code, msg := s.check(r.PathValue("key"), r.PathValue("ts"), r.PathValue("sign")); code != 0 {
		desc := map[int]string{10001: "app key not exist", 10005: "signature failed", 10003: "request expired"}[code]
		_ = ws.WriteJSON(map[string]any{"code": 20002, "message": "Permission Denied!", "desc": desc})
		s.o.Logf("senselink sim: push refused: %s", msg)
		ws.Close()
		return
	}
	c := &client{send: make(chan []byte, 1024), done: make(chan struct{}), conn: ws}
	s.mu.Lock()
	s.clients[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.clients, c)
		s.mu.Unlock()
		c.close()
	}()
	_ = ws.WriteJSON(map[string]any{"code": 20000, "message": " Connected!", "desc": "Connected!"})
	go s.writer(c)
	ws.SetReadLimit(4096)
	for {
		// The client's messages (its signed hello) need no answer; pings
		// are answered by the library.
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
	}
}

func (s *Server) writer(c *client) {
	t := time.NewTicker(s.o.Heartbeat)
	defer t.Stop()
	beat, _ := json.Marshal(map[string]any{"code": 10000, "desc": "heart beat", "message": "heart beat"})
	for {
		var msg []byte
		select {
		case <-c.done:
			return
		case <-t.C:
			msg = beat
		case msg = <-c.send:
		}
		_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := c.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
			c.close()
			return
		}
	}
}

// Add stores a record (given an id and time if it has none) and pushes it
// to every connection; it returns the record as stored.
func (s *Server) Add(r Record) Record {
	s.mu.Lock()
	if r.ID == 0 {
		s.nextID++
		r.ID = s.nextID
	}
	if r.SignTime.IsZero() {
		r.SignTime = s.o.Now()
	}
	if r.SignAvatar == "" {
		r.SignAvatar = fmt.Sprintf("5c80cb55bac9be%010x", r.ID)
	}
	if r.EntryMode == 0 {
		r.EntryMode = 1
	}
	s.records = append(s.records, r)
	f := &s.faults
	toSend := []Record{r}
	if f.OutOfOrder > 0 {
		if s.held == nil {
			held := r
			s.held = &held
			toSend = nil
		} else {
			toSend = []Record{r, *s.held}
			s.held = nil
			f.OutOfOrder--
		}
	}
	if f.Duplicate > 0 && len(toSend) > 0 {
		f.Duplicate--
		toSend = append(toSend, toSend[0])
	}
	drop := f.Drop > 0
	if drop {
		f.Drop--
	}
	stall := f.Stall
	f.Stall = 0
	clients := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	if drop {
		for _, c := range clients {
			c.close()
		}
		return r
	}
	if stall > 0 {
		time.Sleep(stall)
	}
	for _, rec := range toSend {
		sp := s.o.Spelling
		if sp == SpellAlternate {
			sp = Spelling(rec.ID % 2)
		}
		b, _ := json.Marshal(map[string]any{"code": 30000, "data": s.encode(rec, sp), "desc": "", "message": "push record"})
		for _, c := range clients {
			select {
			case c.send <- b:
			default:
				c.close() // a client that does not read is dropped
			}
		}
	}
	return r
}

// Records lists every record, oldest first.
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]Record(nil), s.records...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Connected is the number of open push connections.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// DropAll closes every push connection (a network outage).
func (s *Server) DropAll() {
	s.mu.Lock()
	clients := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	for _, c := range clients {
		c.close()
	}
}

// Device is a face terminal the generator sends records from.
type Device struct{ SN, Name string }

// Person is someone the terminals know.
type Person struct {
	UserID int64
	Name   string
	Type   int // 1 staff, 2 guest
	Group  Group
}

// Generate adds records at random (mean interval every) until ctx ends:
// staff and guests from people, strangers otherwise.
func (s *Server) Generate(ctx context.Context, devices []Device, people []Person, every time.Duration) {
	if len(devices) == 0 {
		return
	}
	for {
		s.mu.Lock()
		wait := time.Duration(-math.Log(1-s.rnd.Float64()) * float64(every))
		dev := devices[s.rnd.IntN(len(devices))]
		known := len(people) > 0 && s.rnd.Float64() < 0.5
		var p Person
		if known {
			p = people[s.rnd.IntN(len(people))]
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		rec := Record{DeviceSN: dev.SN, DeviceName: dev.Name, Type: 3}
		if known {
			rec.UserID, rec.Name, rec.Type, rec.Groups = p.UserID, p.Name, p.Type, []Group{p.Group}
		}
		s.Add(rec)
	}
}

// image serves a record's capture: a small generated JPEG, the same for
// the same id.
func (s *Server) image(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if len(id) < 8 || len(id) > 40 {
		http.NotFound(w, r)
		return
	}
	var seed uint32
	for _, c := range id {
		seed = seed*31 + uint32(c)
	}
	img := image.NewRGBA(image.Rect(0, 0, 120, 120))
	bg := color.RGBA{uint8(80 + seed%100), uint8(90 + seed/7%90), uint8(110 + seed/13%100), 255}
	face := color.RGBA{232, 190, 150, 255}
	for y := 0; y < 120; y++ {
		for x := 0; x < 120; x++ {
			c := bg
			if dx, dy := x-60, y-55; dx*dx+dy*dy*7/10 < 34*34 {
				c = face
			}
			img.SetRGBA(x, y, c)
		}
	}
	w.Header().Set("Content-Type", "image/jpeg")
	_ = jpeg.Encode(w, img, &jpeg.Options{Quality: 75})
}
