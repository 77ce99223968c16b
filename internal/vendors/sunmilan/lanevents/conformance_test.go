package lanevents_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"storelens/internal/tlsutil"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
	"storelens/internal/vendors/sunmilan/lanevents"
	"storelens/internal/vendors/sunmilan/sim"
)

const (
	appID  = "JO83UNV983U9OR"
	secret = "ABCDEFG3F2BB03917123"
	sn     = "C201D8BS00101"
)

// store is what a Handle would do: keep each event once by its Key.
type store struct {
	mu    sync.Mutex
	byKey map[string]vendors.Event
	calls int
	order []string // event ids in the order handled
	fail  int      // refuse this many next calls
}

func newStore() *store { return &store{byKey: map[string]vendors.Event{}} }

func (s *store) handle(_ context.Context, ev vendors.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail > 0 {
		s.fail--
		return errors.New("disk full")
	}
	s.byKey[ev.Key] = ev
	s.order = append(s.order, ev.ID)
	return nil
}

func (s *store) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byKey)
}

type rig struct {
	cam    *sim.Camera
	addr   string
	tls    *tls.Config
	st     *store
	states chan lanevents.ChannelState
	cancel context.CancelFunc
	done   chan error
}

func newCamera(t *testing.T, model string, o func(*sim.Options)) (*sim.Camera, *tls.Config) {
	t.Helper()
	cert, pem, err := tlsutil.SelfSigned("sim camera")
	if err != nil {
		t.Fatal(err)
	}
	opts := sim.Options{SN: sn, Model: model, AppID: appID, Secret: secret, ActivationCode: "12345678", Activated: true,
		Certificate: &cert, Logf: t.Logf}
	if o != nil {
		o(&opts)
	}
	cam, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cam.Close() })
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return cam, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func startRig(t *testing.T, secretUsed string, keepAlive time.Duration, o func(*sim.Options)) *rig {
	t.Helper()
	cam, tc := newCamera(t, "FM020", o)
	addr, err := cam.ListenChannel("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cam.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	r := &rig{cam: cam, addr: addr.String(), tls: tc, st: newStore(), states: make(chan lanevents.ChannelState, 100), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		r.done <- lanevents.RunChannel(ctx, lanevents.ChannelConfig{Addr: r.addr, TLS: tc, AppID: appID, Secret: secretUsed,
			KeepAlive: keepAlive, Handle: r.st.handle, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
			OnState: func(s lanevents.ChannelState) {
				select {
				case r.states <- s:
				default:
				}
			}})
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *rig) connected(t *testing.T) {
	t.Helper()
	waitFor(t, "the channel to subscribe", func() bool { return r.cam.ChannelSessions() > 0 })
}

func TestChannelDeliversAndAcknowledges(t *testing.T) {
	r := startRig(t, secret, time.Second, nil)
	r.connected(t)
	vip := &sim.Person{FaceID: "1001", CloudFaceID: "8798765433", Name: "王丽", Group: "vip", Gender: 2, Age: 33}
	for i := 0; i < 40; i++ {
		if i%4 == 0 {
			r.cam.Emit(sim.Spec{Face: true, Person: vip})
		} else {
			r.cam.Emit(sim.Spec{Motion: sim.MotionSound})
		}
	}
	waitFor(t, "40 events stored", func() bool { return r.st.count() == 40 })
	waitFor(t, "40 PUBACKs", func() bool { return len(r.cam.Acked()) == 40 && r.cam.Pending() == 0 })
	var face vendors.Event
	for _, ev := range r.st.byKey {
		if ev.ID == "1" {
			face = ev
		}
	}
	if face.PersonName != "王丽" || face.GroupKind != vendors.GroupMember || face.Gender != vendors.GenderFemale || face.AgeRange != 5 || face.Visits != 1 {
		t.Errorf("face event %+v", face)
	}
	// The picture link is the camera's and works (auth_key).
	res, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: r.tls}}).Get(face.PictureURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || http.DetectContentType(b) != "image/jpeg" {
		t.Errorf("picture: %d %s", res.StatusCode, http.DetectContentType(b))
	}
}

func TestChannelFaults(t *testing.T) {
	cases := []struct {
		name      string
		faults    sim.EventFaults
		reconnect bool // the fault must end the connection
		check     func(t *testing.T, st *store)
	}{
		{"corrupt CRC closes and the event comes again", sim.EventFaults{CorruptCRC: 1}, true, nil},
		{"dropped mid-frame", sim.EventFaults{DropMidFrame: 2}, true, nil},
		{"repeated event id", sim.EventFaults{RepeatEventID: 3}, false, func(t *testing.T, st *store) {
			if st.calls != 23 {
				t.Errorf("handled %d times, want 20 + 3 repeats", st.calls)
			}
		}},
		{"out of order", sim.EventFaults{OutOfOrder: 3}, false, func(t *testing.T, st *store) {
			// The camera swaps a pair within one send: which pair depends
			// on how the 20 events fall into sends (the first may go
			// alone), so count the swapped pairs, not where they are.
			swapped := 0
			for i := 0; i+1 < len(st.order); i++ {
				a, _ := strconv.Atoi(st.order[i])
				b, _ := strconv.Atoi(st.order[i+1])
				if a > b {
					swapped++
				}
			}
			if swapped == 0 || swapped > 3 {
				t.Errorf("order %v: %d pairs swapped, want 1 to 3", st.order, swapped)
			}
		}},
		{"stall longer than three keep-alives", sim.EventFaults{Stall: 1500 * time.Millisecond}, true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := startRig(t, secret, 300*time.Millisecond, nil)
			r.connected(t)
			for len(r.states) > 0 {
				<-r.states
			}
			r.cam.SetEventFaults(c.faults)
			for i := 0; i < 20; i++ {
				r.cam.Emit(sim.Spec{Face: i%2 == 0, Motion: sim.MotionPicture})
			}
			waitFor(t, "every event stored and acknowledged", func() bool {
				return r.st.count() == 20 && r.cam.Pending() == 0
			})
			if n := len(r.cam.Acked()); n != 20 {
				t.Errorf("%d acknowledged", n)
			}
			broke := false
			for len(r.states) > 0 {
				if s := <-r.states; s.Err != nil {
					broke = true
				}
			}
			if broke != c.reconnect {
				t.Errorf("connection ended: %v, want %v", broke, c.reconnect)
			}
			if c.check != nil {
				r.st.mu.Lock()
				c.check(t, r.st)
				r.st.mu.Unlock()
			}
		})
	}
}

func TestChannelStoresBeforeAcknowledging(t *testing.T) {
	r := startRig(t, secret, time.Second, nil)
	r.connected(t)
	r.st.mu.Lock()
	r.st.fail = 1
	r.st.mu.Unlock()
	id := r.cam.Emit(sim.Spec{Motion: sim.MotionBoth})
	// The failed store is not acknowledged; the camera sends it again on
	// the next connection and only then is it acknowledged.
	waitFor(t, "the event stored", func() bool { return r.st.count() == 1 })
	waitFor(t, "its PUBACK", func() bool { return len(r.cam.Acked()) == 1 })
	if got := r.cam.Acked()[0]; got != id {
		t.Fatalf("acked %d, want %d", got, id)
	}
	r.st.mu.Lock()
	calls := r.st.calls
	r.st.mu.Unlock()
	if calls < 2 {
		t.Fatalf("handled %d times: the refused event was not delivered again", calls)
	}
}

func TestChannelRefusedSignature(t *testing.T) {
	r := startRig(t, "wrong-secret", time.Second, nil)
	var re *lanevents.RefusedError
	waitFor(t, "a refused connect", func() bool {
		select {
		case s := <-r.states:
			return errors.As(s.Err, &re)
		default:
			return false
		}
	})
	if re.Step != "connect" || re.Code != 1 || re.Kind() != vendors.KindAuth {
		t.Fatalf("%+v", re)
	}
	if r.cam.ChannelSessions() != 0 {
		t.Fatal("a refused client is subscribed")
	}
}

func TestHooksAndWebhookPosts(t *testing.T) {
	cam, _ := newCamera(t, "FM020", nil)
	api, err := cam.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "https://" + api
	var mu sync.Mutex
	var got []vendors.Event
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := lanevents.ParseWebhook(r.Header.Get("Content-Type"), http.MaxBytesReader(w, r.Body, lanevents.MaxWebhookBody))
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		if err := p.Verify(secret, time.Now(), lanevents.DefaultWebhookWindow); err != nil {
			http.Error(w, err.Error(), 401)
			return
		}
		ev, err := lanevents.ParsePayload(p.Payload, lanevents.Webhook, time.Now())
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
		w.Write([]byte(`{"code":0}`))
	}))
	defer callback.Close()

	hooks := hookClient(t, base, secret, nil)
	ctx := context.Background()
	if err := hooks.AddHook(ctx, []string{sunmilan.EventFaceRecog, sunmilan.EventDynamicDetect}, callback.URL+"/hooks/sunmi-ipc"); err != nil {
		t.Fatal(err)
	}
	subs, err := hooks.Hooks(ctx)
	if err != nil || len(subs) != 2 || subs[0].Callbacks[0] != callback.Listener.Addr().String()+"/hooks/sunmi-ipc" {
		t.Fatalf("query: %+v %v", subs, err)
	}
	cam.Emit(sim.Spec{Face: true})
	cam.Emit(sim.Spec{Motion: sim.MotionPerson})
	waitFor(t, "two posts", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 2 })
	if got[1].Motion != vendors.MotionKindPerson || got[1].MotionRaw != 3 {
		t.Errorf("webhook motion %+v", got[1])
	}
	if err := hooks.DeleteHook(ctx, []string{sunmilan.EventDynamicDetect}); err != nil {
		t.Fatal(err)
	}
	if subs, _ := hooks.Hooks(ctx); len(subs) != 1 || subs[0].Event != sunmilan.EventFaceRecog {
		t.Fatalf("after delete: %+v", subs)
	}

	// The camera refuses what the document and our code table say.
	bad := hookClient(t, base, "nope", nil)
	var ve *vendors.Error
	if err := bad.AddHook(ctx, []string{sunmilan.EventFaceRecog}, callback.URL); !errors.As(err, &ve) || ve.Code != 1 || ve.Kind != vendors.KindAuth {
		t.Errorf("bad secret: %v", err)
	}
	// An unknown topic never reaches the camera (its 310 is the
	// simulator's own test).
	if err := hooks.AddHook(ctx, []string{"door_open_event"}, callback.URL); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Errorf("unknown topic: %v", err)
	}
	if err := hooks.AddHook(ctx, []string{sunmilan.EventFaceRecog}, "http://192.0.2.1/cb"); !errors.As(err, &ve) || ve.Code != 2 {
		t.Errorf("non-loopback callback: %v", err)
	}
	late := hookClient(t, base, secret, func() time.Time { return time.Now().Add(-time.Hour) })
	if err := late.AddHook(ctx, []string{sunmilan.EventFaceRecog}, callback.URL); !errors.As(err, &ve) || ve.Code != 3 || ve.Kind != vendors.KindClock {
		t.Errorf("stale timestamp: %v", err)
	}
}

func TestFM010HasNoFaces(t *testing.T) {
	cam, _ := newCamera(t, "FM010", nil)
	api, _ := cam.Start("127.0.0.1:0")
	base := "https://" + api
	hooks := hookClient(t, base, secret, nil)
	var ve *vendors.Error
	err := hooks.AddHook(context.Background(), []string{sunmilan.EventFaceRecog}, "http://127.0.0.1:1/cb")
	if !errors.As(err, &ve) || ve.Code != 311 {
		t.Fatalf("face topic on an FM010: %v", err)
	}
}

// An FM010 refuses the face topic (311): the client keeps to motion events.
func TestChannelFM010SubscribesMotionOnly(t *testing.T) {
	cam, tc := newCamera(t, "FM010", nil)
	addr, err := cam.ListenChannel("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	st := newStore()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- lanevents.RunChannel(ctx, lanevents.ChannelConfig{Addr: addr.String(), TLS: tc, AppID: appID, Secret: secret,
			KeepAlive: time.Second, Handle: st.handle, MinBackoff: 20 * time.Millisecond})
	}()
	defer func() { cancel(); <-done }()
	waitFor(t, "subscribed", func() bool { return cam.ChannelSessions() == 1 })
	cam.Emit(sim.Spec{Motion: sim.MotionSound})
	waitFor(t, "the motion event", func() bool { return st.count() == 1 })
}

// hookClient is the camera LAN adapter's client for the hook calls, pinned
// to the certificate the simulator at base serves.
func hookClient(t *testing.T, base, secret string, now func() time.Time) *sunmilan.Client {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sunmilan.FetchFingerprint(context.Background(), u.Host, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sunmilan.New(sunmilan.Config{Address: u.Host, AppID: appID, Secret: secret, Pin: fp, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
