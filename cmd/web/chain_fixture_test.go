package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"storelens/internal/connectors/edge"
	"storelens/internal/models"
)

// chainCentral is a central server of a chain-mode test: the real server
// (build, all its tasks) on a fresh data directory behind a TLS test
// listener, one shop, and an admin signed in.
type chainCentral struct {
	t    *testing.T
	ctx  context.Context
	e    *env
	a    *app
	srv  *httptest.Server
	pool *x509.CertPool
	web  *webSession
	shop models.Shop
}

// webSession is a signed-in browser of one server: its cookies, its pages
// unescaped.
type webSession struct {
	t    testing.TB
	base string
	hc   *http.Client
}

// post submits a form: the status, the path it ends on and the page.
func (w *webSession) post(path string, form url.Values) (int, string, string) {
	w.t.Helper()
	res, err := w.hc.PostForm(w.base+path, form)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Request.URL.Path, html.UnescapeString(string(b))
}

func (w *webSession) get(path string) string {
	w.t.Helper()
	res, err := w.hc.Get(w.base + path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return html.UnescapeString(string(b))
}

// newChainCentral starts it; before runs after the shop exists and before
// the tasks start (records the test needs at start).
func newChainCentral(t *testing.T, ctx context.Context, before func(e *env, shop models.Shop)) *chainCentral {
	t.Helper()
	const password = "chain-fixture-password"
	cfg, err := loadConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"), "--demo", "off"},
		func(k string) string {
			if k == "STORELENS_ADMIN_PASSWORD" {
				return password
			}
			return ""
		}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	e, err := openEnv(ctx, cfg, log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.close(log) })
	c := &chainCentral{t: t, ctx: ctx, e: e, shop: models.Shop{Name: "Chain shop", Timezone: "Asia/Shanghai"}}
	if err := e.store.CreateShop(ctx, &c.shop); err != nil {
		t.Fatal(err)
	}
	if before != nil {
		before(e, c.shop)
	}
	if c.a, err = build(ctx, cfg, log, e, io.Discard); err != nil {
		t.Fatal(err)
	}
	c.srv = httptest.NewUnstartedServer(c.a.srv.Handler)
	c.srv.StartTLS()
	t.Cleanup(c.srv.Close)
	if err := c.a.tasks.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.a.tasks.Stop() })
	c.pool = x509.NewCertPool()
	c.pool.AddCert(c.srv.Certificate())
	jar, _ := cookiejar.New(nil)
	c.web = &webSession{t: t, base: c.srv.URL, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.pool}}}}
	c.post("/login", url.Values{"username": {"admin"}, "password": {password}})
	return c
}

func (c *chainCentral) shopPath() string { return fmt.Sprintf("/shops/%d", c.shop.ID) }

// post submits a form and returns the page it ends on (unescaped); any
// status but 200 fails the test.
func (c *chainCentral) post(path string, form url.Values) string {
	c.t.Helper()
	code, _, page := c.web.post(path, form)
	if code != http.StatusOK {
		c.t.Fatalf("POST %s: %d\n%s", path, code, page)
	}
	return page
}

func (c *chainCentral) get(path string) string { return c.web.get(path) }

// pairEdge adds a connector on the shop's page, pairs an edge with the
// code shown (its policy given) and runs it until the test ends or stop is
// called; it returns once the connector page says online.
func (c *chainCentral) pairEdge(policy *edge.Policy) (stop func()) {
	c.t.Helper()
	page := c.post(c.shopPath()+"/connector/add", nil)
	m := regexp.MustCompile(`storelens-edge --server (\S+) --pair (\S+) --data-dir`).FindStringSubmatch(page)
	if m == nil {
		c.t.Fatalf("no command on the page:\n%s", page)
	}
	up := make(chan struct{}, 4)
	ed, err := edge.New(edge.Config{Server: m[1], DataDir: c.t.TempDir(), Policy: policy, RootCAs: c.pool,
		Log: slog.New(slog.DiscardHandler), OnConnect: func() { up <- struct{}{} }})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := ed.Pair(c.ctx, m[2]); err != nil {
		c.t.Fatal(err)
	}
	ectx, cancel := context.WithCancel(c.ctx)
	done := make(chan error, 1)
	go func() { done <- ed.Run(ectx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			c.t.Error("edge did not stop")
		}
	}
	c.t.Cleanup(stop)
	select {
	case <-up:
	case <-time.After(10 * time.Second):
		c.t.Fatal("edge not connected within 10 s")
	}
	c.waitConnector(`badge-ok`, "online")
	return stop
}

// waitConnector waits for the connector page to show marker.
func (c *chainCentral) waitConnector(marker, what string) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(c.get(c.shopPath()+"/connector"), marker) {
		if time.Now().After(deadline) {
			c.t.Fatalf("the connector page does not turn %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
