package sim

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The simulator against hand-made requests: sign = md5(timestamp#secret),
// worked for 004 §4.1's example as e5ef72ef839bdf5397b4906b199b9fbf.
func TestSimulatorByHand(t *testing.T) {
	now := time.UnixMilli(1477881215000)
	s := New("商汤", Options{Now: func() time.Time { return now }})
	s.AddApp("35uifanj8i30kdng", "2323dsfadfewrasa3434")
	full := s.AddDepartment(Department{Name: "行政部", UserNum: 2})
	srv := httptest.NewServer(s)
	defer srv.Close()
	sum := md5.Sum([]byte("1477881215000#2323dsfadfewrasa3434"))
	if hex.EncodeToString(sum[:]) != "e5ef72ef839bdf5397b4906b199b9fbf" {
		t.Fatal("vector")
	}
	auth := "app_key=35uifanj8i30kdng&timestamp=1477881215000&Sign=e5ef72ef839bdf5397b4906b199b9fbf"
	get := func(path string) map[string]any {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return m
	}
	code := func(m map[string]any) int { f, _ := m["code"].(float64); return int(f) }
	// v1 and v2 alike (NOTES 75), Sign with a capital S (NOTES 72).
	for _, v := range []string{"v1", "v2"} {
		if m := get("/api/" + v + "/department?" + auth); code(m) != 200 {
			t.Fatalf("%s tree: %v", v, m)
		}
	}
	if m := get("/api/v1/department/delete?id=" + strconv.FormatInt(full, 10) + "&" + auth); code(m) != 650 || m["message"] != "Cannot delete unless include nothing" {
		t.Fatalf("650: %v", m)
	}
	if m := get("/api/v2/department/999?" + auth); code(m) != 620 {
		t.Fatalf("620: %v", m)
	}
	if m := get("/api/v1/company?" + strings.Replace(auth, "e5ef", "ffff", 1)); code(m) != 10005 {
		t.Fatalf("bad sign: %v", m)
	}
	now = now.Add(31 * time.Minute)
	if m := get("/api/v1/company?" + auth); code(m) != 10003 {
		t.Fatalf("31 minutes later: %v", m)
	}
	now = now.Add(-31 * time.Minute)
	// POST form-data with the auth in the form (NOTES 74).
	form := url.Values{"app_key": {"35uifanj8i30kdng"}, "timestamp": {"1477881215000"}, "sign": {"e5ef72ef839bdf5397b4906b199b9fbf"},
		"parentId": {"0"}, "name": {"行政部"}}
	resp, err := http.PostForm(srv.URL+"/api/v2/department", form)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if code(m) != 610 {
		t.Fatalf("same name at the same level: %v", m)
	}
}
