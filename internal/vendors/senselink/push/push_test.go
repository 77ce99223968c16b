package push_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink/push"
	"storelens/internal/vendors/senselink/push/sim"
)

func TestPushURL(t *testing.T) {
	// 004 §4.1's example: md5("1477881215000#2323dsfadfewrasa3434") =
	// e5ef72ef839bdf5397b4906b199b9fbf; the braces of §6.5.2 are placeholders.
	got := push.PushURL("ws://127.0.0.1:9000/", "35uifanj8i30kdng", "2323dsfadfewrasa3434", time.UnixMilli(1477881215000))
	want := "ws://127.0.0.1:9000/websocket/record/35uifanj8i30kdng/1477881215000/e5ef72ef839bdf5397b4906b199b9fbf"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestDecodeRecordBothSpellings(t *testing.T) {
	now := time.Unix(1557328500, 0)
	// 004 §6.5.2's push example.
	example := `{"companyId":1,"deviceName":"liuyi2","deviceSN":"SPS-23da60ccda8f91a865a7472c1c5d9df5","direction":1,"groupId":0,"groupName":"",` +
		`"id":2,"originAvatar":"","receptionUserId":0,"receptionUserName":"","signAvatar":"5c80cb55bac9be0001d4e93a",` +
		`"signBgAvatar":"5c80cb55bac9be0001d4e93b","signTime":1551944533,"userId":0,"userName":"","userType":3,"verifyScore":0.0}`
	ev, err := push.DecodeRecord([]byte(example), "K", "https://h/image", now)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Key != "senselink/K/2" || ev.DeviceSN != "SPS-23da60ccda8f91a865a7472c1c5d9df5" || ev.DeviceName != "liuyi2" ||
		ev.GroupKind != vendors.GroupStranger || ev.Group != "stranger" || ev.PersonID != "" || !ev.At.Equal(time.Unix(1551944533, 0)) ||
		ev.PictureURL != "https://h/image/5c80cb55bac9be0001d4e93a" {
		t.Errorf("example spelling: %+v", ev)
	}
	// 004 §6.5.1's first list item (the table's spelling).
	table := `{"id":535344,"userId":55591,"name":"张三","avatar":"5c94925a35060d00016daed6","icNumber":"13123",` +
		`"idNumber":"wFrud7ZifzCIXFCY7l0iiT+qIeDqCG/U","jobNumber":"183719","receptionUserId":0,"receptionUserName":"",` +
		`"groupId":0,"groupName":null,"groups":[{"id":1,"name":"默认组","type":1}],"sn":"SPS-9f5fda14f29e81255215d87c4fa01a94",` +
		`"deviceName":"hb","direction":0,"signAvatar":"5cd2f25b2afec20001d42675","signBgAvatar":"5cd2f25b2afec20001d42676",` +
		`"signDate":"2019-05-08","signTime":1557328420,"type":1,"mobile":"18682217152","remark":null,"entryMode":1}`
	ev, err = push.DecodeRecord([]byte(table), "K", "https://h/image", now)
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "535344" || ev.PersonID != "55591" || ev.PersonName != "张三" || ev.Group != "默认组" || ev.GroupKind != vendors.GroupStaff ||
		ev.DeviceSN != "SPS-9f5fda14f29e81255215d87c4fa01a94" || ev.PictureURL != "https://h/image/5cd2f25b2afec20001d42675" {
		t.Errorf("table spelling: %+v", ev)
	}
	for _, bad := range []string{`{}`, `{"id":0}`, `[]`, `nul`} {
		if _, err := push.DecodeRecord([]byte(bad), "K", "", now); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

type store struct {
	mu    sync.Mutex
	byKey map[string]vendors.Event
	calls int
}

func (s *store) handle(_ context.Context, ev vendors.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.byKey[ev.Key] = ev
	return nil
}

func (s *store) cursor(context.Context) (push.Cursor, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var c push.Cursor
	for _, ev := range s.byKey {
		id, _ := strconv.ParseInt(ev.ID, 10, 64)
		if id > c.ID {
			c = push.Cursor{ID: id, At: ev.At}
		}
	}
	return c, c.ID > 0, nil
}

func (s *store) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, ev := range s.byKey {
		out = append(out, ev.ID)
	}
	sort.Strings(out)
	return out
}

type rig struct {
	sim    *sim.Server
	srv    *httptest.Server
	st     *store
	states chan push.State
}

func start(t *testing.T, secret string, sp sim.Spelling) *rig {
	t.Helper()
	s := sim.New(sim.Options{AppKey: "app-key-1", AppSecret: "9f8e7d6c5b4a39281706", Heartbeat: 200 * time.Millisecond, Spelling: sp, Logf: t.Logf})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	r := &rig{sim: s, srv: srv, st: &store{byKey: map[string]vendors.Event{}}, states: make(chan push.State, 100)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		push.Run(ctx, push.Config{BaseURL: srv.URL, WSURL: "ws" + strings.TrimPrefix(srv.URL, "http"), AppKey: "app-key-1", AppSecret: secret,
			HTTP: srv.Client(), Handle: r.st.handle, Since: r.st.cursor, Heartbeat: 200 * time.Millisecond,
			MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
			OnState: func(s push.State) {
				select {
				case r.states <- s:
				default:
				}
			}})
	}()
	t.Cleanup(func() { cancel(); <-done })
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

func TestPushAndGapFill(t *testing.T) {
	r := start(t, "9f8e7d6c5b4a39281706", sim.SpellAlternate)
	waitFor(t, "the push to connect", func() bool { return r.sim.Connected() == 1 })
	staff := []sim.Group{{ID: 1, Name: "员工", Type: 1}}
	for i := 0; i < 6; i++ {
		r.sim.Add(sim.Record{DeviceSN: "SPS-1", DeviceName: "前台", Type: 1, UserID: 55591, Name: "张三", Groups: staff})
	}
	waitFor(t, "six records", func() bool { return len(r.st.ids()) == 6 })
	for _, ev := range r.st.byKey {
		if ev.PersonName != "张三" || ev.DeviceSN != "SPS-1" || ev.GroupKind != vendors.GroupStaff {
			t.Fatalf("both spellings decode alike: %+v", ev)
		}
	}

	// An outage: three records arrive while nobody listens, then the
	// connection is back and the query fills them in.
	r.sim.SetFaults(sim.Faults{Drop: 1})
	r.sim.Add(sim.Record{DeviceSN: "SPS-1", Type: 3})
	r.sim.Add(sim.Record{DeviceSN: "SPS-1", Type: 3})
	r.sim.Add(sim.Record{DeviceSN: "SPS-1", Type: 3})
	waitFor(t, "all nine records, the missed ones by query", func() bool { return len(r.st.ids()) == 9 })
	var want []string
	for _, rec := range r.sim.Records() {
		want = append(want, strconv.FormatInt(rec.ID, 10))
	}
	sort.Strings(want)
	if got := r.st.ids(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("stored %v, want %v", got, want)
	}

	// Duplicates and reordering change nothing stored.
	r.sim.SetFaults(sim.Faults{Duplicate: 2, OutOfOrder: 1})
	for i := 0; i < 4; i++ {
		r.sim.Add(sim.Record{DeviceSN: "SPS-1", Type: 3})
	}
	waitFor(t, "thirteen records", func() bool { return len(r.st.ids()) == 13 })
}

func TestPushHeartbeatKeepsItOpen(t *testing.T) {
	r := start(t, "9f8e7d6c5b4a39281706", sim.SpellExample)
	waitFor(t, "connected", func() bool { return r.sim.Connected() == 1 })
	time.Sleep(1500 * time.Millisecond) // over 7 heartbeat periods
	for len(r.states) > 0 {
		if s := <-r.states; s.Err != nil {
			t.Fatalf("connection ended: %v", s.Err)
		}
	}
}

func TestPushStallEndsTheConnection(t *testing.T) {
	r := start(t, "9f8e7d6c5b4a39281706", sim.SpellExample)
	waitFor(t, "connected", func() bool { return r.sim.Connected() == 1 })
	r.sim.SetFaults(sim.Faults{Stall: time.Second})
	go r.sim.Add(sim.Record{DeviceSN: "SPS-1", Type: 3})
	waitFor(t, "the record, after a reconnect", func() bool { return len(r.st.ids()) == 1 })
}

func TestPushDenied(t *testing.T) {
	r := start(t, "wrong-secret", sim.SpellExample)
	var denied *push.DeniedError
	waitFor(t, "a refusal", func() bool {
		select {
		case s := <-r.states:
			return errors.As(s.Err, &denied)
		default:
			return false
		}
	})
	if denied.Desc != "signature failed" {
		t.Fatalf("desc %q", denied.Desc)
	}
}

func TestRecordsQueryErrors(t *testing.T) {
	s := sim.New(sim.Options{AppKey: "k", AppSecret: "s"})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	cfg := &push.Config{BaseURL: srv.URL, AppKey: "k", AppSecret: "bad", HTTP: srv.Client()}
	var ve *vendors.Error
	if _, err := push.Records(context.Background(), cfg, push.Query{}); !errors.As(err, &ve) || ve.Code != 10005 || ve.Kind != vendors.KindAuth {
		t.Fatalf("bad sign: %v", err)
	}
	cfg.AppSecret = "s"
	cfg.Now = func() time.Time { return time.Now().Add(-31 * time.Minute) }
	if _, err := push.Records(context.Background(), cfg, push.Query{}); !errors.As(err, &ve) || ve.Code != 10003 || ve.Kind != vendors.KindClock {
		t.Fatalf("old timestamp: %v", err)
	}
}
