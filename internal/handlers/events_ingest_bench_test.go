package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"storelens/internal/models"
)

// BenchmarkEventIngest (BENCHMARKS.md, issue 18): signed camera webhooks
// posted over loopback HTTP to the real handler (/hooks/sunmi-ipc:
// multipart parse, signature, timestamp window, replay check, payload,
// store before the acknowledgement, publish to the hub) at a target rate,
// from many cameras' connections at once, for a while. It reports the
// acknowledged events a second and the post's latency (send to the 200),
// checks that every acknowledged event is stored exactly once, and
// measures, in the same run and the same database (same pragmas), the raw
// commit rate of SQLite: single-row INSERT transactions on a scratch table,
// one after another.
//
// It runs once whatever b.N is (use -benchtime 1x). STORELENS_INGEST_SECONDS
// (10) and STORELENS_INGEST_RATE (5,000 a second) change the duration and
// the rate; STORELENS_INGEST_POSTERS (64) the concurrent connections.
func BenchmarkEventIngest(b *testing.B) {
	dur := envDuration("STORELENS_INGEST_SECONDS", 10) * time.Second
	rate := int(envDuration("STORELENS_INGEST_RATE", 5000))
	posters := int(envDuration("STORELENS_INGEST_POSTERS", 64))
	opts, alertsOn := ingestAlerts() // STORELENS_INGEST_ALERTS=1: the alerts area too
	a := newEventsApp(b, opts)
	startIngestAlerts(b, a, alertsOn)
	ctx, cancel := context.WithTimeout(context.Background(), dur+2*time.Minute)
	defer cancel()

	rawRate := rawCommitRate(b, ctx, a.st, 3*time.Second)

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: posters, MaxIdleConnsPerHost: posters, IdleConnTimeout: time.Minute}}
	hookURL := a.srv.URL + "/hooks/sunmi-ipc"
	var nextID atomic.Int64
	var acked, refused atomic.Int64
	lat := make([][]float64, posters)
	start := time.Now()
	end := start.Add(dur)
	every := time.Duration(posters) * time.Second / time.Duration(rate)
	var r0, r1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	var wg sync.WaitGroup
	for p := 0; p < posters; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			next := start.Add(time.Duration(p) * every / time.Duration(posters))
			lat[p] = make([]float64, 0, int(dur/every)+16)
			for time.Now().Before(end) && ctx.Err() == nil {
				time.Sleep(time.Until(next))
				next = next.Add(every)
				id := nextID.Add(1)
				ct, body := hookPost(facePayload(int(id), ingestGroup(id)), hookSecret, time.Now(), fmt.Sprintf("r%09d", id))
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, bytes.NewReader(body))
				req.Header.Set("Content-Type", ct)
				res, err := client.Do(req)
				if err != nil {
					refused.Add(1)
					continue
				}
				msg, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					if refused.Add(1) == 1 {
						b.Logf("post refused: %d %s", res.StatusCode, msg)
					}
					continue
				}
				lat[p] = append(lat[p], float64(time.Since(t0))/1e6)
				acked.Add(1)
			}
		}(p)
	}
	wg.Wait()
	elapsed := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	cpu := time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())

	var all []float64
	for _, l := range lat {
		all = append(all, l...)
	}
	var stored int64
	if err := a.st.DB().WithContext(ctx).Model(&models.Event{}).Count(&stored).Error; err != nil {
		b.Fatal(err)
	}
	evRate := float64(acked.Load()) / elapsed.Seconds()
	b.ReportMetric(evRate, "events/s")
	b.ReportMetric(pct(all, 50), "p50-ms")
	b.ReportMetric(pct(all, 99), "p99-ms")
	b.ReportMetric(pct(all, 99.9), "p999-ms")
	b.ReportMetric(rawRate, "raw-commits/s")
	b.ReportMetric(evRate/rawRate*100, "of-raw-%")
	b.ReportMetric(float64(refused.Load()), "refused")
	// CPU of the whole process (server and the in-process cameras that
	// sign and encode each post) an acknowledged event, and the share of
	// the two cores it got: on a shared machine these say more than the rate.
	if n := acked.Load(); n > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/event")
	}
	b.ReportMetric(cpu.Seconds()/elapsed.Seconds()*100, "cpu-%-of-1-core")
	if stored != acked.Load() {
		b.Errorf("%d events acknowledged, %d stored", acked.Load(), stored)
	}
	if refused.Load() > 0 {
		b.Errorf("%d posts not acknowledged", refused.Load())
	}
}

// rawCommitRate is how many single-row INSERT transactions a second st's
// database commits, one after another, for d: the ceiling of a writer that
// commits every event on its own.
func rawCommitRate(b *testing.B, ctx context.Context, st *models.Store, d time.Duration) float64 {
	b.Helper()
	db, err := st.DB().DB()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, v TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	defer db.ExecContext(context.Background(), `DROP TABLE bench_scratch`)
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bench_scratch (at, v) VALUES (?, ?)`, time.Now().UnixNano(), fmt.Sprintf("row %d", n)); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}
