package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bigHook is a signed notification post whose payload is size bytes.
func bigHook(size int) (string, []byte) {
	pad := strings.Repeat("x", size)
	return hookPost(`{"event_id":9,"event_type":"face_recog_event","sn":"`+hookSN+`","report_time":1,"pad":"`+pad+`"}`,
		hookSecret, time.Now(), "r4nd0m77")
}

// An oversized post, sent in full by a real client over TCP, is answered
// 413 with a reason (not a reset connection), whether its length is
// declared or chunked, and whatever its size.
func TestOversizedWebhookGets413(t *testing.T) {
	a := newEventsApp(t)
	for _, size := range []int{100 << 10, 1 << 20, 8 << 20} {
		ct, body := bigHook(size)
		for _, chunked := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(body)
			if chunked {
				r = io.MultiReader(r) // no length: sent chunked
			}
			req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/hooks/sunmi-ipc", r)
			req.Header.Set("Content-Type", ct)
			c := &http.Client{Timeout: 20 * time.Second}
			res, err := c.Do(req)
			if err != nil {
				t.Fatalf("%d bytes (chunked %v): %v, want a 413 answer", size, chunked, err)
			}
			var m map[string]any
			json.NewDecoder(res.Body).Decode(&m)
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge || m["code"] != 2.0 || !strings.Contains(m["msg"].(string), "64 KiB") {
				t.Fatalf("%d bytes (chunked %v): %d %v, want 413 with the limit", size, chunked, res.StatusCode, m)
			}
		}
	}
	// A client that writes the whole body before reading (as a camera's
	// HTTP library may) reads the 413 too.
	ct, body := bigHook(24 << 20)
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(a.srv.URL, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	head := "POST /hooks/sunmi-ipc HTTP/1.1\r\nHost: camera\r\nContent-Type: " + ct + "\r\nContent-Length: " +
		itoa(uint(len(body))) + "\r\n\r\n"
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		t.Fatalf("writing the body: %v (the server closed before reading it)", err)
	}
	resp, err := io.ReadAll(conn)
	if !strings.HasPrefix(string(resp), "HTTP/1.1 413") {
		t.Fatalf("write-then-read client: %q %v", excerpt(string(resp)), err)
	}
	if n := a.count(t); n != 0 {
		t.Fatalf("%d events stored", n)
	}
}

// A camera sending the same capture again with a new report_time (a new
// post: new random, new signature, new auth_key) has it stored once; the
// same event id after an activation, a new capture, is stored as new.
func TestResentCaptureStoredOnce(t *testing.T) {
	a := newEventsApp(t)
	payload := func(id int, pic string, report int64) string {
		return fmt.Sprintf(`{"event_id":%d,"event_type":"face_recog_event","sn":%q,"report_time":%d,"group_name":"vip","faceid":"1001",`+
			`"pic_url":"https://192.168.1.20/mnt/sd-card/sunmi_image/snap/%s.jpg?auth_key=%d-ab"}`, id, hookSN, report, pic, report)
	}
	now := time.Now()
	post := func(p, random string) {
		t.Helper()
		ct, body := hookPost(p, hookSecret, now, random)
		if status, m := a.postHook(t, ct, body); status != http.StatusOK {
			t.Fatalf("post: %d %v", status, m)
		}
	}
	capture := strconv.FormatInt(now.Add(-time.Minute).UnixMilli(), 10) + "_1"
	post(payload(1, capture, now.Add(-50*time.Second).Unix()), "first001")
	post(payload(1, capture, now.Unix()), "again002")
	if n := a.count(t); n != 1 {
		t.Fatalf("a re-sent capture with a new report_time: %d events stored, want 1", n)
	}
	post(payload(1, strconv.FormatInt(now.UnixMilli(), 10)+"_1", now.Unix()), "after003")
	if n := a.count(t); n != 2 {
		t.Fatalf("event 1 after an activation (a new capture): %d events stored, want 2", n)
	}
}
