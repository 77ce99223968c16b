package events_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/netguard"
)

// internalService stands for a service inside the shop's network (the
// router's page, a loopback admin port): a real listener on 127.0.0.9
// that counts the connections it gets.
func internalService(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.9:0")
	if err != nil {
		t.Skipf("no 127.0.0.9 here: %v", err)
	}
	n := new(atomic.Int64)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("\\xff\\xd8\\xff\\xe0 internal secret"))
	}), ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), n
}

// loopbackDialer dials only loopback (the network rule of the tests) and
// records every address it was asked for.
type loopbackDialer struct {
	mu    sync.Mutex
	addrs []string
}

func (d *loopbackDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	host, _, _ := net.SplitHostPort(addr)
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("test dialer: %s is not loopback", addr)
	}
	return (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
}

func (d *loopbackDialer) dialled(prefix string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, a := range d.addrs {
		if strings.HasPrefix(a, prefix) {
			n++
		}
	}
	return n
}

// rebinder resolves a name first to the camera, then to the internal
// service.
type rebinder struct {
	mu      sync.Mutex
	answers []netip.Addr
	calls   int
}

func (r *rebinder) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if host != "rebind.shop.test" {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	a := r.answers[min(r.calls, len(r.answers)-1)]
	r.calls++
	return []netip.Addr{a}, nil
}

const testJPEG = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00 a picture"

// TestWebhookLinksCannotReachInside: a webhook signed with the camera's own
// secret names a pic_url or video_url on an internal service (directly, by
// a redirect from the camera's host, by a name that resolves first to the
// camera and then to it) or at the cloud metadata address. The internal
// service is never contacted, the metadata address never dialled, the
// event is stored without its picture, the clip is refused, and each
// refusal is counted for the camera's shop. A picture on the camera's own
// address is kept; one that is not a JPEG or PNG is not.
func TestWebhookLinksCannotReachInside(t *testing.T) {
	internal, conns := internalService(t)
	_, intPort, _ := net.SplitHostPort(internal)
	dialer := &loopbackDialer{}
	res := &rebinder{answers: []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.9")}}
	guard := netguard.New(netguard.Options{Dial: dialer.dial, Resolver: res})
	f := newCameraFixtureGuard(t, guard)
	f.choose(t, events.DeliveryWebhook)
	waitFor(t, "hook/add of our callback", func() bool { return subscribed(f.sim, f.cb) == 2 })

	// On the camera's own host (127.0.0.1, any port): a picture, a page that
	// is not one, a redirect to the internal service, an FLV clip.
	onCamera := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/go-inside"):
			http.Redirect(w, r, "http://"+internal+"/admin", http.StatusFound)
		case r.URL.Path == "/page.jpg":
			w.Header().Set("Content-Type", "image/jpeg") // not believed
			w.Write([]byte("<html>router login</html>"))
		case strings.HasSuffix(r.URL.Path, ".flv"):
			w.Write([]byte("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"))
		case r.URL.Path == "/notflv.flv.txt":
			w.Write([]byte("root:x:0:0"))
		default:
			w.Write([]byte(testJPEG))
		}
	}))
	defer onCamera.Close()

	hookSrc := events.KindSunmiWebhook + ":" + f.cam.SN
	id := 100
	send := func(kind, field, link string) models.Event {
		t.Helper()
		id++
		payload := fmt.Sprintf(`{"event_id":%d,"event_type":%q,"sn":%q,"report_time":%d,"group_name":"vip","detect_type":1,%q:%q}`,
			id, kind, f.cam.SN, time.Now().Unix(), field, link)
		ct, body := post(t, payload, secret, time.Now(), fmt.Sprintf("a1b2%04d", id))
		res, err := http.Post(f.cb, ct, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("webhook %d: HTTP %d: %s", id, res.StatusCode, msg)
		}
		var ev models.Event
		waitFor(t, "the webhook's event stored", func() bool {
			return f.st.DB().Where("source = ? AND vendor_event_id = ?", hookSrc, strconv.Itoa(id)).First(&ev).Error == nil
		})
		return ev
	}
	settled := func(ev models.Event) models.Event {
		t.Helper()
		var got models.Event
		waitFor(t, "the picture fetch settled", func() bool {
			f.st.DB().First(&got, ev.ID)
			return got.Picture != "" || got.PictureTries > 0
		})
		return got
	}

	refusedPics := []struct {
		name, url string
		reason    netguard.Reason
	}{
		{"internal service", "http://" + internal + "/admin?auth_key=1-2-0-x", netguard.ReasonHost},
		{"metadata", "http://169.254.169.254/latest/meta-data/iam/security-credentials/", netguard.ReasonHost},
		{"redirect", onCamera.URL + "/go-inside.jpg?auth_key=1", netguard.ReasonHost},
		{"rebinding name", "http://rebind.shop.test:" + intPort + "/pic.jpg", netguard.ReasonHost},
		{"not a picture", onCamera.URL + "/page.jpg", netguard.ReasonContent},
	}
	for i, tc := range refusedPics {
		before := guard.Total(f.cam.ShopID)
		ev := settled(send("face_recog_event", "pic_url", tc.url))
		if ev.Picture != "" {
			t.Errorf("%s: picture kept (%s)", tc.name, ev.Picture)
		}
		if after := guard.Total(f.cam.ShopID); after != before+1 {
			t.Errorf("%s: refusals %d -> %d, want one more", tc.name, before, after)
		}
		found := false
		for _, c := range guard.Counts(f.cam.ShopID) {
			found = found || (c.Reason == tc.reason && c.N > 0)
		}
		if !found {
			t.Errorf("%s: no refusal for %s in %+v", tc.name, tc.reason, guard.Counts(f.cam.ShopID))
		}
		if ev.PictureTries == 0 {
			t.Errorf("%s (%d): the refused link is left to be tried again", tc.name, i)
		}
	}
	// A picture on the camera's own address is kept.
	if ev := settled(send("face_recog_event", "pic_url", onCamera.URL+"/cap.jpg?auth_key=1")); ev.Picture == "" {
		t.Error("the camera's own picture was not kept")
	}

	// Clips: /events/:id/clip opens the video_url through the same policy.
	clip := func(link string) error {
		ev := send("dynamic_detect_event", "video_url", link)
		body, ct, err := f.svc.OpenClip(context.Background(), &ev)
		if err == nil {
			defer body.Close()
			b, _ := io.ReadAll(body)
			if ct != "video/x-flv" || !bytes.HasPrefix(b, []byte("FLV")) {
				t.Errorf("clip %s: %s %q", link, ct, b)
			}
		}
		return err
	}
	for _, link := range []string{"http://" + internal + "/x.flv", "http://169.254.169.254/x.flv", onCamera.URL + "/go-inside.flv",
		"http://rebind.shop.test:" + intPort + "/x.flv", onCamera.URL + "/notflv.flv.txt"} {
		before := guard.Total(f.cam.ShopID)
		err := clip(link)
		if _, ok := netguard.IsRefusal(err); !ok {
			t.Errorf("clip %s: %v, want a refusal", link, err)
		}
		if guard.Total(f.cam.ShopID) != before+1 {
			t.Errorf("clip %s: refusal not counted", link)
		}
		if err != nil && (strings.Contains(err.Error(), "auth_key") || errors.Is(err, models.ErrNotFound)) {
			t.Errorf("clip %s: %v", link, err)
		}
	}
	if err := clip(onCamera.URL + "/cam.flv?auth_key=1"); err != nil {
		t.Errorf("the camera's own clip: %v", err)
	}

	if n := conns.Load(); n != 0 {
		t.Fatalf("the internal service was contacted %d times", n)
	}
	if n := dialer.dialled("127.0.0.9:") + dialer.dialled("169.254."); n != 0 {
		t.Fatalf("dialled the internal service or metadata %d times", n)
	}
}
