package demo

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/auth"
	"storelens/internal/models"
	"storelens/internal/tlsutil"
	"storelens/internal/vendors/senselink"
	pushsim "storelens/internal/vendors/senselink/push/sim"
	slsim "storelens/internal/vendors/senselink/sim"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// The demo's LAN camera: an FM020 at the door of a shop's network, found by
// discovery on loopback and waiting to be activated.
const (
	DemoLANSN  = "C201D8BS00188"
	demoLANMAC = "0C25766F5188"
)

// DevicesEnv is the devices area's simulators of a demo run: one Sunmi
// camera on "the LAN" (HTTPS and UDP discovery, both on 127.0.0.1) and a
// SenseLink server.
type DevicesEnv struct {
	LAN      *lansim.Camera
	LANFaces *lansim.Camera // in a shop, activated, with faces (faces_lan.go)
	// Chain is the chain shop's camera on 127.0.0.2, reached only through
	// its connector (chain.go); nil when 127.0.0.2 is not available.
	Chain                              *lansim.Camera
	chainDiscovery                     *lansim.Responder
	Discovery                          *lansim.Responder
	LANAppID, LANSecret, LANActivation string
	SenseLink                          *slsim.Server
	// SenseLinkPush is the company's record push (its websocket, the
	// record query and the captures), served beside its API: the shop
	// linked to the demo account receives its records (events.go).
	SenseLinkPush                 *pushsim.Server
	SenseLinkURL                  string
	SenseLinkKey, SenseLinkSecret string
	dir                           string
	stop                          []func() error
}

type devicesCreds struct {
	LANAppID, LANSecret, LANActivation string
	SenseLinkKey, SenseLinkSecret      string
	CertPEM, KeyPEM                    string // the LAN camera's own certificate: pinned, so kept
}

func (d *DevicesEnv) file(name string) string { return filepath.Join(d.dir, name) }

// startDevices starts the devices simulators, restoring their state from
// the demo directory (or making it on the first run).
func startDevices(e *Env, cert tls.Certificate) (*DevicesEnv, error) {
	d := &DevicesEnv{dir: e.dir}
	creds, err := d.loadCreds()
	if err != nil {
		return nil, err
	}
	camCert, err := tls.X509KeyPair([]byte(creds.CertPEM), []byte(creds.KeyPEM))
	if err != nil {
		return nil, fmt.Errorf("demo: LAN camera certificate: %w", err)
	}
	d.LANAppID, d.LANSecret, d.LANActivation = creds.LANAppID, creds.LANSecret, creds.LANActivation
	d.SenseLinkKey, d.SenseLinkSecret = creds.SenseLinkKey, creds.SenseLinkSecret

	cam, err := lansim.New(lansim.Options{SN: DemoLANSN, Model: "FM020", MAC: demoLANMAC, Firmware: "1.6.3", Name: "SUNMI FM020",
		AppID: d.LANAppID, Secret: d.LANSecret, ActivationCode: d.LANActivation, Certificate: &camCert,
		Logf: func(f string, a ...any) { e.log.Debug(fmt.Sprintf(f, a...), "sim", "sunmilan") }})
	if err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(d.file("sunmilan.json")); err == nil {
		var st lansim.State
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("demo: restore LAN camera: %w", err)
		}
		cam.SetState(st)
	}
	if cam.State().Flow == nil {
		// Its door counter has months of counts: added to a shop with no
		// other traffic source and activated, it counts that shop.
		cam.SetPeopleFlow(lansim.FlowProfile{Seed: 2026, Size: 24, Opens: 9, Closes: 22, Since: time.Now().AddDate(0, 0, -demoHistory)})
	}
	if _, err := cam.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	// Its video: RTSP on loopback, and an SD card with a day of recording
	// (video.go).
	if _, err := cam.StartRTSP("127.0.0.1:0"); err != nil {
		cam.Close()
		return nil, err
	}
	seedLANRecordings(cam, time.Now())
	d.LAN = cam
	d.stop = append(d.stop, cam.Close)
	if err := startLANFaces(e, d, camCert); err != nil {
		return nil, err
	}
	if err := startChain(e, d, camCert); err != nil {
		return nil, err
	}
	if d.Discovery, err = lansim.ListenDiscovery("127.0.0.1:0", cam); err != nil {
		return nil, err
	}
	d.stop = append(d.stop, d.Discovery.Close)

	d.SenseLink = slsim.New("鲜果时光(上海)商贸有限公司", slsim.Options{})
	if b, err := os.ReadFile(d.file("senselink.json")); err == nil {
		if err := d.SenseLink.Restore(b); err != nil {
			return nil, err
		}
	} else {
		seedSenseLink(d.SenseLink, d.SenseLinkKey, d.SenseLinkSecret)
	}
	d.SenseLinkPush = pushsim.New(pushsim.Options{AppKey: d.SenseLinkKey, AppSecret: d.SenseLinkSecret, Spelling: pushsim.SpellAlternate,
		Logf: func(f string, a ...any) { e.log.Debug(fmt.Sprintf(f, a...), "sim", "senselink-push") }})
	d.stop = append(d.stop, func() error { d.SenseLinkPush.DropAll(); return nil })
	mux := http.NewServeMux()
	push := d.SenseLinkPush.Handler()
	for _, p := range []string{"/api/v1/record", "/websocket/record/", "/image/"} {
		mux.Handle(p, push)
	}
	mux.Handle("/", d.SenseLink)
	if d.SenseLinkURL, err = e.serve(cert, mux); err != nil {
		return nil, err
	}
	return d, nil
}

// loadCreds reads the devices credentials, making them on the first run.
func (d *DevicesEnv) loadCreds() (devicesCreds, error) {
	var c devicesCreds
	b, err := os.ReadFile(d.file("devices.json"))
	if err == nil {
		return c, json.Unmarshal(b, &c)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return c, err
	}
	cert, certPEM, err := tlsutil.SelfSigned("Sunmi IPC " + DemoLANSN)
	if err != nil {
		return c, err
	}
	keyDER, err := x509.MarshalECPrivateKey(cert.PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		return c, err
	}
	c = devicesCreds{LANAppID: "DEMOLANAPP0188", LANSecret: auth.RandomPassword(20), LANActivation: auth.RandomPassword(16),
		SenseLinkKey: "demo" + auth.RandomPassword(12), SenseLinkSecret: auth.RandomPassword(20),
		CertPEM: string(certPEM), KeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))}
	b, _ = json.Marshal(c)
	return c, os.WriteFile(d.file("devices.json"), b, 0o600)
}

// seedSenseLink is the demo company's SenseLink: two gates and a pad, staff
// and visitor groups, and a department tree (行政部 has people, so deleting
// it shows SenseLink's 650 refusal).
func seedSenseLink(s *slsim.Server, key, secret string) {
	s.AddApp(key, secret)
	gate := s.AddDeviceType(slsim.DeviceType{Name: "SenseKeeper 人脸识别闸机", Identifier: "SKP"})
	pad := s.AddDeviceType(slsim.DeviceType{Name: "SensePass", Identifier: "SPS"})
	staff := s.AddGroup(slsim.Group{Name: "默认组", Type: 1, Users: 24})
	clerks := s.AddGroup(slsim.Group{Name: "店员", Type: 1, Users: 18})
	visitors := s.AddGroup(slsim.Group{Name: "访客", Type: 2, Users: 3})
	s.AddDevice(slsim.Device{SN: "SKP-e6f99b5b31792d024172498b45eaab5f", Name: "南京西路店 员工通道", Location: "南京西路店 后门",
		TypeID: gate, Online: true, StaffGroups: []int64{staff, clerks}, VisitorGroups: []int64{visitors}, Firmware: "2.3.1"})
	s.AddDevice(slsim.Device{SN: "SPS-4c885be9d6e25a8b510cff11915c123a", Name: "徐家汇店 考勤机", Location: "徐家汇店 收银台旁",
		Direction: 1, TypeID: pad, Online: true, StaffGroups: []int64{clerks}})
	s.AddDevice(slsim.Device{SN: "SKP-d00676f238a65e5e7d29b576dee360fd", Name: "仓库 闸机", Location: "嘉定仓库",
		TypeID: gate, Online: false, StaffGroups: []int64{staff}})
	ops := s.AddDepartment(slsim.Department{Name: "门店运营部", Code: "OPS", LeaderID: 372345, LeaderName: "王经理", UserNum: 2})
	s.AddDepartment(slsim.Department{ParentID: ops, Name: "南京西路店", Code: "SH-001", UserNum: 9})
	s.AddDepartment(slsim.Department{ParentID: ops, Name: "徐家汇店", Code: "SH-002", UserNum: 7})
	s.AddDepartment(slsim.Department{Name: "行政部", Code: "ADM", UserNum: 3})
	s.AddDepartment(slsim.Department{Name: "仓储物流部", Code: "LOG"})
}

func (d *DevicesEnv) save() error {
	if err := d.saveLANFaces(); err != nil {
		return err
	}
	if err := d.saveChain(); err != nil {
		return err
	}
	b, err := json.Marshal(d.LAN.State())
	if err != nil {
		return err
	}
	if err := os.WriteFile(d.file("sunmilan.json"), b, 0o600); err != nil {
		return err
	}
	if b, err = d.SenseLink.Snapshot(); err != nil {
		return err
	}
	return os.WriteFile(d.file("senselink.json"), b, 0o600)
}

func (d *DevicesEnv) close() error {
	err := d.save()
	for _, f := range d.stop {
		err = errors.Join(err, f())
	}
	return err
}

// Settings keys of what SeedDevices put in the database.
const (
	settingDevicesSeeded = "demo.devices_seeded"
	settingLANAccount    = "demo.lan_account"
	settingSLAccount     = "demo.senselink_account"
)

// SeedDevices puts the demo's LAN and SenseLink accounts in the database on
// the first run, with some camera status history, and on every run points
// them (and discovery, and the LAN camera if it was added) at this run's
// simulators, whose ports change.
func SeedDevices(ctx context.Context, st *models.Store, acc *accounts.Service, lan interface {
	SetDiscoveryTargets(ctx context.Context, target, listen string) error
}, env *Env) error {
	d := env.Devices
	if d == nil {
		return nil
	}
	seeded, err := st.Setting(ctx, settingDevicesSeeded)
	if err != nil {
		return err
	}
	system := models.Actor{Username: "demo"}
	if seeded == "" {
		la, err := acc.Create(ctx, system, accounts.Input{Vendor: sunmilan.Name, Name: "商米局域网(演示)", AppID: d.LANAppID,
			Secret: d.LANSecret, ActivationCode: d.LANActivation})
		if err != nil {
			return fmt.Errorf("demo: LAN account: %w", err)
		}
		sa, err := acc.Create(ctx, system, accounts.Input{Vendor: senselink.Name, Name: "商汤 SenseLink(演示)", BaseURL: d.SenseLinkURL,
			AppID: d.SenseLinkKey, Secret: d.SenseLinkSecret})
		if err != nil {
			return fmt.Errorf("demo: SenseLink account: %w", err)
		}
		if err := seedHistory(ctx, st); err != nil {
			return err
		}
		for k, v := range map[string]string{settingLANAccount: id(la.ID), settingSLAccount: id(sa.ID), settingDevicesSeeded: "1"} {
			if err := st.SetSetting(ctx, k, v); err != nil {
				return err
			}
		}
	}
	if n, err := st.Setting(ctx, settingSLAccount); err == nil && n != "" {
		v, _ := strconv.ParseUint(n, 10, 32)
		if a, err := st.VendorAccount(ctx, uint(v)); err == nil {
			a.BaseURL = d.SenseLinkURL
			if err := st.UpdateVendorAccount(ctx, &a, nil); err != nil {
				return err
			}
		}
	}
	if err := seedLANFacesCamera(ctx, st, d); err != nil {
		return fmt.Errorf("demo: LAN faces camera: %w", err)
	}
	if err := seedChain(ctx, st, d); err != nil {
		return fmt.Errorf("demo: chain shop: %w", err)
	}
	if cam, err := st.CameraBySN(ctx, sunmilan.Name, DemoLANSN); err == nil {
		cam.Address = d.LAN.Addr()
		if err := st.UpdateLANCamera(ctx, &cam); err != nil {
			return err
		}
	}
	return lan.SetDiscoveryTargets(ctx, d.Discovery.Addr(), "127.0.0.1:0")
}

func id(n uint) string { return strconv.FormatUint(uint64(n), 10) }

// seedHistory gives the demo cameras a week of status: all online a week
// ago, the offline camera gone two days ago, and a short outage yesterday
// at one shop's cashier.
func seedHistory(ctx context.Context, st *models.Store) error {
	cams, err := st.CamerasOfVendor(ctx, "sunmicloud")
	if err != nil {
		return err
	}
	now := time.Now()
	for _, c := range cams {
		if _, err := st.RecordCameraStatus(ctx, c.ID, true, now.Add(-7*24*time.Hour)); err != nil {
			return err
		}
		switch c.SN {
		case "C101P98200108": // 后门, offline in the demo cloud
			if _, err := st.RecordCameraStatus(ctx, c.ID, false, now.Add(-51*time.Hour)); err != nil {
				return err
			}
		case "C101P98200102": // 收银台: two hours off yesterday
			if _, err := st.RecordCameraStatus(ctx, c.ID, false, now.Add(-30*time.Hour)); err != nil {
				return err
			}
			if _, err := st.RecordCameraStatus(ctx, c.ID, true, now.Add(-28*time.Hour)); err != nil {
				return err
			}
		}
	}
	return nil
}
