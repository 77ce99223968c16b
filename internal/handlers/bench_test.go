package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"storelens/internal/models"
)

// The page benchmarks (BENCHMARKS.md): the whole server path of one page
// (session, authorisation, queries, templ render) through the real router,
// without the network.

func benchRequest(b *testing.B, a *testApp, user, pw, path string) {
	br := a.login(user, pw)
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	for _, c := range br.c.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	req.Header.Set("Accept-Language", "zh-CN")
	h := a.srv.Config.Handler
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkShopsPage: a manager with 1,000 assigned shops opens /shops
// (a page of 50, with camera counts).
func BenchmarkShopsPage(b *testing.B) {
	a := newTestApp(b)
	ctx := context.Background()
	ids := make([]uint, 0, 1000)
	for i := range 1000 {
		sh := models.Shop{Name: fmt.Sprintf("鲜果时光 %04d 店", i), City: "上海", Address: fmt.Sprintf("南京西路 %d 号", i)}
		if err := a.st.CreateShop(ctx, &sh); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, sh.ID)
	}
	a.addUser("bigmanager", managerPW, models.RoleManager, ids...)
	benchRequest(b, a, "bigmanager", managerPW, "/shops?page=3")
}

// BenchmarkCameraList: a shop with 500 cameras opens its page.
func BenchmarkCameraList(b *testing.B) {
	a := newTestApp(b)
	ctx := context.Background()
	sh := models.Shop{Name: "大店", SunmiAccountID: &a.account.ID, SunmiShopNo: "560279010399"}
	if err := a.st.CreateShop(ctx, &sh); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	cams := make([]models.Camera, 0, 500)
	for i := range 500 {
		cams = append(cams, models.Camera{SN: fmt.Sprintf("C101P9820%04d", i), VendorDeviceID: fmt.Sprint(549755800000 + i),
			Name: fmt.Sprintf("摄像机 %d", i), Model: "FM010", Firmware: "1.2.6", Online: i%10 != 0, LastConnectAt: &now,
			ScreenshotURL: "https://example.invalid/IMG/IPC/x"})
	}
	if err := a.st.SyncCameras(ctx, sh.ID, "sunmicloud", cams); err != nil {
		b.Fatal(err)
	}
	benchRequest(b, a, "admin", adminPW, "/shops/"+itoa(sh.ID))
}
