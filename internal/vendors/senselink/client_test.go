package senselink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink/sim"
)

const (
	testKey    = "35uifanj8i30kdng"
	testSecret = "2323dsfadfewrasa3434"
)

type fixture struct {
	sim *sim.Server
	c   *Client
	url string
	// ids
	staff, visitor, door int64
}

func newFixture(t *testing.T, devices int) *fixture {
	t.Helper()
	s := sim.New("商汤科技(深圳)有限公司", sim.Options{})
	s.AddApp(testKey, testSecret)
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	f := &fixture{sim: s, url: srv.URL}
	typ := s.AddDeviceType(sim.DeviceType{Name: "SenseKeeper 人脸识别闸机", Identifier: "SKP"})
	f.staff = s.AddGroup(sim.Group{Name: "默认组", Type: 1, Users: 12})
	f.visitor = s.AddGroup(sim.Group{Name: "访客", Type: 2})
	for i := range devices {
		id := s.AddDevice(sim.Device{SN: fmt.Sprintf("SKP-%04d", i), Name: fmt.Sprintf("keeper%d", i), TypeID: typ, Online: i%2 == 0})
		if i == 0 {
			f.door = id
		}
	}
	c, err := NewClient(vendors.Account{BaseURL: srv.URL, AppID: testKey, Secret: testSecret}, srv.Client(),
		WithBackoff(func(context.Context, time.Duration) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	return f
}

// 004 §4.1's example, worked: md5("1477881215000#2323dsfadfewrasa3434") =
// e5ef72ef839bdf5397b4906b199b9fbf, sent with app_key and timestamp as
// query parameters of a GET.
func TestSignedGetCarriesVector(t *testing.T) {
	var got map[string][]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		_, _ = io.WriteString(w, `{"code":200,"message":"OK","data":{"id":58,"name":"x","createAt":"2018-05-28 17:31:32.0"}}`)
	}))
	defer srv.Close()
	c, _ := NewClient(vendors.Account{BaseURL: srv.URL, AppID: testKey, Secret: testSecret}, srv.Client(),
		WithClock(func() time.Time { return time.UnixMilli(1477881215000) }))
	co, err := c.Company(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"app_key": {testKey}, "timestamp": {"1477881215000"}, "sign": {"e5ef72ef839bdf5397b4906b199b9fbf"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("query %v, want %v", got, want)
	}
	// "2018-05-28 17:31:32.0" is Shanghai time: 09:31:32 UTC.
	if co.CreatedAt != time.Date(2018, 5, 28, 9, 31, 32, 0, time.UTC) {
		t.Fatalf("createAt %v", co.CreatedAt)
	}
}

func TestCompanyAndAuth(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	co, err := f.c.Company(ctx)
	if err != nil || co.Name != "商汤科技(深圳)有限公司" || co.Threshold != 0.85 || co.CreatedAt.IsZero() {
		t.Fatalf("company %+v %v", co, err)
	}
	if err := f.c.Test(ctx); err != nil {
		t.Fatal(err)
	}
	var ve *vendors.Error
	wrong, _ := NewClient(vendors.Account{BaseURL: f.url, AppID: testKey, Secret: "wrong"}, f.c.hc)
	if _, err := wrong.Company(ctx); !errors.As(err, &ve) || ve.Code != 10005 || ve.Kind != vendors.KindAuth {
		t.Fatalf("wrong secret: %v", err)
	}
	unknown, _ := NewClient(vendors.Account{BaseURL: f.url, AppID: "nobody", Secret: testSecret}, f.c.hc)
	if _, err := unknown.Company(ctx); !errors.As(err, &ve) || ve.Code != 10001 {
		t.Fatalf("unknown key: %v", err)
	}
	late, _ := NewClient(vendors.Account{BaseURL: f.url, AppID: testKey, Secret: testSecret}, f.c.hc,
		WithClock(func() time.Time { return time.Now().Add(-31 * time.Minute) }))
	if _, err := late.Company(ctx); vendors.KindOf(err) != vendors.KindClock {
		t.Fatalf("31 minutes old: %v", err)
	}
	ok, _ := NewClient(vendors.Account{BaseURL: f.url, AppID: testKey, Secret: testSecret}, f.c.hc,
		WithClock(func() time.Time { return time.Now().Add(-29 * time.Minute) }))
	if _, err := ok.Company(ctx); err != nil {
		t.Fatalf("29 minutes old: %v", err)
	}
}

// The simulator takes "Sign" (004 §4.2's example URL) as well as "sign".
func TestSimAcceptsCapitalSign(t *testing.T) {
	f := newFixture(t, 0)
	ts := Timestamp(time.Now())
	for _, param := range []string{"sign", "Sign"} {
		resp, err := f.c.hc.Get(f.url + "/api/v1/company?app_key=" + testKey + "&timestamp=" + ts + "&" + param + "=" + strings.ToUpper(Sign(ts, testSecret)))
		if err != nil {
			t.Fatal(err)
		}
		var env struct{ Code int }
		_ = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if env.Code != 200 {
			t.Fatalf("%s: code %d", param, env.Code)
		}
	}
}

func TestDevicesPagingUpdateDelete(t *testing.T) {
	f := newFixture(t, 130) // two pages of 100
	ctx := context.Background()
	devs, err := f.c.Devices(ctx)
	if err != nil || len(devs) != 130 {
		t.Fatalf("%d devices, %v", len(devs), err)
	}
	if devs[0].ID < devs[1].ID || devs[129].ID != f.door {
		t.Fatal("not newest first")
	}
	door := devs[129]
	if door.TypeName != "SenseKeeper 人脸识别闸机" || door.TypeCode != "SKP" || !door.Online || door.SN != "SKP-0000" {
		t.Fatalf("door %+v", door)
	}
	upd := DeviceUpdate{ID: f.door, Name: "前门闸机", Location: "一楼大厅", Direction: 1, StaffGroups: []int64{f.staff}, VisitorGroups: []int64{f.visitor}}
	got, err := f.c.UpdateDevice(ctx, upd)
	if err != nil || got.Name != "前门闸机" || got.Location != "一楼大厅" || got.Direction != 1 || len(got.Groups) != 2 || !got.Online {
		t.Fatalf("update %+v %v", got, err)
	}
	devs, _ = f.c.Devices(ctx)
	d := devs[len(devs)-1]
	if d.Name != "前门闸机" || len(d.Groups) != 2 || d.Groups[0].ID != f.staff || d.Groups[1].Type != GroupVisitor {
		t.Fatalf("read back %+v", d)
	}
	// Leaving the visitor groups out clears them (§6.2.2).
	upd.VisitorGroups = nil
	if got, err := f.c.UpdateDevice(ctx, upd); err != nil || len(got.Groups) != 1 {
		t.Fatalf("clear visitors %+v %v", got, err)
	}
	// A staff group offered as a visitor group is refused by the server.
	upd.VisitorGroups = []int64{f.staff}
	if _, err := f.c.UpdateDevice(ctx, upd); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("wrong group type: %v", err)
	}
	// Too long a name is refused before sending.
	before := len(f.sim.Calls())
	var fes FieldErrors
	if _, err := f.c.UpdateDevice(ctx, DeviceUpdate{ID: f.door, Name: strings.Repeat("名", 46)}); !errors.As(err, &fes) || fes[0].Field != "name" {
		t.Fatalf("long name: %v", err)
	}
	if len(f.sim.Calls()) != before {
		t.Fatal("refused update was sent")
	}
	if err := f.c.DeleteDevice(ctx, f.door); err != nil {
		t.Fatal(err)
	}
	if err := f.c.DeleteDevice(ctx, f.door); vendors.KindOf(err) != vendors.KindNotFound {
		t.Fatalf("second delete: %v", err)
	}
	if devs, _ := f.c.Devices(ctx); len(devs) != 129 {
		t.Fatalf("%d after delete", len(devs))
	}
	groups, err := f.c.Groups(ctx, GroupStaff)
	if err != nil || len(groups) != 1 || groups[0].Name != "默认组" || groups[0].UserNumber != 12 {
		t.Fatalf("groups %+v %v", groups, err)
	}
}

func TestDepartmentsTree(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	admin, err := f.c.CreateDepartment(ctx, DepartmentInput{Name: "行政部", Code: "001"})
	if err != nil || admin.ID == 0 || admin.Name != "行政部" {
		t.Fatalf("create %+v %v", admin, err)
	}
	cloud, err := f.c.CreateDepartment(ctx, DepartmentInput{ParentID: admin.ID, Name: "云服务", LeaderID: 370108})
	if err != nil || cloud.ParentID != admin.ID || cloud.LeaderID != 370108 {
		t.Fatalf("child %+v %v", cloud, err)
	}
	if _, err := f.c.CreateDepartment(ctx, DepartmentInput{ParentID: admin.ID, Name: "云服务"}); vendors.KindOf(err) != vendors.KindDuplicate {
		t.Fatalf("same name, same parent: %v", err)
	}
	if _, err := f.c.CreateDepartment(ctx, DepartmentInput{Name: "云服务"}); err != nil {
		t.Fatalf("same name elsewhere: %v", err)
	}
	if _, err := f.c.CreateDepartment(ctx, DepartmentInput{ParentID: 999999, Name: "x"}); vendors.KindOf(err) != vendors.KindNotFound {
		t.Fatalf("unknown parent: %v", err)
	}
	root, err := f.c.Departments(ctx)
	if err != nil || root.Name != "商汤科技(深圳)有限公司" || len(root.Children) != 2 || len(root.Children[0].Children) != 1 {
		t.Fatalf("tree %+v %v", root, err)
	}
	flat := root.Flatten()
	if len(flat) != 3 || flat[1].Name != "云服务" || flat[1].Depth != 1 {
		t.Fatalf("flat %+v", flat)
	}
	if d, err := f.c.DepartmentByCode(ctx, "001"); err != nil || d.ID != admin.ID {
		t.Fatalf("by code %+v %v", d, err)
	}
	if _, err := f.c.DepartmentByCode(ctx, "404"); vendors.KindOf(err) != vendors.KindNotFound {
		t.Fatalf("unknown code: %v", err)
	}
	// 650: a department with a sub-department cannot be deleted.
	var ve *vendors.Error
	if err := f.c.DeleteDepartment(ctx, admin.ID); !errors.As(err, &ve) || ve.Code != 650 || ve.Kind != vendors.KindNotEmpty {
		t.Fatalf("delete non-empty: %v", err)
	}
	// A department cannot move under its own child.
	if _, err := f.c.UpdateDepartment(ctx, admin.ID, DepartmentInput{ParentID: cloud.ID, Name: "行政部"}); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("cycle: %v", err)
	}
	moved, err := f.c.UpdateDepartment(ctx, cloud.ID, DepartmentInput{ParentID: 0, Name: "云服务部", Code: "002"})
	if err != nil || moved.ParentID != 0 || moved.Code != "002" {
		t.Fatalf("update %+v %v", moved, err)
	}
	if d, err := f.c.Department(ctx, cloud.ID); err != nil || d.Name != "云服务部" {
		t.Fatalf("by id %+v %v", d, err)
	}
	if err := f.c.DeleteDepartment(ctx, admin.ID); err != nil {
		t.Fatalf("delete now empty: %v", err)
	}
	if _, err := f.c.CreateDepartment(ctx, DepartmentInput{Name: strings.Repeat("部", 51)}); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("long name: %v", err)
	}
	// The v1 alias of the examples answers the same tree (NOTES 75).
	var v1 Department
	if err := f.c.call(ctx, request{Method: http.MethodGet, Path: "/api/v1/department", Read: true}, &rawDeptOut{&v1}); err != nil || len(v1.Children) != 2 {
		t.Fatalf("v1 alias %+v %v", v1, err)
	}
}

type rawDeptOut struct{ d *Department }

func (r *rawDeptOut) UnmarshalJSON(b []byte) error {
	var raw rawDept
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r.d = raw.dept()
	return nil
}

func TestFaultsAndRetries(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	f.sim.SetFault("GET /api/v1/company", sim.Fault{Drop: true, Times: 2})
	if _, err := f.c.Company(ctx); err != nil {
		t.Fatalf("read not retried: %v", err)
	}
	// A write is not retried: the dropped update is reported, not resent.
	f.sim.SetFault("POST /api/v2/device/update", sim.Fault{Drop: true, Times: 1})
	if _, err := f.c.UpdateDevice(ctx, DeviceUpdate{ID: f.door, Name: "renamed"}); vendors.KindOf(err) != vendors.KindUnavailable {
		t.Fatalf("dropped update: %v", err)
	}
	if d, _ := f.sim.Device(f.door); d.Name == "renamed" {
		t.Fatal("update applied")
	}
	f.sim.SetFault("GET /api/v1/company", sim.Fault{Malformed: true, Times: 1})
	if _, err := f.c.Company(ctx); vendors.KindOf(err) != vendors.KindMalformed {
		t.Fatalf("malformed: %v", err)
	}
	f.sim.SetFault("*", sim.Fault{Code: 50002, Times: 1})
	var ve *vendors.Error
	if _, err := f.c.Departments(ctx); !errors.As(err, &ve) || ve.Kind != vendors.KindInternal || ve.Msg != "Internal Server Error" {
		t.Fatalf("code fault: %v", err)
	}
}

func TestParseTime(t *testing.T) {
	loc := shanghai()
	for in, want := range map[string]time.Time{
		"2018-06-22 12:45:51.0": time.Date(2018, 6, 22, 4, 45, 51, 0, time.UTC),
		"2019-04-23 10:30:08":   time.Date(2019, 4, 23, 2, 30, 8, 0, time.UTC),
		"1477881215000":         time.UnixMilli(1477881215000).UTC(),
		"1477881215":            time.Unix(1477881215, 0).UTC(),
		"":                      {},
	} {
		if got, ok := ParseTime(in, loc); !ok || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"15930292837", "yesterday"} {
		if _, ok := ParseTime(bad, loc); ok {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}
