package demo

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"strconv"
	"time"

	"storelens/internal/faces"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// DemoLANFacesSN is the demo's second Sunmi camera on the LAN: unlike
// DemoLANSN (which waits to be discovered and activated), it is in the
// first demo shop from the start, activated, with its own face library
// seeded, so the faces pages show a shop with two libraries.
const DemoLANFacesSN = "C201D8BS00266"

const (
	settingLANFacesCamera = "demo.lan_faces_camera"
	settingLANFacesSeeded = "demo.lan_faces_seeded"
)

// startLANFaces starts the camera (sharing the first camera's certificate,
// kept across restarts) with its saved state.
func startLANFaces(e *Env, d *DevicesEnv, cert tls.Certificate) error {
	cam, err := lansim.New(lansim.Options{SN: DemoLANFacesSN, Model: "FM020", MAC: "0C25766F5B66", Firmware: "1.6.3", Name: "收银台 FM020",
		AppID: d.LANAppID, Secret: d.LANSecret, ActivationCode: d.LANActivation, Certificate: &cert, Activated: true,
		Logf: func(f string, a ...any) { e.log.Debug(fmt.Sprintf(f, a...), "sim", "sunmilan") }})
	if err != nil {
		return err
	}
	if b, err := os.ReadFile(d.file("sunmilan-faces.json")); err == nil {
		var st lansim.State
		if err := json.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("demo: restore LAN faces camera: %w", err)
		}
		cam.SetState(st)
	}
	if _, err := cam.Start("127.0.0.1:0"); err != nil {
		return err
	}
	// It plays live and has recordings too, like the first LAN camera.
	if _, err := cam.StartRTSP("127.0.0.1:0"); err != nil {
		cam.Close()
		return err
	}
	seedLANRecordings(cam, time.Now())
	d.LANFaces = cam
	d.stop = append(d.stop, cam.Close)
	return nil
}

func (d *DevicesEnv) saveLANFaces() error {
	b, err := json.Marshal(d.LANFaces.State())
	if err != nil {
		return err
	}
	return os.WriteFile(d.file("sunmilan-faces.json"), b, 0o600)
}

// seedLANFacesCamera adds the camera to the first demo shop on the first
// run (pinned to its certificate), and points it at this run's port.
func seedLANFacesCamera(ctx context.Context, st *models.Store, d *DevicesEnv) error {
	if cam, err := st.CameraBySN(ctx, sunmilan.Name, DemoLANFacesSN); err == nil {
		cam.Address = d.LANFaces.Addr()
		return st.UpdateLANCamera(ctx, &cam)
	}
	if done, err := st.Setting(ctx, settingLANFacesCamera); err != nil || done != "" {
		return err // added once, and removed by a user since: left so
	}
	shop, err := firstSunmiShop(ctx, st)
	if err != nil {
		return err
	}
	accStr, err := st.Setting(ctx, settingLANAccount)
	if err != nil {
		return err
	}
	accID, err := strconv.ParseUint(accStr, 10, 32)
	if err != nil {
		return fmt.Errorf("demo: LAN account setting %q: %w", accStr, err)
	}
	fp, err := sunmilan.FetchFingerprint(ctx, d.LANFaces.Addr(), nil, nil)
	if err != nil {
		return err
	}
	acc := uint(accID)
	cam := models.Camera{ShopID: shop.ID, Vendor: sunmilan.Name, SN: DemoLANFacesSN, Name: "收银台 FM020", Model: "FM020",
		MAC: "0C25766F5B66", Firmware: "1.6.3", LANAccountID: &acc, Address: d.LANFaces.Addr(), CertFingerprint: fp,
		Activated: true, NetworkMode: "LAN", Online: true}
	if err := st.AddLANCamera(ctx, &cam); err != nil {
		return err
	}
	return st.SetSetting(ctx, settingLANFacesCamera, "1")
}

func firstSunmiShop(ctx context.Context, st *models.Store) (models.Shop, error) {
	idStr, err := st.Setting(ctx, settingSunmiAccount)
	if err != nil {
		return models.Shop{}, err
	}
	id, _ := strconv.ParseUint(idStr, 10, 32)
	shops, err := st.ShopsOfAccount(ctx, uint(id))
	if err != nil {
		return models.Shop{}, err
	}
	if len(shops) == 0 {
		return models.Shop{}, fmt.Errorf("demo: no Sunmi shop for the LAN faces camera")
	}
	return shops[0], nil
}

// lanPeople are enrolled at the camera. Their photos are mirrored and
// cropped variants, so the camera tells them apart from the original
// photo (a tint alone would look the same to it).
var lanPeople = []demoPerson{
	{Name: "赵磊", Gender: vendors.GenderMale, Age: 5, Level: "黑卡", Look: mirror},
	{Name: "孙悦", Gender: vendors.GenderFemale, Age: 4, Level: "金卡", Look: crop(0.2)},
	{Name: "周强(店员)", Gender: vendors.GenderMale, Age: 6, Look: func(m *image.RGBA) *image.RGBA { return mirror(crop(0.2)(m)) }},
}

// seedLANFaces gives the camera's library a member group with an
// attribute and enrolled people (through the real flow), and a history of
// visits, once.
func seedLANFaces(ctx context.Context, st *models.Store, svc *faces.Service, env *Env) error {
	if env.Devices == nil || env.Devices.LANFaces == nil {
		return nil
	}
	done, err := st.Setting(ctx, settingLANFacesSeeded)
	if err != nil || done != "" {
		return err
	}
	cam, err := st.CameraBySN(ctx, sunmilan.Name, DemoLANFacesSN)
	if err != nil {
		return nil // not added (or removed): nothing to seed
	}
	shop, err := st.Shop(ctx, models.AllShops(), cam.ShopID)
	if err != nil {
		return err
	}
	key := faces.LibraryKey(sunmilan.Name, DemoLANFacesSN)
	system := models.Actor{Username: "demo"}
	vip, err := svc.CreateGroup(ctx, system, shop, key, faces.GroupInput{Kind: vendors.GroupCustom, Name: "VIP", Purpose: "member",
		Description: "收银台识别的会员", Capacity: 200, CustomKeys: [5]string{"会员等级"}})
	if err != nil {
		return fmt.Errorf("LAN camera: member group: %w", err)
	}
	if err := svc.SyncGroups(ctx, shop); err != nil {
		return err
	}
	var regular models.FaceGroup
	groups, err := st.FaceGroups(ctx, shop.ID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.Source == DemoLANFacesSN && g.VendorGroupID == "regular" {
			regular = g
		}
	}
	consent := faces.Consent{By: "张店长", Purpose: "member", At: time.Now()}
	for j, p := range lanPeople {
		g := vip
		if j == len(lanPeople)-1 {
			g = regular
		}
		if err := enrollDemo(ctx, svc, system, shop, g, p, consent); err != nil {
			return fmt.Errorf("LAN camera: %s: %w", p.Name, err)
		}
	}
	env.Devices.LANFaces.SeedVisits(2026, 45)
	if _, err := svc.Reconcile(ctx, shop); err != nil {
		env.log.Warn("demo LAN face reconciliation", "err", err)
	}
	return st.SetSetting(ctx, settingLANFacesSeeded, "1")
}

// crop keeps the middle of the picture, cutting frac of each side.
func crop(frac float64) func(*image.RGBA) *image.RGBA {
	return func(m *image.RGBA) *image.RGBA {
		b := m.Bounds()
		dx, dy := int(float64(b.Dx())*frac/2), int(float64(b.Dy())*frac/2)
		sub := m.SubImage(image.Rect(b.Min.X+dx, b.Min.Y+dy, b.Max.X-dx, b.Max.Y-dy)).(*image.RGBA)
		out := image.NewRGBA(image.Rect(0, 0, sub.Bounds().Dx(), sub.Bounds().Dy()))
		for y := 0; y < out.Bounds().Dy(); y++ {
			copy(out.Pix[y*out.Stride:(y+1)*out.Stride], sub.Pix[(y)*sub.Stride:(y)*sub.Stride+out.Stride])
		}
		return out
	}
}
