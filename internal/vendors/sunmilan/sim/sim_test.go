package sim

import (
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The simulator on its own, against hand-made requests: the sign of the
// worked string app_id=A1&random=abc123&timestamp=1593029283&zoom=200&key=S
// is checked with an independent MD5 below.
func post(t *testing.T, c *Camera, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // test
	resp, err := hc.PostForm("https://"+c.Addr()+"/openapi"+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func code(m map[string]any) int { f, _ := m["code"].(float64); return int(f) }

func TestSimulatorAuthRules(t *testing.T) {
	now := time.Unix(1593029283, 0)
	c, err := New(Options{SN: "S1", AppID: "A1", Secret: "S", ActivationCode: "ACT", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if signString(map[string]string{"zoom": "200", "timestamp": "1593029283", "app_id": "A1", "random": "abc123", "sign": "x"}, "S") !=
		"app_id=A1&random=abc123&timestamp=1593029283&zoom=200&key=S" {
		t.Fatal("sign string")
	}
	signed := func(p url.Values, key string) url.Values {
		m := map[string]string{}
		for k := range p {
			m[k] = p.Get(k)
		}
		p.Set("sign", sign(m, key))
		return p
	}
	base := func() url.Values {
		return url.Values{"app_id": {"A1"}, "random": {"abc123"}, "timestamp": {"1593029283"}, "zoom": {"200"}}
	}
	if _, r := post(t, c, "/config/setZoom", signed(base(), "S")); code(r) != codeNotActivated {
		t.Fatalf("before activation: %v", r)
	}
	if _, r := post(t, c, "/device/activate", signed(url.Values{"app_id": {"A1"}, "random": {"abc123"}, "timestamp": {"1593029283"}, "sn": {"S1"}}, "ACT")); code(r) != 0 {
		t.Fatalf("activate: %v", r)
	}
	if _, r := post(t, c, "/config/setZoom", signed(base(), "S")); code(r) != 0 || c.State().Zoom != 200 {
		t.Fatalf("signed zoom: %v", r)
	}
	p := base()
	p.Set("timestamp", "15930292830") // 11 digits, as 003's examples print
	if _, r := post(t, c, "/config/setZoom", signed(p, "S")); code(r) != codeTimestamp {
		t.Fatalf("11-digit timestamp: %v", r)
	}
	p = base()
	p.Set("random", "ab")
	if _, r := post(t, c, "/config/setZoom", signed(p, "S")); code(r) != codeParam {
		t.Fatalf("short random: %v", r)
	}
	p = signed(base(), "S")
	p.Set("zoom", "300") // changed after signing
	if _, r := post(t, c, "/config/setZoom", p); code(r) != codeSign || c.State().Zoom != 200 {
		t.Fatalf("tampered: %v", r)
	}
	p = base()
	p.Set("zoom", "501")
	if _, r := post(t, c, "/config/setZoom", signed(p, "S")); code(r) != codeZoom {
		t.Fatalf("zoom 501: %v", r)
	}
	if st, _ := post(t, c, "/config/nothing", base()); st != http.StatusNotFound {
		t.Fatalf("unknown path: %d", st)
	}
}

// The empty request of NOTES.md, as raw bytes, gets an answer.
func TestResponderAnswersRawEmptyRequest(t *testing.T) {
	c, _ := New(Options{SN: "S2", AppID: "A", Secret: "S", ActivationCode: "X", MAC: "0C25766F5705"})
	if _, err := c.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := ListenDiscovery("127.0.0.1:0", c)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	conn, err := net.Dial("udp4", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req, _ := hex.DecodeString("ffff33ff0101000020ab2c62")
	if _, err := conn.Write(req); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 2048)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if buf[5] != typeResponse || !strings.HasPrefix(hex.EncodeToString(buf[:4]), "ffff33ff") {
		t.Fatalf("response %x", buf[:n])
	}
	if _, err := ListenDiscovery("0.0.0.0:0"); err == nil {
		t.Fatal("responder listened on a non-loopback address")
	}
}
