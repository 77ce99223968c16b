package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"storelens/internal/models"
)

// --photo-memory (and STORELENS_PHOTO_MEMORY) reads sizes in MB or GB,
// 256 MB when not given; nonsense and budgets too small for a phone photo
// are refused by name.
func TestConfigPhotoMemory(t *testing.T) {
	none := func(string) string { return "" }
	for args, want := range map[string]int64{"": 256 << 20, "512MB": 512 << 20, "1GB": 1 << 30, "64": 64 << 20, "300MiB": 300 << 20, "2g": 2 << 30} {
		argv := []string{}
		if args != "" {
			argv = []string{"--photo-memory", args}
		}
		c, err := loadConfig(argv, none, io.Discard)
		if err != nil || c.PhotoMemory != want {
			t.Errorf("--photo-memory %q: %d %v, want %d", args, c.PhotoMemory, err, want)
		}
	}
	c, err := loadConfig(nil, func(k string) string { return map[string]string{"STORELENS_PHOTO_MEMORY": "128MB"}[k] }, io.Discard)
	if err != nil || c.PhotoMemory != 128<<20 {
		t.Errorf("from the environment: %d %v", c.PhotoMemory, err)
	}
	for _, bad := range []string{"lots", "-5MB", "16MB", "0", "1.5GB"} {
		if _, err := loadConfig([]string{"--photo-memory", bad}, none, io.Discard); err == nil || !strings.Contains(err.Error(), "--photo-memory") {
			t.Errorf("--photo-memory %q: err = %v", bad, err)
		}
	}
}

// TestPhotoServerHelper is the server process of BenchmarkPhotoParallel32:
// it runs only when that benchmark starts this binary again. Beside the
// server it samples its own heap every millisecond and writes the highest
// value to STORELENS_PHOTO_HEAP_FILE when it stops.
func TestPhotoServerHelper(t *testing.T) {
	args := os.Getenv("STORELENS_PHOTO_ARGS")
	if args == "" {
		t.Skip("runs only as the photo benchmark's server")
	}
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// SIGUSR1 starts a new measurement (the benchmark sends it just before
	// a burst, so the sign-in's password hashing is not counted).
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	var peakHeap, peakTotal uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peakHeap = max(peakHeap, sample[0].Value.Uint64())
			peakTotal = max(peakTotal, sample[1].Value.Uint64())
			select {
			case <-done:
				return
			case <-usr1:
				peakHeap, peakTotal = 0, 0
			case <-tick.C:
			}
		}
	})
	code := run(ctx, argv, os.Getenv, os.Stdout, os.Stderr)
	close(done)
	wg.Wait()
	if f := os.Getenv("STORELENS_PHOTO_HEAP_FILE"); f != "" {
		os.WriteFile(f, fmt.Appendf(nil, "%d %d\n", peakHeap, peakTotal), 0o600)
	}
	if code != 0 {
		t.Fatalf("server exited %d", code)
	}
}

// BenchmarkPhotoParallel32: the real server (this binary started again,
// with the default photo settings) receives 32 uploads of a 12-megapixel
// JPEG at once at POST /shops/:id/faces/photo, what faces.js sends when a
// photo is chosen. Each iteration is one burst of 32. Reported: the
// server's peak RSS over the bursts (VmHWM, reset before the first burst),
// its RSS before, its highest Go heap and Go total memory (runtime/metrics,
// sampled every millisecond in the server), how many uploads were answered
// 200 and how many refused with 503 (busy), and the seconds of a burst.
//
// STORELENS_PHOTO_MEMORY and GOMEMLIMIT pass through to the server.
func BenchmarkPhotoParallel32(b *testing.B) {
	const parallel = 32
	dir := b.TempDir()
	dataDir := filepath.Join(dir, "data")
	os.MkdirAll(dataDir, 0o700)
	st, err := models.Open(context.Background(), filepath.Join(dataDir, "storelens.db"), models.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	shop := models.Shop{Name: "Photo benchmark shop"}
	if err := st.CreateShop(context.Background(), &shop); err != nil {
		b.Fatal(err)
	}
	st.Close()
	photo := phonePhoto(b, 4000, 3000)

	addr := freeAddrB(b)
	base := "http://" + addr
	argv, _ := json.Marshal([]string{"--addr", addr, "--data-dir", dataDir, "--demo", "off", "--log-level", "warn"})
	heapFile := filepath.Join(dir, "heap")
	logFile, _ := os.Create(filepath.Join(dir, "server.log"))
	defer logFile.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPhotoServerHelper$")
	cmd.Env = append(os.Environ(), "STORELENS_PHOTO_ARGS="+string(argv), "STORELENS_ADMIN_PASSWORD=photo-bench-password",
		"STORELENS_PHOTO_HEAP_FILE="+heapFile)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("the server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 5 * time.Minute, Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: parallel}}
	res, err := hc.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {"photo-bench-password"}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	target := base + "/shops/" + strconv.FormatUint(uint64(shop.ID), 10) + "/faces/photo"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("photo", "IMG_0001.jpg")
	fw.Write(photo)
	mw.Close()
	form, ctype := body.Bytes(), mw.FormDataContentType()

	post := func() (int, string, error) {
		req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(form))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", base)
		res, err := hc.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		msg, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Retry-After") + " " + string(msg), nil
	}
	// One upload first: the server's code and the detector are warm, and
	// the photo must pass (200 with one face) or the burst proves nothing.
	if code, msg, err := post(); err != nil || code != 200 || !strings.Contains(msg, `"ok":true`) {
		b.Fatalf("first upload: %d %v %s", code, err, msg)
	}
	time.Sleep(2 * time.Second) // let the first upload's garbage be collected
	rssBefore := procStatus(b, cmd.Process.Pid, "VmRSS")
	// Reset the high-water mark to the current RSS (proc(5): clear_refs 5)
	// and the server's heap peak.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", cmd.Process.Pid), []byte("5"), 0); err != nil {
		b.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGUSR1)
	time.Sleep(50 * time.Millisecond)

	var ok, busy, other int
	var mu sync.Mutex
	var first string
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		for range parallel {
			wg.Go(func() {
				code, msg, err := post()
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && code == 200:
					ok++
				case err == nil && code == 503:
					busy++
					if first == "" {
						first = msg
					}
				default:
					other++
					if first == "" {
						first = fmt.Sprint(code, err, msg)
					}
				}
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	peak := procStatus(b, cmd.Process.Pid, "VmHWM")
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	var heap, total uint64
	if data, err := os.ReadFile(heapFile); err == nil {
		fmt.Sscan(string(data), &heap, &total)
	}
	if other > 0 {
		b.Errorf("%d uploads neither 200 nor 503; first: %s", other, first)
	} else if busy > 0 {
		b.Logf("first refusal: %s", first)
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(rssBefore)/1024, "RSS-before-MB")
	b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(total)/(1<<20), "peak-go-total-MB")
	b.ReportMetric(float64(ok)/float64(b.N), "ok/burst")
	b.ReportMetric(float64(busy)/float64(b.N), "503/burst")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/burst")
	b.ReportMetric(0, "ns/op")
}

// procStatus reads a kB field of /proc/<pid>/status.
func procStatus(t testing.TB, pid int, field string) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

func freeAddrB(t testing.TB) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// phonePhoto is a w x h JPEG of a phone photo's weight: astronaut.png's
// face filling the height in the middle, on sensor-like grain.
func phonePhoto(t testing.TB, w, h int) []byte {
	t.Helper()
	f, err := os.ReadFile("../../internal/photos/testdata/astronaut.png")
	if err != nil {
		t.Fatal(err)
	}
	src, err := png.Decode(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	a := image.NewRGBA(src.Bounds())
	draw.Draw(a, a.Bounds(), src, image.Point{}, draw.Src)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(img.Pix); i += 4 {
		v := uint8(90 + rng.IntN(60))
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = v, v+10, v-20, 255
	}
	x := (w - h) / 2
	ab := a.Bounds()
	for y := range h {
		sy := y * ab.Dy() / h
		for dx := range h {
			sx := dx * ab.Dx() / h
			img.SetRGBA(x+dx, y, a.RGBAAt(sx, sy))
		}
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
