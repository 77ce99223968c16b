package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/i18n"
	"storelens/internal/reqlog"
)

// logBuffer collects JSON log lines from concurrent handlers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the log lines decoded.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// logServer is the request middleware of the real router in front of
// test handlers, logging JSON (as cmd/web builds it) into a buffer.
func logServer(t *testing.T, proxies []string, routes func(s *Server, r *gin.Engine)) (*httptest.Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	s := &Server{Deps: Deps{Log: slog.New(reqlog.NewHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		I18n: i18n.MustLoad(), TrustedProxies: proxies}, proxies: parseProxies(proxies)}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(s.requestLog, s.recovery, s.localize)
	routes(s, r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv, logs
}

// A browser that goes away while its request runs (a closed tab, a stopped
// stream) is logged at info level with the request's id, never as an error.
func TestCanceledRequestLogsAtInfoWithItsID(t *testing.T) {
	started := make(chan struct{})
	finished := make(chan struct{})
	srv, logs := logServer(t, []string{"127.0.0.1"}, func(s *Server, r *gin.Engine) {
		r.GET("/stream", func(c *gin.Context) {
			defer close(finished)
			close(started)
			select {
			case <-c.Request.Context().Done():
			case <-time.After(10 * time.Second):
			}
			s.logger(c).InfoContext(c.Request.Context(), "stream ending") // a line of the request's own
			s.fail(c, c.Request.Context().Err())
		})
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/stream", nil)
	req.Header.Set(reqlog.Header, "proxy-req-42") // loopback is a trusted proxy here
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler never started")
	}
	cancel()
	<-errc
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not see the cancellation")
	}
	// The request line is written after the handler returns.
	deadline := time.Now().Add(5 * time.Second)
	var request map[string]any
	for request == nil && time.Now().Before(deadline) {
		for _, l := range logs.lines(t) {
			if l["msg"] == "request" {
				request = l
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if request == nil {
		t.Fatal("no request line logged")
	}
	lines := logs.lines(t)
	for _, l := range lines {
		if l["level"] != "INFO" {
			t.Errorf("logged at %v, want INFO: %v", l["level"], l)
		}
		if l[reqlog.Key] != "proxy-req-42" {
			t.Errorf("line without the request id: %v", l)
		}
	}
	if request["client_gone"] != true || request["status"] != float64(499) {
		t.Errorf("request line: %v", request)
	}
	if len(lines) < 3 { // the handler's, fail's "client went away", the request's
		t.Errorf("only %d lines: %v", len(lines), lines)
	}
}

// An error page shows the id that the request's log lines carry; a client
// that is not a trusted proxy cannot choose the id.
func TestErrorPageShowsTheLoggedID(t *testing.T) {
	srv, logs := logServer(t, nil, func(s *Server, r *gin.Engine) {
		r.GET("/broken", func(c *gin.Context) { s.fail(c, errors.New("disk full")) })
	})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/broken", nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Accept-Language", "zh-CN")
	req.Header.Set(reqlog.Header, "forged") // not from a trusted proxy: ignored
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	id := resp.Header.Get(reqlog.Header)
	if resp.StatusCode != http.StatusInternalServerError || !reqlog.Valid(id) || id == "forged" {
		t.Fatalf("status %d, id %q", resp.StatusCode, id)
	}
	if !strings.Contains(body.String(), `data-testid="error-reference">参考编号：`+id+`</p>`) {
		t.Errorf("the page does not show the reference %s:\n%s", id, body.String())
	}
	var failed, request bool
	for _, l := range logs.lines(t) {
		if l[reqlog.Key] != id {
			t.Errorf("line without the page's id %s: %v", id, l)
		}
		switch l["msg"] {
		case "request failed":
			failed = l["level"] == "ERROR" && strings.Contains(l["err"].(string), "disk full")
		case "request":
			request = l["level"] == "ERROR" && l["status"] == float64(500)
		}
	}
	if !failed || !request {
		t.Errorf("want the failure and the request logged as errors: %v", logs.lines(t))
	}
}

// A well-formed X-Request-ID from a trusted proxy is kept and sent back; a
// malformed one is replaced.
func TestRequestIDFromTrustedProxy(t *testing.T) {
	srv, _ := logServer(t, []string{"127.0.0.1/32"}, func(s *Server, r *gin.Engine) {
		r.GET("/id", func(c *gin.Context) { c.String(http.StatusOK, reqlog.ID(c.Request.Context())) })
	})
	for sent, keep := range map[string]bool{"edge-7f3a": true, "has space": false, "": false} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/id", nil)
		if sent != "" {
			req.Header.Set(reqlog.Header, sent)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		got := resp.Header.Get(reqlog.Header)
		if got != body.String() || (got == sent) != keep || !reqlog.Valid(got) {
			t.Errorf("sent %q: header %q, context %q", sent, got, body.String())
		}
	}
}
