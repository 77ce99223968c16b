package sunmicloud

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors"
)

// The face requests put exactly the hand-worked vectors on the wire.
//
// /face/add, multipart; pic is not signed (NOTES "Signing" 1):
//
//	age_range=4&app_id=LMWWQVTW4QGCC&customer_value1=1&gender=1&group_id=578968813726&name=Mike&random=5dsf6698&sunmi_shop_no=560279010307&timestamp=1581383983&key=ABCDEFG3F2BB03917123
//	MD5 -> F836F4FF233D648718F0BC2E09A025CF
//
// /face/delete, face_id_list as JSON text signed as that literal (NOTES 16):
//
//	app_id=LMWWQVTW4QGCC&face_id_list=["578968751459","578968751460"]&group_id=578968813726&random=5dsf6698&sunmi_shop_no=560279010307&timestamp=1581383983&key=ABCDEFG3F2BB03917123
//	MD5 -> 0B6D17EEBDC2869F2CC42B51F123D4A5
func TestFaceRequestsOnTheWire(t *testing.T) {
	type seen struct {
		fields map[string]string
		pic    []byte
		ct     string
	}
	got := map[string]seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{fields: map[string]string{}, ct: r.Header.Get("Content-Type")}
		if strings.HasPrefix(s.ct, "multipart/form-data") {
			if err := r.ParseMultipartForm(2 << 20); err != nil {
				t.Error(err)
			}
			for k, v := range r.MultipartForm.Value {
				s.fields[k] = v[0]
			}
			if fh := r.MultipartForm.File["pic"]; len(fh) == 1 {
				f, _ := fh[0].Open()
				s.pic = make([]byte, fh[0].Size)
				f.Read(s.pic)
				if ct := fh[0].Header.Get("Content-Type"); ct != "image/jpeg" {
					t.Errorf("pic Content-Type %q", ct)
				}
			}
		} else {
			r.ParseForm()
			for k, v := range r.PostForm {
				s.fields[k] = v[0]
			}
		}
		got[strings.TrimPrefix(r.URL.Path, "/openapi")] = s
		w.Write([]byte(`{"code":0,"msg":"succeed","data":{}}`))
	}))
	defer srv.Close()
	c, err := NewClient(vendors.Account{BaseURL: srv.URL + "/openapi", AppID: "LMWWQVTW4QGCC", Secret: "ABCDEFG3F2BB03917123"}, srv.Client(),
		WithClock(func() time.Time { return time.Unix(1581383983, 0) }), WithRandom(func() string { return "5dsf6698" }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	shop := vendors.ShopRef{ShopNo: "560279010307"}
	photo := []byte("\xff\xd8\xff\xe0 a photo")
	en, err := c.AddFace(ctx, shop, "578968813726", vendors.FaceInput{Name: "Mike", Gender: vendors.GenderMale, Age: 4,
		Custom: [5]string{"1"}}, photo)
	if err != nil || !en.Pending || en.FaceID != "" {
		t.Fatalf("AddFace = %+v, %v", en, err)
	}
	add := got["/face/add"]
	if !strings.HasPrefix(add.ct, "multipart/form-data; boundary=") || string(add.pic) != string(photo) {
		t.Fatalf("add sent %q with pic %q", add.ct, add.pic)
	}
	if add.fields["sign"] != "F836F4FF233D648718F0BC2E09A025CF" || len(add.fields) != 10 {
		t.Fatalf("add fields %v", add.fields)
	}
	if err := c.DeleteFaces(ctx, shop, "578968813726", []string{"578968751459", "578968751460"}); err != nil {
		t.Fatal(err)
	}
	del := got["/face/delete"]
	if del.fields["face_id_list"] != `["578968751459","578968751460"]` || del.fields["sign"] != "0B6D17EEBDC2869F2CC42B51F123D4A5" {
		t.Fatalf("delete fields %v", del.fields)
	}
}

// A photo over the limit is refused before it is sent; a 413 from the
// vendor reads as a refused photo.
func TestPhotoSizeLimit(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
	}))
	defer srv.Close()
	c, _ := NewClient(vendors.Account{BaseURL: srv.URL, AppID: "A", Secret: "S"}, srv.Client())
	_, err := c.AddFace(context.Background(), vendors.ShopRef{ShopNo: "1"}, "g", vendors.FaceInput{}, make([]byte, 1_000_001))
	if vendors.KindOf(err) != vendors.KindPhotoRejected || calls != 0 {
		t.Fatalf("over the limit: %v after %d calls", err, calls)
	}
	_, err = c.AddFace(context.Background(), vendors.ShopRef{ShopNo: "1"}, "g", vendors.FaceInput{}, make([]byte, 1_000_000))
	if vendors.KindOf(err) != vendors.KindPhotoRejected || calls != 1 {
		t.Fatalf("413: %v after %d calls", err, calls)
	}
}

func TestMappers(t *testing.T) {
	for code, g := range map[flexInt]vendors.Gender{0: vendors.GenderUnknown, 1: vendors.GenderMale, 2: vendors.GenderFemale, 7: vendors.GenderUnknown} {
		if genderOf(code) != g {
			t.Errorf("genderOf(%d) = %s", code, genderOf(code))
		}
	}
	for g, code := range map[vendors.Gender]string{vendors.GenderUnknown: "", vendors.GenderMale: "1", vendors.GenderFemale: "2"} {
		if genderCode(g) != code {
			t.Errorf("genderCode(%s) = %q", g, genderCode(g))
		}
	}
	for i := range 10 {
		want := vendors.AgeUnknown
		if i >= 1 && i <= 8 {
			want = vendors.AgeRange(i)
		}
		if a := ageOf(flexInt(i)); a != want {
			t.Errorf("ageOf(%d) = %d", i, ageOf(flexInt(i)))
		}
	}
	if ageCode(0) != "" || ageCode(8) != "8" || ageCode(9) != "" {
		t.Error("ageCode")
	}
	for typ, k := range map[int]vendors.GroupKind{1: vendors.GroupStranger, 2: vendors.GroupRegular, 3: vendors.GroupStaff, 4: vendors.GroupCustom, 5: vendors.GroupCustom} {
		if kindOfType(typ) != k {
			t.Errorf("kindOfType(%d) = %s", typ, kindOfType(typ))
		}
	}
	for k, typ := range map[vendors.GroupKind]int{vendors.GroupStaff: 3, vendors.GroupMember: 5, vendors.GroupCustom: 5} {
		if got, ok := typeOfKind(k); !ok || got != typ {
			t.Errorf("typeOfKind(%s) = %d", k, got)
		}
	}
	if _, ok := typeOfKind(vendors.GroupVisitor); ok {
		t.Error("visitor groups at Sunmi cloud")
	}
	gs := []vendors.FaceGroup{{ID: "578968814330"}, {ID: "578968814328"}, {ID: "578968817934"}, {ID: "578968814329"}, {ID: "1000000000000"}}
	markDefaults(gs, []int{3, 1, 5, 2, 3})
	want := []bool{true, true, false, true, false}
	for i := range gs {
		if gs[i].Default != want[i] {
			t.Errorf("group %s default %v", gs[i].ID, gs[i].Default)
		}
	}
}
