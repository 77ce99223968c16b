package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"storelens/internal/demo"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConfig(t *testing.T) {
	env := map[string]string{"STORELENS_ADMIN_PASSWORD": "from-env-pw", "STORELENS_DATA_DIR": "/tmp/x"}
	c, err := loadConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || c.Addr != "127.0.0.1:8080" || c.DataDir != "/tmp/x" || c.AdminPassword != "from-env-pw" || c.Demo != "auto" {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = loadConfig([]string{"--addr", "127.0.0.1:9", "--data-dir", "d", "--trusted-proxies", "10.0.0.1, 192.168.0.0/16"},
		func(string) string { return "" }, io.Discard)
	if err != nil || c.Addr != "127.0.0.1:9" || c.DataDir != "d" || len(c.TrustedProxies) != 2 {
		t.Fatalf("%+v %v", c, err)
	}
	_, err = loadConfig([]string{"--addr", "nope", "--demo", "maybe", "--trusted-proxies", "x.y"}, func(string) string { return "" }, io.Discard)
	for _, want := range []string{"--addr", "--demo", "--trusted-proxies"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad config error %v lacks %s", err, want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// The whole server: first start in demo mode, sign in with the printed
// password, see the demo shops, stop cleanly on cancel.
func TestRunDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole server")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn"},
			func(string) string { return "" }, out, io.Discard)
	}()
	addrRe := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(3 * time.Minute); base == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := addrRe.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not start:\n%s", out.String())
	}
	pw := regexp.MustCompile(`user admin  password (\S+)`).FindStringSubmatch(out.String())
	if pw == nil {
		t.Fatalf("no admin password printed:\n%s", out.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {pw[1]}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "3") || resp.Request.URL.Path != "/" {
		t.Fatalf("after sign-in: %s %s", resp.Request.URL, body)
	}
	resp, _ = c.Get(base + "/shops")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, shop := range []string{"南京西路店", "徐家汇店", "西湖银泰店"} {
		if !strings.Contains(string(body), shop) {
			t.Errorf("demo shop %s missing", shop)
		}
	}
	// The chain shop: its camera on 127.0.0.2 is reached only through the
	// demo's connector, which comes online and is the camera's webhook
	// receiver (its callback is the edge's).
	if m := regexp.MustCompile(`href="(/shops/\d+)">` + regexp.QuoteMeta(demo.DemoChainShop) + `<`).FindStringSubmatch(string(body)); m == nil {
		t.Errorf("demo chain shop %s missing", demo.DemoChainShop)
	} else {
		get := func(p string) string {
			resp, err := c.Get(base + p)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		deadline := time.Now().Add(30 * time.Second)
		for page := get(m[1] + "/connector"); !strings.Contains(page, "badge-ok") || !strings.Contains(page, "127.0.0.2:"); page = get(m[1] + "/connector") {
			if time.Now().After(deadline) {
				t.Fatalf("the demo connector is not online with its hook on 127.0.0.2:\n%s", page)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d:\n%s", code, out.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("did not shut down")
	}
	// A second start of the same data directory: no new admin, still a demo.
	ctx2, cancel2 := context.WithCancel(context.Background())
	out2 := &syncBuffer{}
	go func() {
		done <- run(ctx2, []string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn"},
			func(string) string { return "" }, out2, io.Discard)
	}()
	for deadline := time.Now().Add(3 * time.Minute); !strings.Contains(out2.String(), "serving on") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	cancel2()
	<-done
	if strings.Contains(out2.String(), "First start") || !strings.Contains(out2.String(), "demo mode") {
		t.Fatalf("second start:\n%s", out2.String())
	}
}

// TestConfigDatabase: no --database is the embedded SQLite (today's
// default, nothing else needed); a postgres URL comes from the flag or
// STORELENS_DATABASE_URL; anything else is refused without echoing it.
func TestConfigDatabase(t *testing.T) {
	none := func(string) string { return "" }
	c, err := loadConfig(nil, none, io.Discard)
	if err != nil || c.DatabaseURL != "" {
		t.Fatalf("default: %q %v, want empty (SQLite)", c.DatabaseURL, err)
	}
	const pg = "postgres://u:pw@127.0.0.1:5432/storelens"
	c, err = loadConfig(nil, func(k string) string {
		if k == "STORELENS_DATABASE_URL" {
			return pg
		}
		return ""
	}, io.Discard)
	if err != nil || c.DatabaseURL != pg {
		t.Fatalf("from env: %q %v", c.DatabaseURL, err)
	}
	c, err = loadConfig([]string{"--database", "postgresql:///x?host=/tmp"}, none, io.Discard)
	if err != nil || c.DatabaseURL != "postgresql:///x?host=/tmp" {
		t.Fatalf("from flag: %q %v", c.DatabaseURL, err)
	}
	_, err = loadConfig([]string{"--database", "mysql://u:secretpw@h/db"}, none, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--database") || strings.Contains(err.Error(), "secretpw") {
		t.Fatalf("bad URL: %v, want a --database error that does not echo the password", err)
	}
}

// TestConfigInstanceURL: no --instance-url is one instance (no relay); the
// flag or STORELENS_INSTANCE_URL is kept without a trailing slash; a URL
// that is not http(s) with a host is refused.
func TestConfigInstanceURL(t *testing.T) {
	none := func(string) string { return "" }
	if c, err := loadConfig(nil, none, io.Discard); err != nil || c.InstanceURL != "" {
		t.Fatalf("default: %q %v, want empty", c.InstanceURL, err)
	}
	c, err := loadConfig(nil, func(k string) string {
		if k == "STORELENS_INSTANCE_URL" {
			return "http://10.0.0.5:8080/"
		}
		return ""
	}, io.Discard)
	if err != nil || c.InstanceURL != "http://10.0.0.5:8080" {
		t.Fatalf("from env: %q %v", c.InstanceURL, err)
	}
	for _, bad := range []string{"10.0.0.5:8080", "ftp://10.0.0.5", "http://10.0.0.5:8080/?x=1"} {
		if _, err := loadConfig([]string{"--instance-url", bad}, none, io.Discard); err == nil || !strings.Contains(err.Error(), "--instance-url") {
			t.Errorf("%q: %v, want an --instance-url error", bad, err)
		}
	}
}
