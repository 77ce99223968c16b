package netguard

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// internalService is a real listener on 127.0.0.9 standing for a service
// inside the shop's network; it counts the connections it gets.
func internalService(t *testing.T) (addr string, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.9:0")
	if err != nil {
		t.Skipf("no 127.0.0.9 here: %v", err)
	}
	conns = new(atomic.Int64)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "secret") }),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), conns
}

// recorder is an injected dialer that records what it was asked to dial.
type recorder struct {
	mu    sync.Mutex
	addrs []string
}

func (r *recorder) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	r.mu.Lock()
	r.addrs = append(r.addrs, addr)
	r.mu.Unlock()
	host, _, _ := net.SplitHostPort(addr)
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return nil, errors.New("test dialer: only loopback is ever dialled in tests")
	}
	return (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
}

func (r *recorder) dialled() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.addrs...)
}

// seqResolver answers each lookup of a name with the next of its answers.
type seqResolver struct {
	mu      sync.Mutex
	answers map[string][][]netip.Addr
	calls   map[string]int
}

func (s *seqResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.answers[host]
	if len(a) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	i := min(s.calls[host], len(a)-1)
	s.calls[host]++
	return a[i], nil
}

func camera(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "camera") }))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, hc *http.Client, u string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b), nil
}

func wantRefusal(t *testing.T, err error, reason Reason) {
	t.Helper()
	r, ok := IsRefusal(err)
	if !ok {
		t.Fatalf("err = %v, want a refusal (%s)", err, reason)
	}
	if r.Reason != reason {
		t.Fatalf("reason = %s (%v), want %s", r.Reason, err, reason)
	}
}

func TestCameraAddressIsFetched(t *testing.T) {
	cam := camera(t)
	g := New(Options{})
	hc := g.Client(ForURLs(1, "picture", cam.URL), nil, 5*time.Second)
	body, err := get(t, hc, cam.URL+"/pic.jpg?auth_key=1")
	if err != nil || body != "camera" {
		t.Fatalf("camera fetch = %q, %v", body, err)
	}
	if n := g.Total(1); n != 0 {
		t.Fatalf("refusals = %d, want 0", n)
	}
}

func TestInternalListenerNeverContacted(t *testing.T) {
	cam := camera(t)
	internal, conns := internalService(t)
	rec := &recorder{}
	g := New(Options{Dial: rec.dial})
	hc := g.Client(ForURLs(7, "picture", cam.URL), nil, 5*time.Second)
	_, err := get(t, hc, "http://"+internal+"/admin?auth_key=secret")
	wantRefusal(t, err, ReasonHost)
	if e := Redact(err).Error(); strings.Contains(e, "auth_key") || strings.Contains(e, "secret") {
		t.Fatalf("the refusal shows the query: %v", e)
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("the internal service got %d connections", n)
	}
	if d := rec.dialled(); len(d) != 0 {
		t.Fatalf("dialled %v", d)
	}
	c := g.Counts(7)
	if len(c) != 1 || c[0].Reason != ReasonHost || c[0].N != 1 || c[0].LastHost != "127.0.0.9" || c[0].LastWhat != "picture" {
		t.Fatalf("counts = %+v", c)
	}
	if len(g.Counts(8)) != 0 {
		t.Fatal("another shop's counts show it")
	}
}

func TestMetadataRefusedBeforeDialling(t *testing.T) {
	rec := &recorder{}
	res := &seqResolver{answers: map[string][][]netip.Addr{"media.cdn.test": {{netip.MustParseAddr("169.254.169.254")}}}}
	g := New(Options{Dial: rec.dial, Resolver: res})
	cases := []struct {
		name string
		p    Policy
		url  string
		want Reason
	}{
		// A camera URL naming the metadata address: not the camera.
		{"camera", ForURLs(1, "picture", "http://127.0.0.1:1"), "http://169.254.169.254/latest/meta-data/", ReasonHost},
		// Even a record that IS the metadata address does not allow it.
		{"record", ForURLs(1, "picture", "169.254.169.254"), "http://169.254.169.254/latest/meta-data/", ReasonMetadata},
		// A media host whose name resolves to it.
		{"name", Policy{Shop: 1, What: "playlist"}.WithSuffixes(".cdn.test"), "http://media.cdn.test/latest/meta-data/", ReasonMetadata},
		{"alibaba", ForURLs(1, "picture", "100.100.100.200"), "http://100.100.100.200/latest/meta-data/", ReasonMetadata},
		{"ipv6", ForURLs(1, "picture", "[fd00:ec2::254]:80"), "http://[fd00:ec2::254]/latest/meta-data/", ReasonMetadata},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := get(t, g.Client(tc.p, nil, 2*time.Second), tc.url)
			wantRefusal(t, err, tc.want)
		})
	}
	// And the dialer alone (a LAN client's) refuses it too.
	if _, err := g.DialContext(ForURLs(1, "lan-camera", "169.254.169.254"))(context.Background(), "tcp", "169.254.169.254:443"); err == nil {
		t.Fatal("dialled the metadata address")
	} else {
		wantRefusal(t, err, ReasonMetadata)
	}
	if d := rec.dialled(); len(d) != 0 {
		t.Fatalf("the dialer was called for %v", d)
	}
}

func TestRedirectCheckedAgain(t *testing.T) {
	internal, conns := internalService(t)
	cam := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/inside":
			http.Redirect(w, r, "/pic.jpg", http.StatusFound)
		case "/pic.jpg":
			_, _ = io.WriteString(w, "camera")
		default:
			http.Redirect(w, r, "http://"+internal+"/admin", http.StatusFound)
		}
	}))
	defer cam.Close()
	g := New(Options{})
	p := ForURLs(3, "clip", cam.URL)
	p.MaxRedirects = 3
	hc := g.Client(p, nil, 5*time.Second)
	_, err := get(t, hc, cam.URL+"/clip.flv")
	wantRefusal(t, err, ReasonHost)
	if n := conns.Load(); n != 0 {
		t.Fatalf("the internal service got %d connections", n)
	}
	// A redirect on the camera itself is followed.
	if body, err := get(t, hc, cam.URL+"/inside"); err != nil || body != "camera" {
		t.Fatalf("same-host redirect = %q, %v", body, err)
	}
	// With no redirects allowed, the redirect is not followed at all.
	body, err := get(t, g.Client(ForURLs(3, "clip", cam.URL), nil, 5*time.Second), cam.URL+"/clip.flv")
	if err != nil || !strings.Contains(body, "Found") {
		t.Fatalf("unfollowed redirect = %q, %v", body, err)
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("the internal service got %d connections", n)
	}
}

// TestNoDNSRebinding: a name that resolves first to the camera and then to
// the internal service. Each dial resolves once and connects to the address
// it checked; the second answer is refused, and the internal service is
// never contacted.
func TestNoDNSRebinding(t *testing.T) {
	cam := camera(t)
	internal, conns := internalService(t)
	_, camPort, _ := net.SplitHostPort(strings.TrimPrefix(cam.URL, "http://"))
	intHost, _, _ := net.SplitHostPort(internal)
	res := &seqResolver{answers: map[string][][]netip.Addr{"cam.shop.test": {
		{netip.MustParseAddr("127.0.0.1")}, {netip.MustParseAddr(intHost)}}}}
	rec := &recorder{}
	g := New(Options{Dial: rec.dial, Resolver: res})
	// The camera is recorded by name; its address is known to be 127.0.0.1.
	p := Policy{Shop: 2, What: "picture", Hosts: []string{"cam.shop.test"}, AllowIPs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
	tr := g.Transport(p, nil)
	tr.DisableKeepAlives = true // every request dials (and resolves) anew
	hc := &http.Client{Transport: g.Wrap(p, tr), CheckRedirect: g.CheckRedirect(p), Timeout: 5 * time.Second}
	u := "http://cam.shop.test:" + camPort + "/pic.jpg"
	if body, err := get(t, hc, u); err != nil || body != "camera" {
		t.Fatalf("first fetch = %q, %v", body, err)
	}
	if res.calls["cam.shop.test"] != 1 {
		t.Fatalf("resolved %d times for one dial", res.calls["cam.shop.test"])
	}
	_, err := get(t, hc, u)
	wantRefusal(t, err, ReasonLoopback)
	if n := conns.Load(); n != 0 {
		t.Fatalf("the internal service got %d connections", n)
	}
	for _, a := range rec.dialled() {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Fatalf("dialled %s", a)
		}
	}
	if d := rec.dialled(); len(d) != 1 {
		t.Fatalf("dialled %v, want the camera once", d)
	}
}

func TestMixedAnswersRefusedWhole(t *testing.T) {
	rec := &recorder{}
	res := &seqResolver{answers: map[string][][]netip.Addr{"cdn.test": {{netip.MustParseAddr("203.0.113.5"), netip.MustParseAddr("127.0.0.9")}}}}
	g := New(Options{Dial: rec.dial, Resolver: res})
	_, err := g.DialContext(Policy{Shop: 1, What: "playlist", Hosts: []string{"cdn.test"}})(context.Background(), "tcp", "cdn.test:80")
	wantRefusal(t, err, ReasonLoopback)
	if d := rec.dialled(); len(d) != 0 {
		t.Fatalf("dialled %v", d)
	}
}

func TestClassify(t *testing.T) {
	for ip, want := range map[string]Reason{
		"127.0.0.1": ReasonLoopback, "127.0.0.9": ReasonLoopback, "::1": ReasonLoopback, "::ffff:127.0.0.1": ReasonLoopback,
		"169.254.1.1": ReasonLinkLocal, "fe80::1": ReasonLinkLocal, "169.254.169.254": ReasonMetadata,
		"224.0.0.251": ReasonMulticast, "ff02::1": ReasonMulticast, "255.255.255.255": ReasonMulticast,
		"0.0.0.0": ReasonUnspecified, "::": ReasonUnspecified,
		"192.168.1.20": "", "10.10.63.19": "", "203.0.113.5": "",
	} {
		if got := Classify(netip.MustParseAddr(ip)); got != want {
			t.Errorf("Classify(%s) = %q, want %q", ip, got, want)
		}
	}
}

func TestHostRules(t *testing.T) {
	p := ForURLs(1, "x", "https://192.168.1.20", "base.example:8443").WithSuffixes(".cdn.sunmi.test")
	for host, want := range map[string]bool{
		"192.168.1.20": true, "192.168.1.21": false, "base.example": true, "BASE.example": true, "evil.base.example": false,
		"a.cdn.sunmi.test": true, "cdn.sunmi.test": true, "xcdn.sunmi.test": false, "": false,
	} {
		if got := p.hostAllowed(host); got != want {
			t.Errorf("hostAllowed(%q) = %v, want %v", host, got, want)
		}
	}
	g := New(Options{})
	wantRefusal(t, g.CheckURL(p, "file:///etc/passwd"), ReasonScheme)
	wantRefusal(t, g.CheckURL(p, "gopher://192.168.1.20/"), ReasonScheme)
	if err := g.CheckURL(p, "https://192.168.1.20/pic.jpg"); err != nil {
		t.Fatal(err)
	}
}

func TestLoopbackAllowedWhenRecordIsIt(t *testing.T) {
	cam := camera(t)
	g := New(Options{})
	// Recorded as 127.0.0.1: the demo and the simulators.
	if body, err := get(t, g.Client(ForURLs(1, "picture", cam.URL), nil, 5*time.Second), cam.URL); err != nil || body != "camera" {
		t.Fatalf("= %q, %v", body, err)
	}
	// Recorded as localhost (a name): the name is allowed, the loopback
	// address it resolves to is not the record.
	port := cam.URL[strings.LastIndex(cam.URL, ":")+1:]
	_, err := get(t, g.Client(ForURLs(1, "picture", "localhost"), nil, 5*time.Second), "http://localhost:"+port)
	wantRefusal(t, err, ReasonLoopback)
}

func TestCheckBaseURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://api.sunmi.com": true, "http://127.0.0.1:8080": true, "https://192.168.1.5": true,
		"http://169.254.169.254": false, "http://[fe80::1]/": false, "http://100.100.100.200": false, "http://0.0.0.0:80": false,
		"ftp://api.sunmi.com": false, "api.sunmi.com": false,
	} {
		if err := CheckBaseURL(u); (err == nil) != ok {
			t.Errorf("CheckBaseURL(%q) = %v, want ok=%v", u, err, ok)
		}
	}
}

func TestSniff(t *testing.T) {
	if SniffPicture([]byte("\xff\xd8\xff\xe0xxxx")) != ".jpg" || SniffPicture([]byte("\x89PNG\r\n\x1a\nxxxx")) != ".png" {
		t.Fatal("picture types")
	}
	for _, b := range []string{"<html>", "GIF89a", "RIFF....WEBP", "", "\xff\xd8"} {
		if SniffPicture([]byte(b)) != "" {
			t.Errorf("%q sniffed as a picture", b)
		}
	}
	if SniffClip([]byte("FLV\x01\x05\x00\x00\x00\x09")) != "video/x-flv" {
		t.Fatal("FLV")
	}
	for _, b := range []string{"<html>", "\x00\x00\x00\x18ftypmp42", "FLV", "ssh-2.0"} {
		if SniffClip([]byte(b)) != "" {
			t.Errorf("%q sniffed as a clip", b)
		}
	}
}

// TestSharedClientCountsTheFetchShop: one client per event source, shared
// by its shops; a refusal at dial time and at the URL check both count for
// the shop the request's context names.
func TestSharedClientCountsTheFetchShop(t *testing.T) {
	res := &seqResolver{answers: map[string][][]netip.Addr{"cam.test": {{netip.MustParseAddr("127.0.0.9")}}}}
	rec := &recorder{}
	g := New(Options{Dial: rec.dial, Resolver: res})
	hc := g.Client(Policy{Hosts: []string{"cam.test"}}, nil, 2*time.Second)
	for _, u := range []string{"http://cam.test/pic.jpg", "http://other.test/pic.jpg"} {
		ctx, cancel := context.WithTimeout(WithFetch(context.Background(), 5, "picture"), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		_, err := hc.Do(req)
		cancel()
		if _, ok := IsRefusal(err); !ok {
			t.Fatalf("%s: %v", u, err)
		}
	}
	c := g.Counts(5)
	if len(c) != 2 || g.Total(5) != 2 || c[0].LastWhat != "picture" {
		t.Fatalf("counts for shop 5 = %+v", c)
	}
	if len(rec.dialled()) != 0 {
		t.Fatalf("dialled %v", rec.dialled())
	}
}

func TestVendorAPIPolicy(t *testing.T) {
	cam := camera(t)
	rec := &recorder{}
	res := &seqResolver{answers: map[string][][]netip.Addr{"api.vendor.test": {{netip.MustParseAddr("169.254.169.254")}}}}
	g := New(Options{Dial: rec.dial, Resolver: res})
	hc := g.Client(VendorAPI(), nil, 5*time.Second)
	if body, err := get(t, hc, cam.URL); err != nil || body != "camera" {
		t.Fatalf("a simulator on loopback: %q %v", body, err)
	}
	_, err := get(t, hc, "http://api.vendor.test/")
	wantRefusal(t, err, ReasonMetadata)
	_, err = get(t, hc, "http://[fe80::1]:80/")
	wantRefusal(t, err, ReasonLinkLocal)
	_, err = get(t, hc, "http://0.0.0.0:80/")
	wantRefusal(t, err, ReasonUnspecified)
	for _, a := range rec.dialled() {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Fatalf("dialled %s", a)
		}
	}
}

// A LAN camera's connections reach its recorded address (private,
// link-local or loopback written out) and nothing else; never metadata.
func TestLANCameraPolicy(t *testing.T) {
	rec := &recorder{}
	g := New(Options{Dial: rec.dial, Resolver: &seqResolver{}})
	refused := func(p Policy, addr string, want Reason) {
		t.Helper()
		_, err := g.DialContext(p)(context.Background(), "tcp", addr)
		wantRefusal(t, err, want)
	}
	cam := internalCamera(t)
	conn, err := g.DialContext(LANCamera(3, cam))(context.Background(), "tcp", cam)
	if err != nil {
		t.Fatalf("the recorded camera: %v", err)
	}
	conn.Close()
	refused(LANCamera(3, cam), "127.0.0.9:443", ReasonHost)               // another address the reply named
	refused(LANCamera(3, "192.168.1.20"), "192.168.1.21:443", ReasonHost) // the next camera over
	refused(LANCamera(3, "169.254.169.254"), "169.254.169.254:443", ReasonMetadata)
	if p := LANCamera(3, "169.254.10.7:443"); p.ipAllowed(netip.MustParseAddr("169.254.10.7")) != "" {
		t.Fatal("a camera recorded at a link-local address (auto-IP) is refused")
	}
	if d := rec.dialled(); len(d) != 1 || d[0] != cam {
		t.Fatalf("dialled %v, want only %s", d, cam)
	}
	if g.Total(3) != 3 {
		t.Fatalf("shop 3 refusals = %d, want 3", g.Total(3))
	}
}

// internalCamera is a listener on loopback standing for a LAN camera.
func internalCamera(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}
