package events_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/vendors/sunmilan/lanevents"
)

// sharedDatabase is the database of several instances: a fresh
// PostgreSQL database with the URL set, else one SQLite file (which two
// stores may open; a real deployment of several instances is PostgreSQL).
func sharedDatabase(t testing.TB) (path string, opt models.Options) {
	t.Helper()
	opt.Logger = slog.New(slog.DiscardHandler)
	path = t.TempDir() + "/shared.db"
	if base := modelstest.PostgresURL(); base != "" {
		u, err := modelstest.NewDatabase(t, base)
		if err != nil {
			t.Fatal(err)
		}
		opt.DatabaseURL = u
	}
	return path, opt
}

func openShared(t testing.TB, path string, opt models.Options) *models.Store {
	t.Helper()
	st, err := models.Open(context.Background(), path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A webhook post accepted by instance A and sent again to instance B is
// refused there: the replay cache is the database's. A fresh signature
// of the same event (the camera's retry) still gets through, stored once.
func TestWebhookReplayToAnotherInstanceRefused(t *testing.T) {
	path, opt := sharedDatabase(t)
	stA, stB := openShared(t, path, opt), openShared(t, path, opt)
	shop := models.Shop{Name: "A"}
	if err := stA.CreateShop(context.Background(), &shop); err != nil {
		t.Fatal(err)
	}
	src := events.SourceConfig{Kind: events.KindSunmiWebhook, SN: "C201D8BS00104", AppID: appID, Secret: secret, ShopID: shop.ID}
	start := func(st *models.Store) *events.Service {
		svc := events.New(events.Config{Store: st, Hub: &recorder{t: t, st: st}, DataDir: t.TempDir(),
			Log: slog.New(slog.DiscardHandler), Replay: events.ReplayStored})
		if err := svc.Sources().Configure([]events.SourceConfig{src}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		svc.Start(ctx)
		t.Cleanup(func() { cancel(); svc.Close() })
		return svc
	}
	a, b := start(stA), start(stB)
	send := func(svc *events.Service, ct string, body []byte) (bool, error) {
		p, err := lanevents.ParseWebhook(ct, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return svc.Sources().ReceiveWebhook(context.Background(), p)
	}
	payload := `{"event_id":7,"event_type":"face_recog_event","sn":"C201D8BS00104","report_time":` + strconv.FormatInt(time.Now().Unix(), 10) + `,"group_name":"vip"}`
	ct, body := post(t, payload, secret, time.Now(), "r1b2c3d4")
	if stored, err := send(a, ct, body); err != nil || !stored {
		t.Fatalf("A: %v %v", stored, err)
	}
	if _, err := send(b, ct, body); !errors.Is(err, lanevents.ErrReplay) {
		t.Fatalf("the replay to B: %v, want %v", err, lanevents.ErrReplay)
	}
	if _, err := send(a, ct, body); !errors.Is(err, lanevents.ErrReplay) {
		t.Fatalf("the replay to A: %v", err)
	}
	ct, body = post(t, payload, secret, time.Now(), "r1b2c3d5")
	if stored, err := send(b, ct, body); err != nil || stored {
		t.Fatalf("the retry on B: stored %v err %v, want accepted and not stored again", stored, err)
	}
	var n int64
	if err := stA.DB().Model(&models.Event{}).Count(&n).Error; err != nil || n != 1 {
		t.Fatalf("%d events stored (%v), want 1", n, err)
	}
}

// The cache's rows: a key is refused until its time, new again after it
// (the row re-used), forgotten on demand, and pruned once expired.
func TestWebhookReplayRowsExpireAndArePruned(t *testing.T) {
	st := modelstest.Open(t, models.Options{})
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	add := func(key string, until, at time.Time) bool {
		t.Helper()
		ok, err := st.WebhookReplayAdd(ctx, key, until, at)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !add("a|1", now.Add(time.Minute), now) || add("a|1", now.Add(time.Minute), now.Add(59*time.Second)) {
		t.Fatal("a key is new once, then refused within its time")
	}
	if !add("a|1", now.Add(3*time.Minute), now.Add(time.Minute)) {
		t.Fatal("a key past its time is new again")
	}
	if err := st.WebhookReplayForget(ctx, "a|1"); err != nil || !add("a|1", now.Add(3*time.Minute), now.Add(time.Minute)) {
		t.Fatalf("a forgotten key is new again (%v)", err)
	}
	for i := range 10 {
		add(fmt.Sprint("b|", i), now.Add(time.Duration(i)*time.Second), now)
	}
	n, err := st.WebhookReplayPrune(ctx, now.Add(4500*time.Millisecond))
	if err != nil || n != 5 {
		t.Fatalf("pruned %d (%v), want the 5 expired", n, err)
	}
	var left int64
	st.DB().Raw("SELECT COUNT(*) FROM webhook_replays").Scan(&left)
	if left != 6 {
		t.Fatalf("%d rows left, want 6 (a|1 and b|5..b|9)", left)
	}
}

// BenchmarkWebhookReplayCheck is one accepted post's replay check: the
// memory guard against the database's cache (SQLite by default; PostgreSQL
// with the URL set).
func BenchmarkWebhookReplayCheck(b *testing.B) {
	now := time.Now()
	for _, kind := range []string{events.ReplayMemory, events.ReplayStored} {
		b.Run(kind, func(b *testing.B) {
			path, opt := sharedDatabase(b)
			st := openShared(b, path, opt)
			cache := events.NewReplayCacheForTest(st, kind, 5*time.Minute)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ok, err := cache.Check(ctx, appID+"|"+strconv.Itoa(i), now, now)
				if err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
