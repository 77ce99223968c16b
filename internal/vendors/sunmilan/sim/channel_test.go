package sim

import (
	"bufio"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/tlsutil"
)

// The simulator's own codec and signature against the vectors worked out
// by hand (the same as the adapter's tests: NOTES.md "Binary framing",
// "Signing").
func TestWireVectors(t *testing.T) {
	if got := hex.EncodeToString(encode(pConnAck, []byte(`{"code":0}`), false)); got != "ff3e3eff0102000a7b22636f6465223a307d723cae98" {
		t.Fatalf("CONNACK frame %s", got)
	}
	if got := hex.EncodeToString(encode(pPingReq, nil, false)); got != "ff3e3eff"+"01"+"03"+"0000"+"00000000" {
		t.Fatalf("PINGREQ frame %s", got)
	}
	// app_id=mdk923idkf&keep_alive=30&random=289192&timestamp=1593029283&key=ABCDEFG3F2BB03917123
	if got := sign(map[string]string{"app_id": "mdk923idkf", "keep_alive": "30", "random": "289192", "timestamp": "1593029283", "sign": "x"},
		"ABCDEFG3F2BB03917123"); got != "17DF8DBFAAA4FFD451DC865D564BEDFF" {
		t.Fatalf("CONNECT sign %s", got)
	}
	// NOTES.md's first 003 vector (activation).
	if got := sign(map[string]string{"app_id": "JO83UNV983U9OR", "random": "289192", "sn": "FS101D8BS00106", "timestamp": "1593029283"},
		"12345678"); got != "72CB1C1031D3BA103D2FA1A57E171C2D" {
		t.Fatalf("activation sign %s", got)
	}
	// The decoder refuses a corrupted CRC and reads 0x11 as DISCONNECT.
	if _, _, err := decode(strings.NewReader(string(encode(pPubAck, []byte(`{"event_id":1}`), true)))); err != errFrame {
		t.Fatalf("corrupt CRC: %v", err)
	}
	raw, _ := hex.DecodeString("ff3e3eff01110000" + "00000000")
	if typ, _, err := decode(strings.NewReader(string(raw))); err != nil || typ != pDisconnect {
		t.Fatalf("0x11: %d %v", typ, err)
	}
}

// newTestCamera is one simulated camera (device API, channel, webhooks).
func newTestCamera(t *testing.T, model string, now func() time.Time) (*Camera, *tls.Config) {
	cert, pem, err := tlsutil.SelfSigned("sim test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{SN: "C201D8BS00101", Model: model, AppID: "APP", Secret: "SECRET", ActivationCode: "12345678",
		Activated: true, Certificate: &cert, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	pool, _ := tlsutil.Pool(pem)
	return c, &tls.Config{RootCAs: pool}
}

// connect speaks the channel by hand and returns the CONNACK code.
func connect(t *testing.T, addr string, tc *tls.Config, payload map[string]string) (int, *tls.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, tc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	payload["sign"] = sign(payload, "SECRET")
	m := map[string]any{}
	for k, v := range payload {
		m[k] = v
	}
	if ka, err := strconv.Atoi(payload["keep_alive"]); err == nil {
		m["keep_alive"] = ka
	}
	b, _ := json.Marshal(m)
	conn.Write(encode(pConnect, b, false))
	r := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	typ, body, err := decode(r)
	if err != nil || typ != pConnAck {
		t.Fatalf("CONNACK: %d %v", typ, err)
	}
	var ack struct{ Code int }
	json.Unmarshal(body, &ack)
	return ack.Code, conn, r
}

func TestConnectChecks(t *testing.T) {
	now := time.Unix(1593029283, 0)
	c, tc := newTestCamera(t, "FM010", func() time.Time { return now })
	addr, err := c.ListenChannel("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	good := func() map[string]string {
		return map[string]string{"app_id": "APP", "timestamp": "1593029283", "random": "ab12cd34", "keep_alive": "30"}
	}
	cases := []struct {
		name   string
		change func(map[string]string)
		code   int
	}{
		{"good", func(map[string]string) {}, 0},
		{"unknown app", func(p map[string]string) { p["app_id"] = "OTHER" }, 1},
		{"stale timestamp", func(p map[string]string) { p["timestamp"] = "1593020000" }, 3},
		{"11-digit timestamp", func(p map[string]string) { p["timestamp"] = "15930292837" }, 3},
		{"short random", func(p map[string]string) { p["random"] = "12345" }, 2},
		{"no keep_alive", func(p map[string]string) { delete(p, "keep_alive") }, 2},
	}
	for _, cs := range cases {
		p := good()
		cs.change(p)
		if code, _, _ := connect(t, addr.String(), tc, p); code != cs.code {
			t.Errorf("%s: code %d, want %d", cs.name, code, cs.code)
		}
	}
	// A forged sign (computed with another secret).
	conn, _ := tls.Dial("tcp", addr.String(), tc)
	defer conn.Close()
	p := good()
	b, _ := json.Marshal(map[string]any{"app_id": "APP", "timestamp": "1593029283", "random": "ab12cd34", "keep_alive": 30,
		"sign": sign(p, "WRONG")})
	conn.Write(encode(pConnect, b, false))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, body, err := decode(bufio.NewReader(conn)); err != nil || string(body) != `{"code":1}` {
		t.Errorf("forged sign: %s %v", body, err)
	}

	// An FM010 refuses face events (311) and takes motion ones.
	_, conn2, r := connect(t, addr.String(), tc, good())
	conn2.Write(encode(pSubscribe, []byte(`{"event_list":["face_recog_event","dynamic_detect_event"]}`), false))
	if _, body, _ := decode(r); string(body) != `{"code":311}` {
		t.Errorf("face on FM010: %s", body)
	}
	conn2.Write(encode(pSubscribe, []byte(`{"event_list":["door_event"]}`), false))
	if _, body, _ := decode(r); string(body) != `{"code":310}` {
		t.Errorf("unknown topic: %s", body)
	}
	conn2.Write(encode(pSubscribe, []byte(`{"event_list":["dynamic_detect_event"]}`), false))
	if _, body, _ := decode(r); string(body) != `{"code":0}` {
		t.Errorf("motion on FM010: %s", body)
	}
	id := c.Emit(Spec{Motion: MotionBoth})
	typ, body, err := decode(r)
	if err != nil || typ != pPublish {
		t.Fatalf("publish: %d %v", typ, err)
	}
	var ev map[string]any
	json.Unmarshal(body, &ev)
	if ev["event_id"] != float64(id) || ev["detect_type"] != 3.0 || ev["sn"] != "C201D8BS00101" {
		t.Errorf("published %s", body)
	}
	// A bad frame from the client ends the connection.
	conn2.Write([]byte{0xde, 0xad, 0xbe, 0xef, 1, 3, 0, 0, 0, 0, 0, 0})
	conn2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("after a bad frame: %v, want the connection closed", err)
	}
}

func TestMediaLinksExpire(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := time.Unix(0, clock.Load())
	c, tc := newTestCamera(t, "FM020", func() time.Time { return time.Unix(0, clock.Load()) })
	addr, err := c.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "https://" + addr
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	ev := &event{id: 1, at: now, typ: FaceRecog, person: &Person{FaceID: "1"}, pic: "/mnt/sd-card/sunmi_image/snap/1_1.jpg"}
	var p map[string]any
	json.Unmarshal(c.ev.payload(ev, true, base), &p)
	link := p["pic_url"].(string)
	res, err := hc.Get(link)
	if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("fresh link: %v %v", res, err)
	}
	res.Body.Close()
	u, _ := url.Parse(link)
	q := u.Query()
	q.Set("auth_key", "1-"+strings.Repeat("0", 32))
	u.RawQuery = q.Encode()
	if res, _ := hc.Get(u.String()); res.StatusCode != 403 {
		t.Errorf("forged auth_key: %d", res.StatusCode)
	}
	clock.Add(int64(25 * time.Hour))
	if res, _ := hc.Get(link); res.StatusCode != 403 {
		t.Errorf("expired link: %d", res.StatusCode)
	}
}
