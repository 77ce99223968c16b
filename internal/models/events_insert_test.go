package models_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"storelens/internal/models"
	"storelens/internal/models/modelstest"
)

// InsertEvents in one batch: new events get ascending ids in batch order,
// a key stored before and a key repeated in the batch are reported as
// duplicates with the stored event's id, and a batch larger than one
// INSERT statement's rows is stored whole.
func TestInsertEventsBatchDedupesAndOrders(t *testing.T) {
	st := openStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sh := models.Shop{Name: "A"}
	if err := st.CreateShop(ctx, &sh); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ev := func(key string) *models.Event {
		return &models.Event{ShopID: sh.ID, Vendor: "sunmi_ipc", DedupeKey: key, Kind: "face", OccurredAt: at, ReceivedAt: at,
			PersonName: "王丽 " + key}
	}
	first := []*models.Event{ev("a"), ev("b")}
	stored, err := st.InsertEvents(ctx, first)
	if err != nil || !stored[0] || !stored[1] || first[1].ID <= first[0].ID {
		t.Fatalf("first batch: stored %v err %v ids %d %d", stored, err, first[0].ID, first[1].ID)
	}

	var batch []*models.Event
	for i := 0; i < 600; i++ { // more than one statement's rows
		batch = append(batch, ev(fmt.Sprintf("n%d", i)))
	}
	batch = append(batch, ev("b"), ev("n7"), ev("last"))
	stored, err = st.InsertEvents(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	var prev int64
	for i := 0; i < 600; i++ {
		if !stored[i] || batch[i].ID <= prev {
			t.Fatalf("row %d: stored %v id %d after %d", i, stored[i], batch[i].ID, prev)
		}
		prev = batch[i].ID
	}
	if stored[600] || batch[600].ID != first[1].ID {
		t.Errorf("key stored before: stored %v id %d, want false %d", stored[600], batch[600].ID, first[1].ID)
	}
	if stored[601] || batch[601].ID != batch[7].ID {
		t.Errorf("key repeated in the batch: stored %v id %d, want false %d", stored[601], batch[601].ID, batch[7].ID)
	}
	if !stored[602] || batch[602].ID <= prev {
		t.Errorf("last row: stored %v id %d", stored[602], batch[602].ID)
	}
	// A batch of one statement (its own transaction) dedupes the same way.
	small := []*models.Event{ev("a"), ev("c"), ev("c")}
	stored, err = st.InsertEvents(ctx, small)
	if err != nil || stored[0] || !stored[1] || stored[2] || small[0].ID != first[0].ID || small[2].ID != small[1].ID ||
		small[1].ID <= batch[602].ID {
		t.Errorf("small batch: stored %v err %v ids %d %d %d", stored, err, small[0].ID, small[1].ID, small[2].ID)
	}
	var n int64
	st.DB().Model(&models.Event{}).Count(&n)
	if n != 604 {
		t.Errorf("%d rows, want 604", n)
	}
	var got models.Event
	if err := st.DB().First(&got, batch[300].ID).Error; err != nil || got.PersonName != "王丽 n300" || !got.OccurredAt.Equal(at) {
		t.Errorf("row read back: %+v %v", got, err)
	}
}

// BenchmarkInsertEvents stores batches of 100 new events (the writer's
// work under load) and reports the cost an event, for InsertEvents (its own
// connection, statements kept compiled) and, in the same run, for the
// database/sql form it replaced (glebarez compiles the INSERT every row).
func BenchmarkInsertEvents(b *testing.B) {
	for _, form := range []string{"kept", "database-sql", "raw-commit"} {
		b.Run("form="+form, func(b *testing.B) {
			st := openStore(b)
			ctx := context.Background()
			if form == "raw-commit" {
				rawCommits(b, st)
				return
			}
			insert := st.InsertEvents
			if form == "database-sql" {
				insert = st.InsertEventsDB
			}
			sh := models.Shop{Name: "A"}
			if err := st.CreateShop(ctx, &sh); err != nil {
				b.Fatal(err)
			}
			at := time.Now().UTC()
			const batch = 100
			evs := make([]*models.Event, batch)
			var r0, r1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				for i := range evs {
					evs[i] = &models.Event{ShopID: sh.ID, Vendor: "sunmi_ipc", Source: "sunmi-ipc:C201D8BS00101", DeviceSN: "C201D8BS00101",
						DedupeKey: fmt.Sprintf("sunmi_ipc/C201D8BS00101/%d/%d", n, i), VendorEventID: fmt.Sprint(n*batch + i), Kind: "face",
						OccurredAt: at, ReceivedAt: at, PersonName: "顾客", GroupName: "regular", GroupKind: "regular", AgeRange: 4,
						Gender: "female", Visits: 3, PictureSrc: "https://127.0.0.1/p.jpg"}
				}
				if _, err := insert(ctx, evs); err != nil {
					b.Fatal(err)
				}
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
			cpu := r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/event")
			// CPU time is the figure to compare on a shared machine.
			b.ReportMetric(float64(cpu)/1e3/float64(b.N*batch), "cpu-µs/event")
		})
	}
}

// rawCommits is the yardstick of BenchmarkInsertEvents in the same run:
// b.N single-row INSERT transactions (BEGIN IMMEDIATE) on a scratch table,
// 100 a op so that cpu-µs/event compares with the batches.
func rawCommits(b *testing.B, st *models.Store) {
	ctx := context.Background()
	db, err := st.DB().DB()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, v TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	var r0, r1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	b.ResetTimer()
	for n := 0; n < b.N*100; n++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bench_scratch (at, v) VALUES (?, ?)`, n, fmt.Sprintf("row %d", n)); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	cpu := r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*100), "µs/event")
	b.ReportMetric(float64(cpu)/1e3/float64(b.N*100), "cpu-µs/event")
}

// The event writer's connection stores a row exactly as the database/sql
// path did: same stored text for times, NULL camera, booleans and every
// other column, so searches and reads see no difference.
func TestInsertEventsStoresLikeDatabaseSQL(t *testing.T) {
	modelstest.SkipOnPostgres(t, "compares SQLite's own event writer with the database/sql path, which is the only path on PostgreSQL")
	st := openStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sh := models.Shop{Name: "A"}
	if err := st.CreateShop(ctx, &sh); err != nil {
		t.Fatal(err)
	}
	cam := models.Camera{ShopID: sh.ID, Name: "门口", SN: "C201D8BS00101", Vendor: "sunmi_ipc"}
	if err := st.DB().Create(&cam).Error; err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	mk := func(key string, camera *uint, alert bool) *models.Event {
		return &models.Event{ShopID: sh.ID, CameraID: camera, CameraName: "门口 1", DeviceSN: "C201D8BS00101", Vendor: "sunmi_ipc",
			Source: "sunmi-ipc:x", DedupeKey: key, VendorEventID: "v" + key, Kind: "face", OccurredAt: at, ReceivedAt: at.Add(time.Second),
			PersonID: "p1", CloudPersonID: "c1", PersonName: "王丽", GroupName: "VIP", GroupKind: "vip", Age: 31, AgeRange: 4,
			Gender: "female", Visits: 7, Motion: "", MotionRaw: -1, Alert: alert, PictureSrc: "https://127.0.0.1/p.jpg",
			ClipSrc: "", Picture: "", PictureTries: 2, Attrs: `{"k":"v"}`}
	}
	camID := cam.ID
	for _, c := range []struct {
		camera *uint
		alert  bool
	}{{nil, false}, {&camID, true}} {
		a, b := mk(fmt.Sprintf("kept-%v", c.alert), c.camera, c.alert), mk(fmt.Sprintf("sql-%v", c.alert), c.camera, c.alert)
		if _, err := st.InsertEvents(ctx, []*models.Event{a}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.InsertEventsDB(ctx, []*models.Event{b}); err != nil {
			t.Fatal(err)
		}
		cols := `typeof(shop_id), shop_id, quote(camera_id), camera_name, device_sn, vendor, source, kind, occurred_at || '',
			typeof(occurred_at), received_at || '', person_id, cloud_person_id, person_name, group_name, group_kind, age, age_range,
			gender, visits, motion, motion_raw, alert, typeof(alert), picture_src, clip_src, picture, picture_tries, attrs`
		var rowA, rowB []any
		for _, r := range []struct {
			id  int64
			out *[]any
		}{{a.ID, &rowA}, {b.ID, &rowB}} {
			rows, err := st.DB().Raw("SELECT "+cols+" FROM events WHERE id = ?", r.id).Rows()
			if err != nil {
				t.Fatal(err)
			}
			names, _ := rows.Columns()
			vals := make([]any, len(names))
			ptrs := make([]any, len(names))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if !rows.Next() {
				t.Fatalf("event %d not stored", r.id)
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			*r.out = vals
		}
		if fmt.Sprint(rowA) != fmt.Sprint(rowB) {
			t.Errorf("camera %v alert %v: stored differently\n kept: %v\n  sql: %v", c.camera != nil, c.alert, rowA, rowB)
		}
		var got models.Event
		if err := st.DB().First(&got, a.ID).Error; err != nil || !got.OccurredAt.Equal(at) || got.Alert != c.alert ||
			(c.camera == nil) != (got.CameraID == nil) || got.PersonName != "王丽" || got.Attrs != `{"k":"v"}` {
			t.Errorf("read back: %+v %v", got, err)
		}
	}
}
