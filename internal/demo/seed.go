package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/auth"
	"storelens/internal/cameras"
	"storelens/internal/models"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmicloud/sim"
)

// The demo company at Sunmi: ids shaped like the document's examples.
const (
	DemoAppID     = "DEMOLMWWQVTW4Q"
	DemoCompanyNo = "560279010300"
	// NewShopNo is a demo shop at Sunmi that StoreLens does not have yet.
	NewShopNo = "560279010304"
)

type demoShop struct {
	No, ID, Name, City, Address string
	Cameras                     []sim.Device
}

// demoShops is the demo company: three shops in two cities, eight cameras
// (FM020 at the doors, FM010 inside), one of them offline.
func demoShops(now time.Time) []demoShop {
	seen := now.Add(-2 * time.Minute)
	cam := func(id, sn, mac, name, model, fw string, online bool) sim.Device {
		d := sim.Device{IpcID: id, SN: sn, MAC: mac, Name: name, Model: model, Firmware: fw, Online: online,
			ConnectTime: seen, CheckVersionTime: now.Add(-26 * time.Hour)}
		if !online {
			d.ConnectTime = now.Add(-51 * time.Hour)
		}
		return d
	}
	return []demoShop{
		{No: "560279010301", ID: "SH-001", Name: "鲜果时光 南京西路店", City: "上海", Address: "静安区南京西路 1266 号",
			Cameras: []sim.Device{
				cam("549755805801", "C201D8BS00101", "0C25766F5101", "正门入口", "FM020", "1.6.2", true),
				cam("549755805802", "C101P98200102", "0C25766F5102", "收银台", "FM010", "1.2.6", true),
				cam("549755805803", "C101P98200103", "0C25766F5103", "仓库", "FM010", "1.2.6", true),
			}},
		{No: "560279010302", ID: "SH-002", Name: "鲜果时光 徐家汇店", City: "上海", Address: "徐汇区漕溪北路 88 号",
			Cameras: []sim.Device{
				cam("549755805804", "C201D8BS00104", "0C25766F5104", "正门入口", "FM020", "1.6.2", true),
				cam("549755805805", "C101P98200105", "0C25766F5105", "生鲜区", "FM010", "1.2.6", true),
			}},
		{No: "560279010303", ID: "HZ-001", Name: "鲜果时光 西湖银泰店", City: "杭州", Address: "上城区延安路 98 号",
			Cameras: []sim.Device{
				cam("549755805806", "C201D8BS00106", "0C25766F5106", "正门入口", "FM020", "1.6.1", true),
				cam("549755805807", "C101P98200107", "0C25766F5107", "收银台", "FM010", "1.2.6", true),
				cam("549755805808", "C101P98200108", "0C25766F5108", "后门", "FM010", "1.2.5", false),
			}},
	}
}

// SeedSunmi puts the demo company into the simulator, with two unbound
// cameras in the factory pool to try "bind" with (the first is 000's own
// example: C201D8BS00089, MAC 0C25766F5705).
func SeedSunmi(s *sim.Server, appID, secret string) {
	now := time.Now()
	s.AddApp(appID, secret)
	for _, sh := range demoShops(now) {
		s.AddShop(sim.Shop{ShopNo: sh.No, ShopID: sh.ID, CompanyNo: DemoCompanyNo, Name: sh.Name, AppID: appID})
		for _, d := range sh.Cameras {
			d.ShopNo = sh.No
			s.AddDevice(d)
		}
	}
	// A shop that exists at Sunmi but not yet in StoreLens: add it (shop
	// number 560279010304) and sync to see its cameras arrive.
	s.AddShop(sim.Shop{ShopNo: NewShopNo, ShopID: "HZ-002", CompanyNo: DemoCompanyNo, Name: "鲜果时光 滨江店", AppID: appID})
	s.AddDevice(sim.Device{IpcID: "549755805809", SN: "C201D8BS00109", MAC: "0C25766F5109", Name: "正门入口", Model: "FM020",
		Firmware: "1.6.2", Online: true, ConnectTime: now, CheckVersionTime: now.Add(-time.Hour), ShopNo: NewShopNo})
	s.AddDevice(sim.Device{IpcID: "549755805810", SN: "C101P98200110", MAC: "0C25766F5110", Name: "收银台", Model: "FM010",
		Firmware: "1.2.6", Online: true, ConnectTime: now, CheckVersionTime: now.Add(-time.Hour), ShopNo: NewShopNo})
	s.AddDevice(sim.Device{SN: "C201D8BS00089", MAC: "0C25766F5705", Name: "新摄像机", Model: "FM020", Firmware: "1.6.2", Online: true, ConnectTime: now})
	s.AddDevice(sim.Device{SN: "C101P98200111", MAC: "0C25766F5111", Name: "新摄像机", Model: "FM010", Firmware: "1.2.6", Online: true, ConnectTime: now})
}

type creds struct {
	AppID, Secret string
}

func credsFile(dir string) string { return filepath.Join(dir, "credentials.json") }

func writeCreds(dir string, c creds) error {
	b, _ := json.Marshal(c)
	return os.WriteFile(credsFile(dir), b, 0o600)
}

func readCreds(dir string) (creds, error) {
	var c creds
	b, err := os.ReadFile(credsFile(dir))
	if err != nil {
		return c, fmt.Errorf("demo: %w", err)
	}
	return c, json.Unmarshal(b, &c)
}

// Settings keys that mark what the demo put in the database.
const (
	settingSeeded       = "demo.seeded"
	settingSunmiAccount = "demo.sunmi_account"
)

// Login is a demo user created on the first run, printed once.
type Login struct {
	Username, Password, Role string
}

// Seed puts the demo company in the database on the first run, and on every
// run points the demo account at this run's simulator and re-syncs the demo
// shops' cameras (their screenshot URLs name this run's port).
func Seed(ctx context.Context, st *models.Store, acc *accounts.Service, cams *cameras.Service, h *auth.Hasher, env *Env) ([]Login, error) {
	seeded, err := st.Setting(ctx, settingSeeded)
	if err != nil {
		return nil, err
	}
	var logins []Login
	if seeded == "" {
		if logins, err = seedDatabase(ctx, st, acc, h, env); err != nil {
			return nil, err
		}
	}
	idStr, err := st.Setting(ctx, settingSunmiAccount)
	if err != nil {
		return nil, err
	}
	id, _ := strconv.ParseUint(idStr, 10, 32)
	a, err := st.VendorAccount(ctx, uint(id))
	if err != nil {
		return logins, nil // the demo account was deleted: leave things as they are
	}
	a.BaseURL, a.AppID = env.SunmiURL, env.SunmiAppID
	sealed, err := acc.Box.Seal(env.SunmiSecret)
	if err != nil {
		return nil, err
	}
	if err := st.UpdateVendorAccount(ctx, &a, sealed); err != nil {
		return nil, err
	}
	shops, err := st.ShopsOfAccount(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	for _, sh := range shops {
		if _, err := cams.Sync(ctx, sh); err != nil {
			env.log.Warn("demo camera sync failed", "shop", sh.Name, "err", err)
		}
	}
	return logins, nil
}

func seedDatabase(ctx context.Context, st *models.Store, acc *accounts.Service, h *auth.Hasher, env *Env) ([]Login, error) {
	system := models.Actor{Username: "demo"}
	a, err := acc.Create(ctx, system, accounts.Input{Vendor: sunmicloud.Name, Name: "商米云(演示)", BaseURL: env.SunmiURL,
		AppID: env.SunmiAppID, Secret: env.SunmiSecret, CompanyNo: DemoCompanyNo})
	if err != nil {
		return nil, fmt.Errorf("demo: account: %w", err)
	}
	var shanghai []uint
	for _, ds := range demoShops(time.Now()) {
		sh := models.Shop{Name: ds.Name, City: ds.City, Address: ds.Address, Timezone: models.DefaultTimezone,
			SunmiAccountID: &a.ID, SunmiShopNo: ds.No, SunmiCompanyNo: DemoCompanyNo}
		if err := st.CreateShop(ctx, &sh); err != nil {
			return nil, fmt.Errorf("demo: shop: %w", err)
		}
		if ds.City == "上海" {
			shanghai = append(shanghai, sh.ID)
		}
	}
	// A store manager who sees only the Shanghai shops, to try the roles.
	pw := auth.RandomPassword(12)
	hash, err := h.Hash(ctx, pw)
	if err != nil {
		return nil, err
	}
	mgr := models.User{Username: "zhang", DisplayName: "张店长", Role: models.RoleManager, PasswordHash: hash}
	if err := st.CreateUser(ctx, &mgr, shanghai); err != nil {
		return nil, fmt.Errorf("demo: manager: %w", err)
	}
	if err := st.SetSetting(ctx, settingSunmiAccount, strconv.FormatUint(uint64(a.ID), 10)); err != nil {
		return nil, err
	}
	if err := st.SetSetting(ctx, settingSeeded, "1"); err != nil {
		return nil, err
	}
	return []Login{{Username: mgr.Username, Password: pw, Role: string(mgr.Role)}}, nil
}
