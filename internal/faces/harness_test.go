package faces_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/faces"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/photos"
	"storelens/internal/secrets"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmicloud/sim"
	"storelens/internal/vendors/sunmilan"
)

// env is the faces service over a temporary database and photo store,
// with the Sunmi cloud simulator behind real HTTPS on loopback.
type env struct {
	t     testing.TB
	st    *models.Store
	sim   *sim.Server
	svc   *faces.Service
	shop  models.Shop // linked to Sunmi shop 560279010301
	other models.Shop // linked to 560279010302
	admin models.Actor
	dir   string
	acc   *accounts.Service
}

const (
	appID  = "FACESAPP0001"
	secret = "ABCDEFG3F2BB03917123"
)

func newEnv(t testing.TB, delay time.Duration) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	st := modelstest.Open(t, models.Options{Logger: log})
	s := sim.New(sim.Options{})
	o := sim.DefaultFaceOptions
	o.ProcessDelay = delay
	s.SetFaceOptions(o)
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	s.AddApp(appID, secret)
	s.AddShop(sim.Shop{ShopNo: "560279010301", ShopID: "A1", CompanyNo: "560279010300", Name: "A", AppID: appID})
	s.AddShop(sim.Shop{ShopNo: "560279010302", ShopID: "B1", CompanyNo: "560279010300", Name: "B", AppID: appID})

	box, _ := secrets.New(bytes.Repeat([]byte{7}, 32))
	reg := vendors.NewRegistry(srv.Client())
	reg = reg.With(sunmicloud.Name, sunmicloud.Label, sunmicloud.New)
	reg = reg.With(sunmilan.Name, sunmilan.Label, sunmilan.NewAccount)
	acc := &accounts.Service{Store: st, Box: box, Registry: reg}
	a, err := acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmicloud.Name, Name: "Sunmi", BaseURL: srv.URL + "/openapi",
		AppID: appID, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, sim: s, dir: dir, admin: models.Actor{Username: "admin", IP: "127.0.0.1"}, acc: acc}
	e.shop = models.Shop{Name: "Shop A", SunmiAccountID: &a.ID, SunmiShopNo: "560279010301"}
	e.other = models.Shop{Name: "Shop B", SunmiAccountID: &a.ID, SunmiShopNo: "560279010302"}
	for _, sh := range []*models.Shop{&e.shop, &e.other} {
		if err := st.CreateShop(ctx, sh); err != nil {
			t.Fatal(err)
		}
	}
	pipe, err := photos.New(photos.DefaultLimits, photos.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := photos.NewStore(filepath.Join(dir, "photos"))
	if err != nil {
		t.Fatal(err)
	}
	e.svc = &faces.Service{Store: st, Accounts: acc, Pipeline: pipe, Photos: ps, Log: log,
		UploadDir: filepath.Join(dir, "uploads"), ResolveWait: 3 * time.Second}
	if err := e.svc.SyncGroups(ctx, e.shop); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) group(kind string) models.FaceGroup {
	e.t.Helper()
	gs, err := e.st.FaceGroups(context.Background(), e.shop.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, g := range gs {
		if g.Kind == kind {
			return g
		}
	}
	e.t.Fatalf("no %s group", kind)
	return models.FaceGroup{}
}

var consent = faces.Consent{By: "王经理", Purpose: "会员识别", At: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)}

// astronaut is testdata's one-face photo; variant(i) is it tinted, so each
// is a different file with the same one face.
func astronaut(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../photos/testdata/astronaut.png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func variant(t testing.TB, i int) []byte {
	t.Helper()
	src, err := png.Decode(bytes.NewReader(astronaut(t)))
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, image.Point{}, draw.Src)
	for p := 0; p < len(img.Pix); p += 4 {
		img.Pix[p] = uint8(min(255, int(img.Pix[p])+i%17))
		img.Pix[p+2] = uint8(max(0, int(img.Pix[p+2])-i%13))
	}
	img.SetRGBA(0, 0, color.RGBA{uint8(i), uint8(i >> 8), 0, 255}) // distinct even when the tints repeat
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../photos/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// enroll checks a photo and enrolls it into group g.
func (e *env) enroll(g models.FaceGroup, name string, photo []byte) (models.Face, error) {
	e.t.Helper()
	ctx := context.Background()
	st, err := e.svc.CheckPhoto(ctx, e.shop.ID, photo)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.svc.Enroll(ctx, e.admin, e.shop, faces.EnrollInput{GroupID: g.ID, Consent: consent,
		Face: vendors.FaceInput{Name: name, Gender: vendors.GenderFemale, Age: 5, Custom: [5]string{"gold"}}}, st)
}

// waitFor polls cond every 20 ms for up to 5 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func (e *env) audits(action string) []models.AuditEntry {
	e.t.Helper()
	out, _, err := e.st.AuditLog(context.Background(), models.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}
