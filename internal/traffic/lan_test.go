package traffic_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/secrets"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// A shop counted only by its Sunmi door camera on the LAN: the sync reads
// the camera's statistics and the report shows what the camera counted.
func TestLANCameraShop(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 1, 10, 2, 30, 0, 0, time.UTC)}
	shanghai := load(t, "Asia/Shanghai")
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler), Now: clk.now})
	defer st.Close()
	cam, err := lansim.New(lansim.Options{SN: "C201D8BS00401", Model: "FM020", MAC: "0C25766F5401", AppID: "LANAPP", Secret: "LANSECRET",
		ActivationCode: "ACT", Activated: true, Now: clk.now, MaxSkew: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cam.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	cam.SetPeopleFlow(lansim.FlowProfile{Seed: 4, Size: 25, Opens: 9, Closes: 22, Since: clk.now().AddDate(0, 0, -5), Zone: "Asia/Shanghai"})

	box, _ := secrets.New(bytes.Repeat([]byte{7}, 32))
	reg := vendors.NewRegistry(nil)
	reg = reg.With(sunmilan.Name, sunmilan.Label, sunmilan.NewAccount)
	acc := &accounts.Service{Store: st, Box: box, Registry: reg}
	lan, err := acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmilan.Name, Name: "LAN", AppID: "LANAPP", Secret: "LANSECRET"})
	if err != nil {
		t.Fatal(err)
	}
	sh := models.Shop{Name: "杭州店", Timezone: "Asia/Shanghai"}
	if err := st.CreateShop(ctx, &sh); err != nil {
		t.Fatal(err)
	}
	svc := &traffic.Service{Store: st, Accounts: acc, Now: clk.now, Log: slog.New(slog.DiscardHandler)}
	if r := svc.SyncShop(ctx, sh.ID); r.Err == nil {
		t.Fatal("a shop without any source synced")
	}
	fp, err := sunmilan.FetchFingerprint(ctx, cam.Addr(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Not yet activated in StoreLens: not a counter.
	camera := models.Camera{ShopID: sh.ID, Vendor: sunmilan.Name, SN: cam.SN(), Name: "门口", LANAccountID: &lan.ID, Address: cam.Addr(), CertFingerprint: fp}
	if err := st.AddLANCamera(ctx, &camera); err != nil {
		t.Fatal(err)
	}
	if ts, _ := st.TrafficShopOf(ctx, models.AllShops(), sh.ID); ts.HasTrafficSource() {
		t.Fatal("a camera not activated counts the shop")
	}
	camera.Activated = true
	if err := st.UpdateLANCamera(ctx, &camera); err != nil {
		t.Fatal(err)
	}
	if ts, _ := st.TrafficShopOf(ctx, models.AllShops(), sh.ID); ts.LANCounters != 1 || !ts.HasTrafficSource() {
		t.Fatalf("counters: %+v", ts)
	}
	if r := svc.SyncShop(ctx, sh.ID); r.Err != nil {
		t.Fatal(r.Err)
	}

	// The truth, straight from the camera.
	cl, err := sunmilan.New(sunmilan.Config{Address: cam.Addr(), AppID: "LANAPP", Secret: "LANSECRET", Pin: fp})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	day := date(t, "2026-01-09")
	want := map[sunmilan.Flow]int64{}
	for _, flow := range []sunmilan.Flow{sunmilan.FlowIn, sunmilan.FlowPass, sunmilan.FlowOut} {
		stats, err := cl.PeopleStats(ctx, flow, day.Start(shanghai), day.AddDays(1).Start(shanghai), sunmilan.PeriodDay)
		if err != nil || len(stats) != 1 {
			t.Fatalf("%s: %v %v", flow, stats, err)
		}
		want[flow] = stats[0].Total
	}
	rep, err := svc.Report(ctx, traffic.Query{ShopIDs: []uint{sh.ID}, Location: shanghai, From: day, To: day, Gran: traffic.ByDay})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Rows[0]
	if r.NoData || r.Counts.Entries != want[sunmilan.FlowIn] || r.Counts.PassersBy != want[sunmilan.FlowPass] || r.Counts.LeftCount != want[sunmilan.FlowOut] {
		t.Fatalf("report %+v, camera in %d pass %d out %d", r.Counts, want[sunmilan.FlowIn], want[sunmilan.FlowPass], want[sunmilan.FlowOut])
	}
	if !r.Have.Has(vendors.HaveLeft) || r.Have.Has(vendors.HaveFaceSplit) {
		t.Fatalf("have %b", r.Have)
	}
}
