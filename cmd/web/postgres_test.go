package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"storelens/internal/models"
	"storelens/internal/models/modelstest"
)

// TestRunDemoOnPostgres: the whole server with --database on a fresh
// PostgreSQL database (scripts/pgtest.sh): it migrates, seeds the demo,
// signs the admin in, lists the demo shops, and /readyz says ready.
func TestRunDemoOnPostgres(t *testing.T) {
	base := modelstest.PostgresURL()
	if base == "" {
		t.Skip("needs " + modelstest.EnvURL + " (scripts/pgtest.sh)")
	}
	if testing.Short() {
		t.Skip("starts the whole server")
	}
	dbURL, err := modelstest.NewDatabase(t, base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan int, 1)
	dataDir := filepath.Join(t.TempDir(), "data")
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--data-dir", dataDir, "--demo", "on",
			"--log-level", "warn", "--database", dbURL}, func(string) string { return "" }, out, io.Discard)
	}()
	addrRe := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)
	var srv string
	for deadline := time.Now().Add(3 * time.Minute); srv == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := addrRe.FindStringSubmatch(out.String()); m != nil {
			srv = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("server exited %d:\n%s", code, out.String())
		default:
		}
	}
	if srv == "" {
		t.Fatalf("server did not start:\n%s", out.String())
	}
	resp, err := http.Get(srv + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ready" {
		t.Fatalf("readyz: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(out.String(), "demo mode") {
		t.Fatalf("--demo on did not say demo mode:\n%s", out.String())
	}
	pw := regexp.MustCompile(`user admin  password (\S+)`).FindStringSubmatch(out.String())
	if pw == nil {
		t.Fatalf("no admin password printed:\n%s", out.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err = c.PostForm(srv+"/login", url.Values{"username": {"admin"}, "password": {pw[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/" {
		t.Fatalf("sign-in on PostgreSQL ended at %s", resp.Request.URL)
	}
	resp, err = c.Get(srv + "/shops")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, shop := range []string{"南京西路店", "徐家汇店", "西湖银泰店"} {
		if !strings.Contains(string(body), shop) {
			t.Errorf("demo shop %s missing on PostgreSQL", shop)
		}
	}
	checkPhotosShared(t, dbURL, dataDir, pw[1])
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d:\n%s", code, out.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("did not shut down")
	}

	// --demo auto (the default) on an empty PostgreSQL database: a chain
	// being set up, so no demo.
	fresh, err := modelstest.NewDatabase(t, base)
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	out2 := &syncBuffer{}
	go func() {
		done <- run(ctx2, []string{"--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"),
			"--log-level", "warn", "--database", fresh}, func(string) string { return "" }, out2, io.Discard)
	}()
	for deadline := time.Now().Add(3 * time.Minute); !strings.Contains(out2.String(), "serving on") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	cancel2()
	<-done
	if !strings.Contains(out2.String(), "serving on") || strings.Contains(out2.String(), "demo mode") {
		t.Fatalf("--demo auto on an empty PostgreSQL database must serve without the demo:\n%s", out2.String())
	}
}

// checkPhotosShared: on PostgreSQL the face photos are the database's. The
// demo instance (data directory dataDir) kept none in its directory, and
// another instance (a process of its own with the same secret key, no
// demo, an empty data directory) serves one the demo enrolled.
func checkPhotosShared(t *testing.T, dbURL, dataDir, adminPassword string) {
	t.Helper()
	st, err := models.Open(context.Background(), filepath.Join(t.TempDir(), "unused.db"),
		models.Options{DatabaseURL: dbURL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var face struct {
		ShopID    uint
		PhotoHash string
	}
	if err := st.DB().Raw(`SELECT shop_id, photo_hash FROM faces WHERE photo_hash <> '' ORDER BY id LIMIT 1`).Scan(&face).Error; err != nil || face.PhotoHash == "" {
		t.Fatalf("no demo face with a photo: %v", err)
	}
	var blobs int64
	st.DB().Raw(`SELECT COUNT(*) FROM blobs WHERE space = 'faces'`).Scan(&blobs)
	if blobs == 0 {
		t.Fatal("no face photo in the database's blobs")
	}
	files := 0
	filepath.WalkDir(filepath.Join(dataDir, "faces", "photos"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files != 0 {
		t.Errorf("%d face photos kept in the instance's directory on PostgreSQL, want 0", files)
	}
	key, err := os.ReadFile(filepath.Join(dataDir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	b := startInstance(t, t.TempDir(), "b", dbURL, strings.TrimSpace(string(key)))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.PostForm(b.base+"/login", url.Values{"username": {"admin"}, "password": {adminPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(fmt.Sprintf("%s/shops/%d/faces/photos/%s", b.base, face.ShopID, face.PhotoHash))
	if err != nil {
		t.Fatal(err)
	}
	photo, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || len(photo) < 1000 {
		t.Fatalf("instance B serving the demo's face photo: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(photo))
	}
}
