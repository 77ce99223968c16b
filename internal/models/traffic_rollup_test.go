package models_test

import (
	"context"
	"testing"

	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/migrations"
)

// Migration 0015 rolls up the days stored before it: the same months as
// SaveTrafficDay keeps.
func TestMigrationRollsUpExistingDays(t *testing.T) {
	modelstest.SkipOnPostgres(t, "replays SQLite migration 0015 on the SQLite schema")
	st := openStore(t)
	ctx := context.Background()
	sh := models.Shop{Name: "S", Timezone: "UTC"}
	if err := st.CreateShop(ctx, &sh); err != nil {
		t.Fatal(err)
	}
	for i, d := range []string{"2026-01-30", "2026-01-31", "2026-02-01", "2026-02-14"} {
		day := models.TrafficDay{ShopID: sh.ID, Day: d, Have: uint8(3 + i%2*4), TrafficCounters: models.TrafficCounters{Entries: int64(10 * (i + 1)), UniqTotal: 7}}
		if err := st.SaveTrafficDay(ctx, day, 0, 0, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	var kept []models.TrafficMonth
	st.DB().Order("month").Find(&kept)
	// As before 0015: no months, the migration not recorded.
	db, _ := st.DB().DB()
	if _, err := db.Exec("DROP TABLE traffic_months; DELETE FROM schema_migrations WHERE version IN (15, 20)"); err != nil {
		t.Fatal(err)
	}
	if n, err := migrations.Up(ctx, db); err != nil || n != 2 {
		t.Fatalf("applied %d, %v", n, err)
	}
	var got []models.TrafficMonth
	st.DB().Order("month").Find(&got)
	want := []models.TrafficMonth{
		{ShopID: sh.ID, Month: "2026-01", Days: 1<<29 | 1<<30, Have: 3 & 7, HaveAny: 3 | 7, TrafficCounters: models.TrafficCounters{Entries: 30, UniqTotal: 14}},
		{ShopID: sh.ID, Month: "2026-02", Days: 1<<0 | 1<<13, Have: 3 & 7, HaveAny: 3 | 7, TrafficCounters: models.TrafficCounters{Entries: 70, UniqTotal: 14}},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] || len(kept) != 2 || kept[0] != want[0] || kept[1] != want[1] {
		t.Fatalf("months after the migration %+v, kept by SaveTrafficDay %+v, want %+v", got, kept, want)
	}
}
