package demo

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/auth"
	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/internal/vendors/opretail"
	opsim "storelens/internal/vendors/opretail/sim"
	"storelens/internal/vendors/sunmicloud/sim"
)

// TrafficEnv is the demo's traffic: the OpRetail simulator and its
// credentials. The Sunmi simulator's shops get traffic profiles.
type TrafficEnv struct {
	OpRetail                  *opsim.Server
	OpRetailURL               string
	Key, Secret, User, Passwd string
}

// The demo's OpRetail department: the Hangzhou shop's door, counted by
// head-shoulder counters (so "left" has numbers).
const (
	demoDepID      = "20001"
	opretailShopNo = "560279010303"
	demoHistory    = 120 // days of history the demo pulls on its first run
)

// trafficProfiles are the demo shops' sizes: each its own, from one seed.
var trafficProfiles = map[string]sim.TrafficProfile{
	"560279010301": {Seed: 2026, Size: 42, Opens: 8, Closes: 22},
	"560279010302": {Seed: 2026, Size: 28, Opens: 9, Closes: 22},
	"560279010303": {Seed: 2026, Size: 55, Opens: 10, Closes: 22},
	NewShopNo:      {Seed: 2026, Size: 18, Opens: 9, Closes: 21},
}

// SeedSunmiTraffic gives the demo shops at the Sunmi simulator their
// traffic profiles (the numbers themselves are computed, never stored).
func SeedSunmiTraffic(s *sim.Server) {
	for no, p := range trafficProfiles {
		s.SetTraffic(no, p)
	}
}

// SeedOpRetail gives the OpRetail simulator the demo's developer key, user
// and department (the Hangzhou shop's door).
func SeedOpRetail(s *opsim.Server, key, secret, user, passwd string) {
	s.AddKey(key, secret)
	s.AddUser(user, passwd)
	s.AddDepartment(opsim.Department{DepID: demoDepID, Name: "鲜果时光 西湖银泰店", AppKey: key, Seed: 2026, Size: 36,
		Opens: 10, Closes: 22, HeadShoulder: true})
}

// OpRetailDepartment is the demo department's id at OpRetail.
const OpRetailDepartment = demoDepID

// startTraffic starts the OpRetail simulator (credentials kept in
// dataDir/demo so a restart keeps the stored account working) and sets the
// Sunmi shops' traffic.
func (e *Env) startTraffic(cert tls.Certificate) error {
	SeedSunmiTraffic(e.Sunmi)
	t := &TrafficEnv{OpRetail: opsim.New(opsim.Options{})}
	file := filepath.Join(e.dir, "opretail.json")
	b, err := os.ReadFile(file)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, t); err != nil {
			return fmt.Errorf("demo: %s: %w", file, err)
		}
	case errors.Is(err, os.ErrNotExist):
		t.Key, t.Secret, t.User, t.Passwd = "DEMO-OPRETAIL", auth.RandomPassword(24), "demo@opretail", auth.RandomPassword(16)
		b, _ := json.Marshal(t)
		if err := os.WriteFile(file, b, 0o600); err != nil {
			return err
		}
	default:
		return err
	}
	SeedOpRetail(t.OpRetail, t.Key, t.Secret, t.User, t.Passwd)
	url, err := e.serve(cert, t.OpRetail)
	if err != nil {
		return err
	}
	t.OpRetailURL = url + "/cloud.api"
	e.Traffic = t
	return nil
}

// Settings keys of the demo's traffic.
const (
	settingTrafficSeeded = "demo.traffic_seeded"
	settingOpRetail      = "demo.opretail_account"
)

// SeedTraffic, on the first run, adds the OpRetail account and its shop,
// syncs every demo shop's last week and starts a backfill of months of
// history; on every run it points the OpRetail account at this run's
// simulator.
func SeedTraffic(ctx context.Context, st *models.Store, acc *accounts.Service, svc *traffic.Service, env *Env) error {
	t := env.Traffic
	if t == nil {
		return nil
	}
	seeded, err := st.Setting(ctx, settingTrafficSeeded)
	if err != nil {
		return err
	}
	if seeded == "" {
		if err := seedTrafficDatabase(ctx, st, acc, svc, t); err != nil {
			return fmt.Errorf("demo: traffic: %w", err)
		}
	}
	idStr, err := st.Setting(ctx, settingOpRetail)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseUint(idStr, 10, 32)
	a, err := st.VendorAccount(ctx, uint(id))
	if err != nil {
		return nil // the demo account was deleted: leave it so
	}
	a.BaseURL, a.AppID = t.OpRetailURL, t.Key
	sealed, err := acc.Box.Seal(t.Secret)
	if err != nil {
		return err
	}
	if err := st.UpdateVendorAccount(ctx, &a, sealed); err != nil {
		return err
	}
	pw, err := acc.Box.Seal(t.Passwd)
	if err != nil {
		return err
	}
	return st.SaveOpRetailLogin(ctx, a.ID, t.User, pw)
}

func seedTrafficDatabase(ctx context.Context, st *models.Store, acc *accounts.Service, svc *traffic.Service, t *TrafficEnv) error {
	system := models.Actor{Username: "demo"}
	a, err := acc.Create(ctx, system, accounts.Input{Vendor: opretail.Name, Name: "万店掌(演示)", BaseURL: t.OpRetailURL,
		AppID: t.Key, Secret: t.Secret})
	if err != nil {
		return err
	}
	pw, err := acc.Box.Seal(t.Passwd)
	if err != nil {
		return err
	}
	if err := st.SaveOpRetailLogin(ctx, a.ID, t.User, pw); err != nil {
		return err
	}
	// The Hangzhou shop counts its door with OpRetail's head-shoulder
	// counters (its cameras stay Sunmi's): it shows OpRetail's figures.
	shops, err := st.TrafficShops(ctx, models.AllShops())
	if err != nil {
		return err
	}
	for _, sh := range shops {
		if sh.SunmiShopNo == opretailShopNo {
			if err := st.SetShopOpRetail(ctx, sh.ID, a.ID, demoDepID); err != nil {
				return err
			}
		}
	}
	if err := st.SetSetting(ctx, settingOpRetail, strconv.FormatUint(uint64(a.ID), 10)); err != nil {
		return err
	}
	// Today's numbers move: sync every minute in the demo.
	if err := svc.SetInterval(ctx, 1); err != nil {
		return err
	}
	if shops, err = st.TrafficShops(ctx, models.AllShops()); err != nil {
		return err
	}
	// The last week now, so the first page has numbers; months more in
	// the background, with the backfill's progress bar to watch.
	sctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	for _, sh := range shops {
		if !sh.HasTrafficSource() {
			continue
		}
		if _, err := st.ShopConnector(ctx, sh.ID); err == nil {
			continue // the chain shop: reached through its connector, not up yet; the minutely sync counts it
		}
		if r := svc.SyncShop(sctx, sh.ID); r.Err != nil {
			return r.Err
		}
		today := svc.Today(traffic.Zone(sh.Timezone))
		if err := svc.StartBackfill(ctx, sh.ID, today.AddDays(-demoHistory), today.AddDays(-1)); err != nil {
			return err
		}
	}
	return st.SetSetting(ctx, settingTrafficSeeded, "1")
}
