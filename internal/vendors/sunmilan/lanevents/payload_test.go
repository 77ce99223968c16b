package lanevents

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"reflect"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors"
)

var now = time.Unix(1597894810, 0)

func TestParseFacePayload(t *testing.T) {
	// 003 §1.3's face example (straight quotes), plus a named attribute.
	p := `{"event_id":2,"faceid":"358526","cloud_faceid":"8798765433","group_name":"vip","age":0,"age_range":5,"gender":2,` +
		`"arrive_times":3,"pic_url":"https://192.168.103.117/mnt/sd-card/sunmi_image/snap/1597894624456_7.jpg?auth_key=x",` +
		`"event_type":"face_recog_event","sn":"FS101D8BS00080","report_time":1597894809,"name":"王丽","vip_level":"1"}`
	ev, err := ParsePayload([]byte(p), Webhook, now)
	if err != nil {
		t.Fatal(err)
	}
	want := vendors.Event{Vendor: "sunmi_ipc", DeviceSN: "FS101D8BS00080", ID: "2", Key: "sunmi_ipc/FS101D8BS00080/face/2/358526/c1597894624456_7.jpg",
		Kind: vendors.EventFace, At: time.Unix(1597894809, 0).UTC(), PersonID: "358526", CloudPersonID: "8798765433",
		PersonName: "王丽", Group: "vip", GroupKind: vendors.GroupMember, AgeRange: 5, Gender: vendors.GenderFemale, Visits: 3,
		PictureURL: "https://192.168.103.117/mnt/sd-card/sunmi_image/snap/1597894624456_7.jpg?auth_key=x"}
	if ev.Attrs["vip_level"] != "1" || ev.Attrs["name"] != "王丽" {
		t.Errorf("attrs %v", ev.Attrs)
	}
	ev.Attrs = nil
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("got  %+v\nwant %+v", ev, want)
	}
}

func TestParsePayloadTolerance(t *testing.T) {
	cases := []struct {
		name  string
		json  string
		via   Transport
		check func(t *testing.T, ev vendors.Event)
	}{
		{"age as a string, range from it", `{"event_id":"7","event_type":"face_recog_event","sn":"S","report_time":1597894809,"age":"32","gender":1}`, Channel,
			func(t *testing.T, ev vendors.Event) {
				if ev.Age != 32 || ev.AgeRange != 5 || ev.Gender != vendors.GenderMale || ev.ID != "7" {
					t.Errorf("%+v", ev)
				}
			}},
		{"blank age", `{"event_id":1,"event_type":"face_recog_event","sn":"S","report_time":1597894809,"age":"","group_name":"stranger"}`, Channel,
			func(t *testing.T, ev vendors.Event) {
				if ev.Age != 0 || ev.AgeRange != 0 || ev.GroupKind != vendors.GroupStranger {
					t.Errorf("%+v", ev)
				}
			}},
		{"11-digit report_time (the documents' example) is dated on arrival", `{"event_id":1,"event_type":"dynamic_detect_event","sn":"S","report_time":15930292837,"detect_type":1}`, Channel,
			func(t *testing.T, ev vendors.Event) {
				if !ev.At.Equal(now) {
					t.Errorf("At %v", ev.At)
				}
			}},
		{"13-digit report_time", `{"event_id":1,"event_type":"dynamic_detect_event","sn":"S","report_time":1597894809123,"detect_type":1}`, Channel,
			func(t *testing.T, ev vendors.Event) {
				if !ev.At.Equal(time.UnixMilli(1597894809123)) {
					t.Errorf("At %v", ev.At)
				}
			}},
		// NOTES.md item 38: each transport by its own table.
		{"channel detect 1 picture", `{"event_id":1,"event_type":"dynamic_detect_event","sn":"S","report_time":1597894809,"detect_type":1}`, Channel,
			wantMotion(vendors.MotionKindPicture, 1)},
		{"channel detect 2 voice", `{"event_id":1,"event_type":"dynamic_detect_event","sn":"S","report_time":1597894809,"detect_type":2}`, Channel,
			wantMotion(vendors.MotionKindSound, 2)},
		{"channel detect 3 both", `{"event_id":1,"event_type":"dynamic_detect_event","sn":"S","report_time":1597894809,"detect_type":3}`, Channel,
			wantMotion(vendors.MotionKindBoth, 3)},
		{"webhook detect 0 motion", `{"event_id":1,"event_type":"dynamic_detect_event","sn":"S","report_time":1597894809,"detect_type":0}`, Webhook,
			wantMotion(vendors.MotionKindPicture, 0)},
		{"webhook detect 1 audio", `{"event_id":1,"event_type":"dynamic_detect_event","sn":"S","report_time":1597894809,"detect_type":1}`, Webhook,
			wantMotion(vendors.MotionKindSound, 1)},
		{"webhook detect 2 both", `{"event_id":1,"event_type":"dynamic_detect_event","sn":"S","report_time":1597894809,"detect_type":2}`, Webhook,
			wantMotion(vendors.MotionKindBoth, 2)},
		{"webhook detect 3 human", `{"event_id":1,"event_type":"dynamic_detect_event","sn":"S","report_time":1597894809,"detect_type":3}`, Webhook,
			wantMotion(vendors.MotionKindPerson, 3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := ParsePayload([]byte(c.json), c.via, now)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, ev)
		})
	}
	for _, bad := range []string{``, `[]`, `{"event_type":"face_recog_event","sn":"S"}`, `{"event_id":1,"event_type":"face_recog_event"}`,
		`{"event_id":1,"event_type":"other","sn":"S"}`, `{"event_id":-1,"event_type":"face_recog_event","sn":"S"}`} {
		if _, err := ParsePayload([]byte(bad), Channel, now); !errors.Is(err, ErrPayload) {
			t.Errorf("%q: %v, want ErrPayload", bad, err)
		}
	}
}

func wantMotion(k vendors.MotionKind, raw int) func(*testing.T, vendors.Event) {
	return func(t *testing.T, ev vendors.Event) {
		if ev.Kind != vendors.EventMotion || ev.Motion != k || ev.MotionRaw != raw {
			t.Errorf("got %s %s raw %d, want %s raw %d", ev.Kind, ev.Motion, ev.MotionRaw, k, raw)
		}
	}
}

func TestConnectPayloadSignature(t *testing.T) {
	// NOTES.md item 41: every field but sign, as strings, keep_alive too:
	// app_id=mdk923idkf&keep_alive=30&random=289192&timestamp=1593029283&key=ABCDEFG3F2BB03917123
	// MD5 -> 17DF8DBFAAA4FFD451DC865D564BEDFF
	b, err := ConnectPayload("mdk923idkf", "ABCDEFG3F2BB03917123", 30, time.Unix(1593029283, 0), "289192")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"app_id":"mdk923idkf","keep_alive":30,"random":"289192","sign":"17DF8DBFAAA4FFD451DC865D564BEDFF","timestamp":"1593029283"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

const hookSecret = "ABCDEFG3F2BB03917123"

// The motion example of 003 §1.3, signed by hand (NOTES.md item 44):
// app_id=123&payload=<json>&random=692777&timestamp=1579158766&key=ABCDEFG3F2BB03917123
// MD5 -> DC2F00DF6E37825CECBEEE16CDB875F4
const examplePayload = `{"event_id":1,"detect_type":2,"event_type":"dynamic_detect_event","sn":"SS101D8BS00080","report_time":1579158765}`

func multipartBody(t testing.TB, fields [][2]string) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func exampleFields(sign string) [][2]string {
	return [][2]string{{"app_id", "123"}, {"random", "692777"}, {"timestamp", "1579158766"}, {"sign", sign}, {"payload", examplePayload}}
}

func TestWebhookVerify(t *testing.T) {
	at := time.Unix(1579158766, 0)
	ct, body := multipartBody(t, exampleFields("DC2F00DF6E37825CECBEEE16CDB875F4"))
	p, err := ParseWebhook(ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(hookSecret, at.Add(time.Minute), DefaultWebhookWindow); err != nil {
		t.Fatalf("good post refused: %v", err)
	}
	lower := p
	lower.Sign = strings.ToLower(p.Sign) // NOTES.md item 5
	if err := lower.Verify(hookSecret, at, DefaultWebhookWindow); err != nil {
		t.Errorf("lower-case sign refused: %v", err)
	}
	if err := p.Verify("another-secret", at, DefaultWebhookWindow); !errors.Is(err, ErrSignature) {
		t.Errorf("wrong secret: %v", err)
	}
	forged := p
	forged.Payload = bytes.Replace(p.Payload, []byte(`"detect_type":2`), []byte(`"detect_type":3`), 1)
	if err := forged.Verify(hookSecret, at, DefaultWebhookWindow); !errors.Is(err, ErrSignature) {
		t.Errorf("changed payload: %v", err)
	}
	if err := p.Verify(hookSecret, at.Add(6*time.Minute), DefaultWebhookWindow); !errors.Is(err, ErrStale) {
		t.Errorf("six minutes late: %v", err)
	}
	if err := p.Verify(hookSecret, at.Add(-6*time.Minute), DefaultWebhookWindow); !errors.Is(err, ErrStale) {
		t.Errorf("six minutes early: %v", err)
	}
}

func TestParseWebhookRejects(t *testing.T) {
	full := exampleFields("X")
	cases := map[string][][2]string{
		"no payload":    full[:4],
		"no sign":       {full[0], full[1], full[2], full[4]},
		"app_id twice":  append(append([][2]string{}, full...), [2]string{"app_id", "9"}),
		"payload twice": append(append([][2]string{}, full...), [2]string{"payload", "{}"}),
	}
	for name, fields := range cases {
		ct, body := multipartBody(t, fields)
		if _, err := ParseWebhook(ct, bytes.NewReader(body)); !errors.Is(err, ErrWebhookForm) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ParseWebhook("application/x-www-form-urlencoded", strings.NewReader("a=b")); !errors.Is(err, ErrWebhookForm) {
		t.Errorf("urlencoded: %v", err)
	}
	ct, body := multipartBody(t, [][2]string{{"app_id", "1"}, {"payload", strings.Repeat("x", MaxWebhookBody+1)}})
	if _, err := ParseWebhook(ct, bytes.NewReader(body)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over-long field: %v", err)
	}
}

func TestReplayGuard(t *testing.T) {
	g := NewReplayGuard(time.Minute)
	t0 := time.Unix(1000, 0)
	if !g.Check("a", t0, t0) {
		t.Fatal("first sight refused")
	}
	if g.Check("a", t0, t0.Add(30*time.Second)) {
		t.Fatal("replay inside the window accepted")
	}
	if !g.Check("b", t0, t0) {
		t.Fatal("another post refused")
	}
	g.Forget("b")
	if !g.Check("b", t0, t0) {
		t.Fatal("forgotten post refused")
	}
}

// FuzzParseWebhook: no body panics the parser or the verifier, and what
// parses has every field.
func FuzzParseWebhook(f *testing.F) {
	ct, body := multipartBody(f, exampleFields("DC2F00DF6E37825CECBEEE16CDB875F4"))
	boundary := strings.TrimPrefix(ct, "multipart/form-data; boundary=")
	f.Add(boundary, body)
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"payload\"\r\n\r\n{}\r\n--x--\r\n"))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"app_id\"; filename=\"a\"\r\n\r\n1\r\n--x--\r\n"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		p, err := ParseWebhook("multipart/form-data; boundary="+boundary, bytes.NewReader(body))
		if err != nil {
			return
		}
		if p.Payload == nil {
			t.Fatal("parsed without a payload")
		}
		_ = p.Verify(hookSecret, now, DefaultWebhookWindow)
		_, _ = ParsePayload(p.Payload, Webhook, now)
	})
}

// FuzzParsePayload: no event JSON panics the decoder.
func FuzzParsePayload(f *testing.F) {
	f.Add([]byte(examplePayload))
	f.Add([]byte(`{"event_id":"2","event_type":"face_recog_event","sn":"S","age":"x","age_range":99,"gender":-1,"report_time":1e30}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParsePayload(b, Channel, now)
		if err == nil && (ev.Key == "" || ev.DeviceSN == "") {
			t.Fatalf("accepted an event without identity: %+v", ev)
		}
	})
}

// The identity of an event is its capture's, not its report time's: the
// same capture sent again with a new report_time (and a new auth_key, from
// a new address) is the same event; event 1 after an activation (the
// counter starts again) is a new one, told apart by its capture.
func TestEventIdentityIsTheCapture(t *testing.T) {
	face := func(id int, pic string, report int64) string {
		return fmt.Sprintf(`{"event_id":%d,"event_type":"face_recog_event","sn":"FS1","faceid":"42","pic_url":%q,"report_time":%d}`, id, pic, report)
	}
	motion := func(id int, clip string, report int64) string {
		return fmt.Sprintf(`{"event_id":%d,"event_type":"dynamic_detect_event","sn":"FS1","detect_type":1,"video_url":%q,"report_time":%d}`, id, clip, report)
	}
	key := func(p string) string {
		ev, err := ParsePayload([]byte(p), Webhook, now)
		if err != nil {
			t.Fatal(err)
		}
		return ev.Key
	}
	pic := "https://192.168.1.20/mnt/sd-card/sunmi_image/snap/1597894624456_7.jpg?auth_key=1597894624-aaaa"
	picAgain := "https://192.168.1.31/mnt/sd-card/sunmi_image/snap/1597894624456_7.jpg?auth_key=1597894999-bbbb"
	picAfterActivation := "https://192.168.1.20/mnt/sd-card/sunmi_image/snap/1597990000123_1.jpg?auth_key=1597990000-cccc"
	if a, b := key(face(1, pic, 1597894809)), key(face(1, picAgain, 1597894999)); a != b {
		t.Errorf("same capture, new report_time: %q != %q", a, b)
	}
	if a, b := key(face(1, pic, 1597894809)), key(face(1, picAfterActivation, 1597894809)); a == b {
		t.Errorf("event 1 after an activation reads as the old event 1: %q", a)
	}
	clip := "https://192.168.1.20/mnt/sd-card/sunmi_video/video_detect/1579158761.flv?auth_key=1579158765-x"
	if a, b := key(motion(3, clip, 1579158765)), key(motion(3, strings.Replace(clip, "-x", "-y", 1), 1579158800)); a != b {
		t.Errorf("same clip, new report_time: %q != %q", a, b)
	}
	if a, b := key(motion(3, clip, 1579158765)), key(motion(3, strings.Replace(clip, "1579158761", "1579200000", 1), 1579158765)); a == b {
		t.Errorf("two clips, one key: %q", a)
	}
	if a, b := key(motion(2, clip, 1)), key(face(2, pic, 1)); a == b {
		t.Errorf("a motion and a face event share a key: %q", a)
	}
	// No media at all: report_time is all there is.
	bare := `{"event_id":5,"event_type":"dynamic_detect_event","sn":"FS1","detect_type":1,"report_time":%d}`
	if a, b := key(fmt.Sprintf(bare, 1579158765)), key(fmt.Sprintf(bare, 1579158766)); a == b {
		t.Errorf("no media: report times not told apart: %q", a)
	}
}
