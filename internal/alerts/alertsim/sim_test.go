package alertsim

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url, body string) (int, int) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		ErrCode int `json:"errcode"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&a)
	return resp.StatusCode, a.ErrCode
}

func md(content string) string {
	b, _ := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": content}})
	return string(b)
}

// WeCom: the key, the markdown limit (4096 bytes), the image's md5 and
// size, news articles, and the rate limit with 45009.
func TestWeComChecks(t *testing.T) {
	s := New()
	s.Limit, s.Per = 3, time.Minute
	g := s.Add(&Group{Kind: WeCom, Name: "w", Token: "k"})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	u := srv.URL + "/cgi-bin/webhook/send?key=k"
	if _, code := post(t, srv.URL+"/cgi-bin/webhook/send?key=nope", md("x")); code != 93000 {
		t.Fatalf("unknown key: errcode %d, want 93000", code)
	}
	if _, code := post(t, u, md(strings.Repeat("好", 1366))); code != 40058 { // 4098 bytes
		t.Fatalf("markdown of 4098 bytes: errcode %d", code)
	}
	img := []byte("\x89PNG fake")
	sum := md5.Sum(img)
	bad, _ := json.Marshal(map[string]any{"msgtype": "image", "image": map[string]string{"base64": base64.StdEncoding.EncodeToString(img), "md5": "00"}})
	if _, code := post(t, u, string(bad)); code != 40058 {
		t.Fatalf("image with a wrong md5: errcode %d", code)
	}
	good, _ := json.Marshal(map[string]any{"msgtype": "image", "image": map[string]string{"base64": base64.StdEncoding.EncodeToString(img), "md5": hex.EncodeToString(sum[:])}})
	if _, code := post(t, u, string(good)); code != 0 {
		t.Fatalf("image: errcode %d", code)
	}
	// Every post the robot read counts against 3 a minute (refused ones
	// too): the fourth is past the limit.
	if _, code := post(t, u, md(strings.Repeat("好", 1365))); code != 45009 { // 4095 bytes, but too fast
		t.Fatalf("past the limit: errcode %d, want 45009", code)
	}
	if g.Exceeded() != 1 || len(g.Received()) != 1 || g.Received()[0].MsgType != "image" {
		t.Fatalf("exceeded %d, received %d", g.Exceeded(), len(g.Received()))
	}
}

// DingTalk: an unsigned post to a signed robot, the 5xx knob, and the
// throttle that follows exceeding the limit (10 minutes as documented).
func TestDingTalkChecks(t *testing.T) {
	s := New()
	now := time.UnixMilli(1700000000000)
	s.Now = func() time.Time { return now }
	s.Limit = 2
	s.Add(&Group{Kind: DingTalk, Name: "d", Token: "t", Secret: "SECx"})
	open := s.Add(&Group{Kind: DingTalk, Name: "o", Token: "o"})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	body := `{"msgtype":"markdown","markdown":{"title":"t","text":"x"}}`
	if _, code := post(t, srv.URL+"/robot/send?access_token=t", body); code != 310000 {
		t.Fatalf("unsigned: errcode %d, want 310000", code)
	}
	s.Fail5xx(1)
	if status, _ := post(t, srv.URL+"/robot/send?access_token=o", body); status != 503 {
		t.Fatalf("5xx knob: %d", status)
	}
	if _, code := post(t, srv.URL+"/robot/send?access_token=o", `{"msgtype":"markdown","markdown":{"text":"x"}}`); code == 0 {
		t.Fatal("markdown without a title accepted")
	}
	for i, want := range []int{0, 130101, 130101} {
		if _, code := post(t, srv.URL+"/robot/send?access_token=o", body); code != want {
			t.Fatalf("post %d: errcode %d, want %d", i, code, want)
		}
	}
	now = now.Add(2 * time.Minute) // the window has moved, the penalty has not
	if _, code := post(t, srv.URL+"/robot/send?access_token=o", body); code != 130101 {
		t.Fatalf("within the 10-minute penalty: errcode %d", code)
	}
	now = now.Add(11 * time.Minute)
	if _, code := post(t, srv.URL+"/robot/send?access_token=o", body); code != 0 {
		t.Fatalf("after the penalty: errcode %d", code)
	}
	if len(open.Received()) != 2 {
		t.Fatalf("received %d, want 2", len(open.Received()))
	}
}
