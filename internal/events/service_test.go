package events_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan/lanevents"
	"storelens/internal/vendors/sunmisign"
)

// recorder is a Publisher that checks every published event is already in
// the database (stored before published) and keeps the order.
type recorder struct {
	t     *testing.T
	st    *models.Store
	mu    sync.Mutex
	ids   []int64
	pics  []int64
	check bool
}

func (r *recorder) Publish(evs ...*models.Event) {
	for _, ev := range evs {
		if r.check {
			if _, err := r.st.EventInScope(context.Background(), models.AllShops(), ev.ID); err != nil {
				r.t.Errorf("event %d published before it was stored: %v", ev.ID, err)
			}
		}
		r.mu.Lock()
		r.ids = append(r.ids, ev.ID)
		r.mu.Unlock()
	}
}

func (r *recorder) PublishPicture(_ uint, id int64) {
	r.mu.Lock()
	r.pics = append(r.pics, id)
	r.mu.Unlock()
}

func (r *recorder) published() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.ids...)
}

type fixture struct {
	st    *models.Store
	svc   *events.Service
	pub   *recorder
	shopA models.Shop
	shopB models.Shop
	dir   string
	now   time.Time
}

const (
	appID  = "JO83UNV983U9OR"
	secret = "ABCDEFG3F2BB03917123"
)

func newFixture(t *testing.T, sources ...events.SourceConfig) *fixture {
	t.Helper()
	dir := t.TempDir()
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler)})
	f := &fixture{st: st, dir: dir, pub: &recorder{t: t, st: st, check: true}, now: time.Now()}
	f.shopA = models.Shop{Name: "A"}
	f.shopB = models.Shop{Name: "B"}
	for _, sh := range []*models.Shop{&f.shopA, &f.shopB} {
		if err := st.CreateShop(context.Background(), sh); err != nil {
			t.Fatal(err)
		}
	}
	for i := range sources {
		if sources[i].ShopID == 0 {
			sources[i].ShopID = f.shopA.ID
		}
	}
	f.svc = events.New(events.Config{Store: st, Hub: f.pub, DataDir: dir, Log: slog.New(slog.DiscardHandler)})
	if err := f.svc.Sources().Configure(sources); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.svc.Start(ctx)
	t.Cleanup(func() { cancel(); f.svc.Close() })
	return f
}

func (f *fixture) count(t *testing.T) int {
	t.Helper()
	var n int64
	if err := f.st.DB().Model(&models.Event{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func faceEvent(sn string, id int, group string) vendors.Event {
	return vendors.Event{Vendor: "sunmi_ipc", DeviceSN: sn, ID: strconv.Itoa(id), Key: "sunmi_ipc/" + sn + "/" + strconv.Itoa(id),
		Kind: vendors.EventFace, At: time.Now(), Group: group, GroupKind: vendors.GroupMember}
}

func TestSubmitStoresOncePublishesInOrder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := events.Origin{Source: "test", ShopID: f.shopA.ID}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				// Every event twice: the second is a duplicate.
				for rep := 0; rep < 2; rep++ {
					if _, err := f.svc.Submit(ctx, o, faceEvent("SN"+strconv.Itoa(g), i, "regular")); err != nil {
						t.Error(err)
					}
				}
			}
		}(g)
	}
	wg.Wait()
	if n := f.count(t); n != 400 {
		t.Fatalf("stored %d, want 400", n)
	}
	ids := f.pub.published()
	if len(ids) != 400 {
		t.Fatalf("published %d, want 400 (duplicates are not published)", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("published out of id order at %d: %d after %d", i, ids[i], ids[i-1])
		}
	}
	var first int64
	f.st.DB().Raw("SELECT id FROM events WHERE dedupe_key = ?", faceEvent("SN0", 0, "").Key).Scan(&first)
	res, err := f.svc.Submit(ctx, o, faceEvent("SN0", 0, "regular"))
	if err != nil || res.Stored || first == 0 || res.ID != first {
		t.Fatalf("a repeat: %+v err=%v, want the first one's id %d", res, err, first)
	}
}

func TestAlertGroupsAndUnknownDevices(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := events.Origin{Source: "test", ShopID: f.shopA.ID}
	if _, err := f.svc.Submit(ctx, o, faceEvent("S", 1, "VIP")); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SaveShopSettings(ctx, f.shopA.ID, []string{"blacklist"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Submit(ctx, o, faceEvent("S", 2, "vip")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Submit(ctx, o, faceEvent("S", 3, "Blacklist")); err != nil {
		t.Fatal(err)
	}
	evs, err := f.st.LatestEvents(ctx, models.EventSet{All: true}, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, ev := range evs {
		got[ev.VendorEventID] = ev.Alert
	}
	if !got["1"] || got["2"] || !got["3"] {
		t.Fatalf("alerts %v: want the default vip, then only blacklist", got)
	}
	_, err = f.svc.Submit(ctx, events.Origin{Source: "test"}, faceEvent("NOWHERE", 1, ""))
	if !errors.Is(err, events.ErrUnknownDevice) {
		t.Fatalf("unknown device: %v", err)
	}
}

// post builds a camera's webhook post signed with sec at ts.
func post(t *testing.T, payload, sec string, ts time.Time, random string) (string, []byte) {
	t.Helper()
	params := map[string]string{"app_id": appID, "random": random, "timestamp": strconv.FormatInt(ts.Unix(), 10), "payload": payload}
	params["sign"] = sunmisign.Sign(params, sec)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range []string{"app_id", "random", "timestamp", "sign", "payload"} {
		w.WriteField(k, params[k])
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func receive(t *testing.T, f *fixture, ct string, body []byte) error {
	t.Helper()
	p, err := lanevents.ParseWebhook(ct, bytes.NewReader(body))
	if err != nil {
		return err
	}
	_, err = f.svc.Sources().ReceiveWebhook(context.Background(), p)
	return err
}

func TestWebhookRefusalsStoreNothing(t *testing.T) {
	f := newFixture(t, events.SourceConfig{Kind: events.KindSunmiWebhook, SN: "C201D8BS00104", AppID: appID, Secret: secret})
	payload := `{"event_id":7,"event_type":"face_recog_event","sn":"C201D8BS00104","report_time":` + strconv.FormatInt(time.Now().Unix(), 10) + `,"group_name":"vip"}`

	ct, body := post(t, payload, "forged-secret", time.Now(), "a1b2c3d4")
	if err := receive(t, f, ct, body); !errors.Is(err, lanevents.ErrSignature) {
		t.Errorf("forged: %v", err)
	}
	ct, body = post(t, payload, secret, time.Now().Add(-10*time.Minute), "a1b2c3d5")
	if err := receive(t, f, ct, body); !errors.Is(err, lanevents.ErrStale) {
		t.Errorf("stale: %v", err)
	}
	other := `{"event_id":8,"event_type":"face_recog_event","sn":"C999","report_time":1,"group_name":"vip"}`
	ct, body = post(t, other, secret, time.Now(), "a1b2c3d6")
	if err := receive(t, f, ct, body); !errors.Is(err, events.ErrWebhookUnknownSN) {
		t.Errorf("camera not set up for webhooks: %v", err)
	}
	if n := f.count(t); n != 0 {
		t.Fatalf("%d events stored from refused posts", n)
	}

	ct, body = post(t, payload, secret, time.Now(), "a1b2c3d7")
	if err := receive(t, f, ct, body); err != nil {
		t.Fatalf("good post: %v", err)
	}
	if err := receive(t, f, ct, body); !errors.Is(err, lanevents.ErrReplay) {
		t.Errorf("replay: %v", err)
	}
	// The same event posted again, freshly signed (a camera's retry), is
	// accepted and stored once.
	ct, body = post(t, payload, secret, time.Now(), "a1b2c3d8")
	if err := receive(t, f, ct, body); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := f.count(t); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
}

func TestPicturesKeptOnceAndRetention(t *testing.T) {
	jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + string(bytes.Repeat([]byte{7}, 200)))
	var mu sync.Mutex
	hits := map[string]int{}
	cam := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path == "/broken.jpg" {
			http.Error(w, "gone", 404)
			return
		}
		w.Write(jpeg)
	}))
	defer cam.Close()
	// A webhook camera subscribed by hand: its address (the pictures'
	// host) is written in its media_hosts.
	f := newFixture(t, events.SourceConfig{Kind: events.KindSunmiWebhook, SN: "S", AppID: appID, Secret: secret, MediaHosts: []string{"127.0.0.1"}})
	ctx := context.Background()
	o := events.Origin{Source: events.KindSunmiWebhook + ":S", ShopID: f.shopA.ID}
	old := faceEvent("S", 1, "regular")
	old.At = time.Now().Add(-100 * 24 * time.Hour)
	old.PictureURL = cam.URL + "/a.jpg"
	recent := faceEvent("S", 2, "regular")
	recent.PictureURL = cam.URL + "/b.jpg" // the same bytes: the same kept file
	broken := faceEvent("S", 3, "regular")
	broken.PictureURL = cam.URL + "/broken.jpg"
	for _, ev := range []vendors.Event{old, recent, broken} {
		if _, err := f.svc.Submit(ctx, o, ev); err != nil {
			t.Fatal(err)
		}
	}
	var evs []models.Event
	deadline := time.Now().Add(5 * time.Second)
	for {
		evs, _ = f.st.LatestEvents(ctx, models.EventSet{All: true}, 10)
		if evs[1].Picture != "" && evs[2].Picture != "" && evs[0].PictureTries > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pictures not kept: %+v", evs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if evs[1].Picture != evs[2].Picture {
		t.Fatalf("same picture kept twice: %s %s", evs[1].Picture, evs[2].Picture)
	}
	if b, _, err := f.svc.Picture(ctx, evs[1].Picture); err != nil || !bytes.Equal(b, jpeg) {
		t.Fatalf("kept picture: %v", err)
	}
	if hits["/a.jpg"] != 1 || hits["/b.jpg"] != 1 {
		t.Fatalf("fetched %v: each picture once", hits)
	}
	if _, _, err := f.svc.Picture(ctx, "../../etc/passwd"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a path outside the picture store: %v, want not found", err)
	}

	// Retention: the 100-day-old event goes; its picture stays (the recent
	// event shows the same file). Then with 1 day nothing old is left.
	n, err := f.svc.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if _, _, err := f.svc.Picture(ctx, evs[1].Picture); err != nil {
		t.Fatalf("a picture still shown was removed: %v", err)
	}
	if err := f.svc.SetRetentionDays(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.st.DB().Exec("UPDATE events SET occurred_at = ?", time.Now().Add(-48*time.Hour).UTC()).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.Sweep(ctx); err != nil || n != 2 {
		t.Fatalf("second sweep: %d %v", n, err)
	}
	if _, _, err := f.svc.Picture(ctx, evs[1].Picture); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("an unused picture was kept: %v", err)
	}
	if n := f.count(t); n != 0 {
		t.Fatalf("%d events left", n)
	}
}

// A post an on-site connector queued (chain mode) is verified against the
// time the edge stored it, not now: one that waited out an hour's outage
// is stored; its camera must be of the connector's shop; sent again (the
// edge lost the answer), it is no error and stored once.
func TestReceiveForwarded(t *testing.T) {
	f := newFixture(t, events.SourceConfig{Kind: events.KindSunmiWebhook, SN: "C201D8BS00104", AppID: appID, Secret: secret})
	srcs := f.svc.Sources()
	ctx := context.Background()
	hourAgo := time.Now().Add(-time.Hour)
	payload := `{"event_id":9,"event_type":"dynamic_detect_event","detect_type":0,"sn":"C201D8BS00104","report_time":` +
		strconv.FormatInt(hourAgo.Unix(), 10) + `,"video_url":"https://10.0.0.9/mnt/sd-card/sunmi_video/video_detect/1.flv"}`
	ct, body := post(t, payload, secret, hourAgo, "f1b2c3d4")
	if err := receive(t, f, ct, body); !errors.Is(err, lanevents.ErrStale) {
		t.Fatalf("an hour-old post sent directly: %v, want stale", err)
	}
	if _, err := srcs.ReceiveForwardedPost(ctx, f.shopB.ID, hourAgo.Add(time.Second), ct, body); !errors.Is(err, events.ErrWebhookWrongShop) || !events.WebhookFinal(err) {
		t.Fatalf("forwarded by another shop's connector: %v", err)
	}
	stored, err := srcs.ReceiveForwardedPost(ctx, f.shopA.ID, hourAgo.Add(time.Second), ct, body)
	if err != nil || !stored {
		t.Fatalf("forwarded after an hour in the edge's queue: stored %v, %v", stored, err)
	}
	stored, err = srcs.ReceiveForwardedPost(ctx, f.shopA.ID, hourAgo.Add(time.Second), ct, body)
	if err != nil || stored {
		t.Fatalf("sent again: stored %v, %v; want not stored, no error", stored, err)
	}
	if n := f.count(t); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
	if _, err := srcs.ReceiveForwardedPost(ctx, f.shopA.ID, time.Now(), "text/plain", []byte("x")); !events.WebhookFinal(err) {
		t.Fatalf("not a post: %v, want a final refusal", err)
	}
}
