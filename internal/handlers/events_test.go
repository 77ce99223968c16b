package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"storelens/internal/auth"
	"storelens/internal/blobs"
	"storelens/internal/events"
	"storelens/internal/handlers"
	"storelens/internal/i18n"
	"storelens/internal/live"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmisign"
)

const (
	hookApp    = "JO83UNV983U9OR"
	hookSecret = "ABCDEFG3F2BB03917123"
	hookSN     = "C201D8BS00101" // shop A's door camera in the harness
)

// eventsApp is the test app with the events area wired: the pipeline, the
// hub, and a webhook source for shop A's door camera.
type eventsApp struct {
	*testApp
	svc *events.Service
	hub *live.Hub
	// pictures is where the pipeline keeps pictures: the database's
	// blobs, as with several instances.
	pictures blobs.Store
}

// appOptions tune newEventsApp for benchmarks.
type appOptions struct {
	hub   live.HubOptions
	wrap  func(events.Publisher) events.Publisher // to time the publishing
	trace func(evs []*models.Event, taken, committed time.Time)
	cfg   func(*events.Config) // adjusts the pipeline's configuration
}

func newEventsApp(t testing.TB, opts ...appOptions) *eventsApp {
	t.Helper()
	a := newTestApp(t)
	log := slog.New(slog.DiscardHandler)
	var o appOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	hub := live.NewHub(a.st, o.hub)
	var pub events.Publisher = hub
	if o.wrap != nil {
		pub = o.wrap(hub)
	}
	pics := blobs.NewDatabase(a.st, "pictures")
	cfg := events.Config{Store: a.st, Hub: pub, DataDir: t.TempDir(), Pictures: pics, Log: log, Trace: o.trace}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	svc := events.New(cfg)
	if err := svc.Sources().Configure([]events.SourceConfig{{Kind: events.KindSunmiWebhook, SN: hookSN, ShopID: a.shopA.ID,
		AppID: hookApp, Secret: hookSecret}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svc.Start(ctx)
	h := handlers.New(handlers.Deps{
		Store: a.st, Sessions: handlers.NewSessions(a.st, false, time.Hour, 2*time.Hour), I18n: i18n.MustLoad(),
		Hasher: a.hasher, Throttle: auth.NewThrottle(nil), Log: log, VendorTimeout: 5 * time.Second,
		Events: handlers.EventsDeps{Service: svc, Hub: hub},
	})
	a.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		hub.Close()
		a.srv.Close()
		cancel()
		svc.Close()
	})
	return &eventsApp{testApp: a, svc: svc, hub: hub, pictures: pics}
}

// hookPost is a camera's notification post (003 §1.3), signed with sec.
func hookPost(payload, sec string, ts time.Time, random string) (string, []byte) {
	params := map[string]string{"app_id": hookApp, "random": random, "timestamp": strconv.FormatInt(ts.Unix(), 10), "payload": payload}
	params["sign"] = sunmisign.Sign(params, sec)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range []string{"app_id", "random", "timestamp", "sign", "payload"} {
		w.WriteField(k, params[k])
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func facePayload(id int, group string) string {
	return fmt.Sprintf(`{"event_id":%d,"event_type":"face_recog_event","sn":%q,"report_time":%d,"group_name":%q,"faceid":"1001","age_range":5,"gender":2,"arrive_times":3,"name":"王丽"}`,
		id, hookSN, time.Now().Unix(), group)
}

func (a *eventsApp) postHook(t *testing.T, ct string, body []byte) (int, map[string]any) {
	t.Helper()
	res, err := http.Post(a.srv.URL+"/hooks/sunmi-ipc", ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func (a *eventsApp) count(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := a.st.DB().Model(&models.Event{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWebhookEndpointRefusesAndStoresNothing(t *testing.T) {
	a := newEventsApp(t)
	now := time.Now()
	type hookCase struct {
		name   string
		ct     string
		body   []byte
		status int
		code   float64
	}
	var cases []hookCase
	ct, body := hookPost(facePayload(1, "vip"), "forged-secret", now, "r4nd0m01")
	cases = append(cases, hookCase{"forged signature", ct, body, 401, 1})
	ct, body = hookPost(facePayload(1, "vip"), hookSecret, now.Add(-time.Hour), "r4nd0m02")
	cases = append(cases, hookCase{"stale timestamp", ct, body, 401, 3})
	big := `{"event_id":1,"event_type":"face_recog_event","sn":"` + hookSN + `","report_time":1,"pad":"` + strings.Repeat("x", 80<<10) + `"}`
	ct, body = hookPost(big, hookSecret, now, "r4nd0m03")
	cases = append(cases, hookCase{"oversized body", ct, body, 413, 2})
	cases = append(cases, hookCase{"not multipart", "application/json", []byte(facePayload(1, "vip")), 400, 2})
	for _, c := range cases {
		status, m := a.postHook(t, c.ct, c.body)
		if status != c.status || m["code"] != c.code {
			t.Errorf("%s: %d %v, want %d code %v", c.name, status, m, c.status, c.code)
		}
	}
	if n := a.count(t); n != 0 {
		t.Fatalf("%d events stored from refused posts", n)
	}

	ct, body = hookPost(facePayload(1, "vip"), hookSecret, now, "r4nd0m04")
	if status, m := a.postHook(t, ct, body); status != 200 || m["code"] != 0.0 {
		t.Fatalf("good post: %d %v", status, m)
	}
	if status, m := a.postHook(t, ct, body); status != 409 {
		t.Errorf("replay: %d %v", status, m)
	}
	if n := a.count(t); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
	evs, _ := a.st.LatestEvents(context.Background(), models.EventSet{All: true}, 1)
	ev := evs[0]
	if ev.ShopID != a.shopA.ID || ev.CameraName != "Door" || !ev.Alert || ev.PersonName != "王丽" || ev.Source != "sunmi-webhook:"+hookSN {
		t.Fatalf("stored %+v", ev)
	}
}

// addEvent stores an event directly (as the pipeline would).
func (a *eventsApp) addEvent(t *testing.T, shop uint, group, name string, at time.Time) models.Event {
	t.Helper()
	ev := &models.Event{ShopID: shop, Vendor: "sunmi_ipc", DedupeKey: fmt.Sprint("k", time.Now().UnixNano()), Kind: "face",
		OccurredAt: at, ReceivedAt: at, GroupName: group, GroupKind: "regular", PersonName: name, PersonID: "p" + name, CameraName: "Door"}
	if _, err := a.st.InsertEvents(context.Background(), []*models.Event{ev}); err != nil {
		t.Fatal(err)
	}
	return *ev
}

func TestFeedHistoryAndPicturesAreScoped(t *testing.T) {
	a := newEventsApp(t)
	now := time.Now()
	evA := a.addEvent(t, a.shopA.ID, "regular", "阿兰", now)
	evB := a.addEvent(t, a.shopB.ID, "vip", "秘密客人", now)
	admin := a.login("admin", adminPW)
	admin.get("/events").has(t, "阿兰", "秘密客人", `data-testid="event-feed"`)
	mgr := a.login("manager", managerPW)
	r := mgr.get("/events")
	r.has(t, "阿兰", fmt.Sprintf(`data-last="%d"`, evA.ID))
	r.lacks(t, "秘密客人")
	mgr.get(fmt.Sprintf("/shops/%d/events", a.shopA.ID)).has(t, "阿兰")
	if r := mgr.get(fmt.Sprintf("/shops/%d/events", a.shopB.ID)); r.status != 404 {
		t.Errorf("another shop's feed: %d", r.status)
	}
	if r := mgr.get(fmt.Sprintf("/events/history?shop=%d", a.shopB.ID)); r.status != 404 {
		t.Errorf("another shop's history: %d", r.status)
	}
	h := mgr.get("/events/history?person=" + url.QueryEscape("秘密"))
	h.lacks(t, "秘密客人")
	h.has(t, `data-testid="history-empty"`)

	// Pictures: kept files, served only to those who may see the shop.
	name := strings.Repeat("ab", 20) + ".jpg"
	if err := a.pictures.Put(context.Background(), name, []byte("\xff\xd8\xff\xe0 jpeg")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{evA.ID, evB.ID} {
		if err := a.st.SetEventPicture(context.Background(), id, name); err != nil {
			t.Fatal(err)
		}
	}
	if r := mgr.get(fmt.Sprintf("/events/%d/picture", evA.ID)); r.status != 200 || r.header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("own picture: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := mgr.get(fmt.Sprintf("/events/%d/picture", evB.ID)); r.status != 404 {
		t.Errorf("another shop's picture: %d", r.status)
	}
	if r := a.browser().get(fmt.Sprintf("/events/%d/picture", evA.ID)); r.status != http.StatusSeeOther {
		t.Errorf("signed out: %d", r.status)
	}
}

func TestHistorySearchAndPaging(t *testing.T) {
	a := newEventsApp(t)
	base := time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC) // 12:00 in Shanghai
	for i := 0; i < 60; i++ {
		a.addEvent(t, a.shopA.ID, "regular", fmt.Sprintf("客%02d", i), base.Add(time.Duration(i)*time.Minute))
	}
	// Stored last, happened first (a record filled in after an outage):
	// the history is in the order things happened.
	a.addEvent(t, a.shopA.ID, "vip", "贵宾甲", base.Add(-48*time.Hour))
	admin := a.login("admin", adminPW)
	r := admin.get("/events/history")
	r.has(t, "客59", `data-testid="history-older"`)
	r.lacks(t, "客09", `data-testid="history-newer"`)
	older := between(r.body, `href="/events/history?`, `" rel="next"`)
	r2 := admin.get("/events/history?" + strings.ReplaceAll(older, "&amp;", "&"))
	r2.has(t, "客09", "贵宾甲", `data-testid="history-newer"`)
	r2.lacks(t, "客59", `data-testid="history-older"`)
	newer := between(r2.body, `href="/events/history?`, `" rel="prev"`)
	r3 := admin.get("/events/history?" + strings.ReplaceAll(newer, "&amp;", "&"))
	r3.has(t, "客59", "客10", `data-testid="history-older"`)
	r3.lacks(t, "客09", `data-testid="history-newer"`)

	admin.get("/events/history?group=vip").has(t, "贵宾甲")
	admin.get("/events/history?group=vip").lacks(t, "客01")
	admin.get("/events/history?person="+url.QueryEscape("客03")).has(t, "客03")
	day := admin.get(fmt.Sprintf("/events/history?shop=%d&from=2026-03-08&to=2026-03-08", a.shopA.ID))
	day.has(t, "贵宾甲")
	day.lacks(t, "客01")
	bad := admin.get("/events/history?from=10%2F03%2F2026")
	if bad.status != http.StatusUnprocessableEntity {
		t.Errorf("bad date: %d", bad.status)
	}
	bad.has(t, "Enter dates as YYYY-MM-DD.", `value="10/03/2026"`)
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return ""
}

func TestShopAlertSettingsAndRetention(t *testing.T) {
	a := newEventsApp(t)
	mgr := a.login("manager", managerPW)
	path := fmt.Sprintf("/shops/%d/events/settings", a.shopA.ID)
	mgr.get(path).has(t, `data-testid="alert-groups"`, "vip", "Sunmi camera, webhook")
	if r := mgr.post(path, url.Values{"alert_groups": {"x"}}); r.status != 403 {
		t.Errorf("manager saves settings: %d", r.status)
	}
	admin := a.login("admin", adminPW)
	long := strings.Repeat("长", 33)
	r := admin.post(path, url.Values{"alert_groups": {"vip, " + long}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("too long: %d", r.status)
	}
	r.has(t, "at most 32 characters", long)
	if r := admin.post(path, url.Values{"alert_groups": {"blacklist，vip"}}); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.status)
	}
	admin.get(path).has(t, `value="blacklist, vip"`)

	ct, body := hookPost(facePayload(9, "blacklist"), hookSecret, time.Now(), "r4nd0m09")
	if status, _ := a.postHook(t, ct, body); status != 200 {
		t.Fatal(status)
	}
	evs, _ := a.st.LatestEvents(context.Background(), models.EventSet{All: true}, 1)
	if !evs[0].Alert {
		t.Error("a blacklist arrival did not raise an alert")
	}

	if r := mgr.get("/settings/events"); r.status != 403 {
		t.Errorf("manager opens retention: %d", r.status)
	}
	admin.get("/settings/events").has(t, `value="90"`)
	r = admin.post("/settings/events", url.Values{"days": {"0"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("0 days: %d", r.status)
	}
	r.has(t, "from 1 to 3650", `value="0"`)
	admin.post("/settings/events", url.Values{"days": {"30"}})
	if d, _ := a.svc.RetentionDays(context.Background()); d != 30 {
		t.Fatalf("retention %d", d)
	}
}

func TestEventSocketThroughTheRouter(t *testing.T) {
	a := newEventsApp(t)
	mgr := a.login("manager", managerPW)
	u, _ := url.Parse(a.srv.URL)
	wsURL := "ws://" + u.Host + "/events/live?after=0"
	hdr := http.Header{"Origin": {a.srv.URL}, "Accept-Language": {"zh-CN"}}
	for _, c := range mgr.c.Jar.Cookies(u) {
		hdr.Add("Cookie", c.Name+"="+c.Value)
	}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL, hdr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m struct {
		Type string `json:"type"`
		ID   int64  `json:"id"`
		Shop uint   `json:"shop"`
		HTML string `json:"html"`
	}
	// One line per message here: nothing else is queued.
	if err := conn.ReadJSON(&m); err != nil || m.Type != "live" {
		t.Fatalf("%+v %v", m, err)
	}
	// Shop B's event is not for this manager; shop A's arrives as a card in
	// the socket's language.
	evB := a.addEvent(t, a.shopB.ID, "vip", "B客", time.Now())
	a.hub.Publish(&evB)
	ct, body := hookPost(facePayload(2, "vip"), hookSecret, time.Now(), "r4nd0m05")
	if status, _ := a.postHook(t, ct, body); status != 200 {
		t.Fatal(status)
	}
	if err := conn.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	if m.Shop != a.shopA.ID || !strings.Contains(m.HTML, "王丽") || !strings.Contains(m.HTML, "第 3 次到店") {
		t.Fatalf("got %+v", m)
	}

	// Another site's page cannot open the socket with our cookie.
	hdr.Set("Origin", "https://evil.example")
	if _, res, err := websocket.DefaultDialer.Dial(wsURL, hdr); err == nil || res.StatusCode != 403 {
		t.Fatalf("foreign origin: %v", err)
	}
	// Nor can a shop outside the manager's scope be asked for.
	hdr.Set("Origin", a.srv.URL)
	if _, res, err := websocket.DefaultDialer.Dial(wsURL+fmt.Sprintf("&shop=%d", a.shopB.ID), hdr); err == nil || res.StatusCode != 404 {
		t.Fatalf("another shop's socket: %v", err)
	}
}

// The message ids built at run time exist in both languages.
func TestEventMessageIDs(t *testing.T) {
	b := i18n.MustLoad()
	var ids []string
	for _, k := range []vendors.MotionKind{vendors.MotionKindPicture, vendors.MotionKindSound, vendors.MotionKindBoth, vendors.MotionKindPerson} {
		ids = append(ids, "events.motion."+string(k))
	}
	for _, k := range []vendors.GroupKind{vendors.GroupStranger, vendors.GroupRegular, vendors.GroupStaff, vendors.GroupMember, vendors.GroupCustom, vendors.GroupVisitor} {
		ids = append(ids, "events.kind."+string(k))
	}
	for _, k := range []string{events.KindSunmiChannel, events.KindSunmiWebhook, events.KindSenseLink} {
		ids = append(ids, "events.source_kind."+k)
	}
	for _, k := range []string{"all", "face", "motion"} {
		ids = append(ids, "events.kinds."+k)
	}
	for _, lang := range []string{"en", "zh-CN"} {
		for _, id := range ids {
			if _, ok := b.Keys(lang)[id]; !ok {
				t.Errorf("%s: no %s", lang, id)
			}
		}
	}
}
