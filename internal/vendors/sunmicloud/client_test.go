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

// A rename with a fixed clock and random must put exactly the first vector
// on the wire.
func TestRenameSendsTheDocumentedRequest(t *testing.T) {
	var form map[string][]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/openapi/device/ipc/updateName" ||
			r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("request %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		r.ParseForm()
		form = r.PostForm
		w.Write([]byte(`{"code":0,"msg":"succeed","data":{}}`))
	}))
	defer srv.Close()
	c, err := NewClient(vendors.Account{BaseURL: srv.URL + "/openapi", AppID: "LMWWQVTW4QGCC", Secret: "ABCDEFG3F2BB03917123"}, srv.Client(),
		WithClock(func() time.Time { return time.Unix(1581333970, 0) }), WithRandom(func() string { return "5dsf6698" }))
	if err != nil {
		t.Fatal(err)
	}
	err = c.RenameDevice(context.Background(), vendors.ShopRef{ShopNo: "560279010307"}, vendors.DeviceRef{SN: "C101P98200023"}, "前门摄像机")
	if err != nil {
		t.Fatal(err)
	}
	if got := form["sign"]; len(got) != 1 || got[0] != "4E883BD96F3B27B2047B2E923F127273" {
		t.Fatalf("sign on the wire %v", got)
	}
	for k, v := range form {
		if strings.Contains(strings.Join(v, ""), "ABCDEFG3F2BB03917123") || k == "key" {
			t.Fatalf("the secret went on the wire in %s", k)
		}
	}
	if len(form) != 7 {
		t.Fatalf("sent %d params, want 7: %v", len(form), form)
	}
}

func TestRandomParameterShape(t *testing.T) {
	for range 100 {
		r := randomString()
		if len(r) < 6 || len(r) > 10 || strings.Trim(r, alnum) != "" {
			t.Fatalf("random %q is not 6-10 letters and digits", r)
		}
	}
}
