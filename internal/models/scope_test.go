package models_test

import (
	"context"
	"errors"
	"testing"

	"storelens/internal/models"
)

func TestManagerScope(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	a, b := models.Shop{Name: "Alpha"}, models.Shop{Name: "Beta"}
	st.CreateShop(ctx, &a)
	st.CreateShop(ctx, &b)
	mgr := models.User{Username: "m", PasswordHash: "x", Role: models.RoleManager}
	if err := st.CreateUser(ctx, &mgr, []uint{a.ID}); err != nil {
		t.Fatal(err)
	}
	sc := models.ScopeFor(&mgr)
	if _, err := st.Shop(ctx, sc, a.ID); err != nil {
		t.Fatalf("own shop: %v", err)
	}
	if _, err := st.Shop(ctx, sc, b.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("other shop: %v, want ErrNotFound", err)
	}
	rows, total, err := st.ListShops(ctx, sc, models.ShopFilter{})
	if err != nil || total != 1 || len(rows) != 1 || rows[0].Name != "Alpha" {
		t.Fatalf("list = %v %d %v", rows, total, err)
	}
	// A search whose OR branches match the other shop must not widen the scope.
	if rows, total, _ := st.ListShops(ctx, sc, models.ShopFilter{Query: "Beta"}); total != 0 || len(rows) != 0 {
		t.Fatalf("search leaked another shop: %v %d", rows, total)
	}
	if err := st.DeleteShop(ctx, sc, b.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("manager deleted another shop: %v", err)
	}
	admin := models.User{Role: models.RoleAdmin}
	if _, total, _ := st.ListShops(ctx, models.ScopeFor(&admin), models.ShopFilter{}); total != 2 {
		t.Fatalf("admin sees %d shops, want 2", total)
	}
}

func TestListShopsSearchAndPaging(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	for _, n := range []string{"上海 南京路店", "上海 徐家汇店", "北京 三里屯店", "100%_literal"} {
		st.CreateShop(ctx, &models.Shop{Name: n})
	}
	rows, total, _ := st.ListShops(ctx, models.AllShops(), models.ShopFilter{Query: "上海", PerPage: 1, Page: 2})
	if total != 2 || len(rows) != 1 || rows[0].Name != "上海 徐家汇店" {
		t.Fatalf("page 2 of 上海: %v total %d", rows, total)
	}
	if _, total, _ := st.ListShops(ctx, models.AllShops(), models.ShopFilter{Query: "%_"}); total != 1 {
		t.Fatalf("LIKE wildcards not escaped: %d matches", total)
	}
}

func TestSyncCamerasAddsUpdatesRemovesAndMoves(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	a, b := models.Shop{Name: "A"}, models.Shop{Name: "B"}
	st.CreateShop(ctx, &a)
	st.CreateShop(ctx, &b)
	st.SyncCameras(ctx, a.ID, "v", []models.Camera{{SN: "1", Name: "one"}, {SN: "2", Name: "two"}})
	// The vendor now lists 2 (renamed) and 3; 1 is gone.
	if err := st.SyncCameras(ctx, a.ID, "v", []models.Camera{{SN: "2", Name: "TWO", Online: true}, {SN: "3"}}); err != nil {
		t.Fatal(err)
	}
	cams, _ := st.Cameras(ctx, a.ID)
	if len(cams) != 2 || cams[0].SN != "3" && cams[1].Name != "TWO" {
		t.Fatalf("after resync: %+v", cams)
	}
	// Camera 3 moved to shop B at the vendor.
	st.SyncCameras(ctx, b.ID, "v", []models.Camera{{SN: "3", Name: "moved"}})
	cams, _ = st.Cameras(ctx, a.ID)
	if len(cams) != 1 || cams[0].SN != "2" {
		t.Fatalf("shop A after move: %+v", cams)
	}
	if _, err := st.Camera(ctx, a.ID, cams[0].ID); err != nil {
		t.Fatal(err)
	}
	bc, _ := st.Cameras(ctx, b.ID)
	if _, err := st.Camera(ctx, a.ID, bc[0].ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("camera of shop B read through shop A: %v", err)
	}
}

func TestLastAdminCannotBeDisabled(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	admin := models.User{Username: "admin", PasswordHash: "x", Role: models.RoleAdmin}
	st.CreateUser(ctx, &admin, nil)
	admin.Disabled = true
	if err := st.UpdateUser(ctx, &admin, nil); !errors.Is(err, models.ErrLastAdmin) {
		t.Fatalf("disabling the last admin: %v", err)
	}
	v0 := admin.SessionVersion
	v, err := st.SetPassword(ctx, admin.ID, "y")
	if err != nil || v != v0+1 {
		t.Fatalf("SetPassword version %d (was %d) err %v", v, v0, err)
	}
}

// TestListShopsSearchIgnoresCase: the shop search finds Latin names
// whatever their case on either database (SQLite's LIKE ignores ASCII case,
// PostgreSQL's needs ILIKE: dialect.like).
func TestListShopsSearchIgnoresCase(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	for _, n := range []string{"Nanjing Road", "上海 徐家汇店"} {
		if err := st.CreateShop(ctx, &models.Shop{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{"nanjing", "NANJING ROAD", "Road"} {
		rows, total, err := st.ListShops(ctx, models.AllShops(), models.ShopFilter{Query: q})
		if err != nil || total != 1 || len(rows) != 1 || rows[0].Name != "Nanjing Road" {
			t.Errorf("search %q: %v total %d %v", q, rows, total, err)
		}
	}
}
