package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"storelens/internal/models/modelstest"
)

// BenchmarkIngestThreeInstances (BENCHMARKS.md, issue 16): a camera's
// webhook posts offered at STORELENS_CLUSTER_RATE a second (3,000) for
// STORELENS_CLUSTER_SECONDS (20), spread in turn over three server
// processes on one PostgreSQL database, each with a browser's event feed
// open. Each post has its time in a fixed schedule (so a slow answer delays
// the clock it is measured against, not the load); the latency is from
// that time to the event's arrival at each of the three feeds. Reported:
// posts acknowledged a second, p50/p99/max of vendor post to browser, and
// lost (an acknowledged post not stored once, or a stored event a feed did
// not get once). Needs STORELENS_TEST_DATABASE_URL (scripts/pgtest.sh).
func BenchmarkIngestThreeInstances(b *testing.B) {
	base := modelstest.PostgresURL()
	if base == "" {
		b.Skip("needs " + modelstest.EnvURL + " (scripts/pgtest.sh)")
	}
	rate := envInt("STORELENS_CLUSTER_RATE", 3000)
	dur := time.Duration(envInt("STORELENS_CLUSTER_SECONDS", 20)) * time.Second
	const posters = 48
	dbURL, err := modelstest.NewDatabase(b, base)
	if err != nil {
		b.Fatal(err)
	}
	cl := newClusterFixture(b, dbURL)
	cl.hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: posters}}
	ins := []*instanceProc{cl.start("A"), cl.start("B"), cl.start("C")}
	waitUntil(b, 30*time.Second, "the instances to subscribe the camera's webhook", func() bool { return len(cl.cam.Subscriptions()) > 0 })

	var feeds []*feedClient
	for _, p := range ins {
		jar, _ := cookiejar.New(nil)
		hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
		res, err := hc.PostForm(p.base+"/login", url.Values{"username": {"admin"}, "password": {"cluster-test-password"}})
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		feeds = append(feeds, &feedClient{base: p.base, jar: jar, seen: map[int64]int{}, at: map[int64]time.Time{}})
	}
	fctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, f := range feeds {
		go f.run(fctx)
	}
	waitUntil(b, 10*time.Second, "the feeds to connect", func() bool {
		for _, f := range feeds {
			if !f.connected() {
				return false
			}
		}
		return true
	})
	// A first post through each, so every instance has its statements
	// and connections ready.
	for _, p := range ins {
		if _, status, err := cl.postTo(p); err != nil || status != http.StatusOK {
			b.Fatalf("first post to %s: %d %v", p.name, status, err)
		}
	}

	b.ResetTimer()
	var (
		mu      sync.Mutex
		sched   = map[int64]time.Time{} // the camera's event id: its time in the schedule
		ackLat  []time.Duration
		refused int
		wg      sync.WaitGroup
	)
	start := time.Now().Add(100 * time.Millisecond)
	total := int(float64(rate) * dur.Seconds())
	every := time.Second / time.Duration(rate)
	for w := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < total; k += posters {
				at := start.Add(time.Duration(k) * every)
				time.Sleep(time.Until(at))
				id, status, err := cl.postTo(ins[k%len(ins)])
				done := time.Now()
				mu.Lock()
				if err != nil || status != http.StatusOK {
					refused++
				} else {
					sched[id] = at
					ackLat = append(ackLat, done.Sub(at))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	b.StopTimer()

	// Every acknowledged post stored once; every stored event at every feed once.
	ack := map[int64]bool{}
	for id := range sched {
		ack[id] = true
	}
	bad := cl.storedOnce(ack)
	var rows []struct {
		ID            int64
		VendorEventID string
	}
	if err := cl.st.DB().Raw("SELECT id, vendor_event_id FROM events WHERE device_sn = ?", cl.sn).Scan(&rows).Error; err != nil {
		b.Fatal(err)
	}
	for i, f := range feeds {
		waitUntil(b, 60*time.Second, "feed "+ins[i].name+" to have every stored event", func() bool { return f.count() >= len(rows) })
	}
	time.Sleep(500 * time.Millisecond) // a duplicate would have come by now
	var lat []time.Duration
	lost := len(bad)
	for _, f := range feeds {
		f.mu.Lock()
		for _, r := range rows {
			n := f.seen[r.ID]
			if n != 1 {
				lost++
				continue
			}
			vid, _ := strconv.ParseInt(r.VendorEventID, 10, 64)
			if at, ok := sched[vid]; ok {
				lat = append(lat, f.at[r.ID].Sub(at))
			}
		}
		f.mu.Unlock()
	}
	if lost > 0 {
		b.Errorf("%d lost or repeated (first: %v)", lost, bad[:min(len(bad), 5)])
	}
	if refused > 0 {
		b.Errorf("%d posts not acknowledged", refused)
	}
	slices.Sort(lat)
	slices.Sort(ackLat)
	q := func(d []time.Duration, f float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[min(len(d)-1, int(f*float64(len(d))))]
	}
	got := float64(len(sched)) / took.Seconds()
	b.ReportMetric(got, "events/s")
	b.ReportMetric(q(lat, 0.5).Seconds()*1000, "p50-ms")
	b.ReportMetric(q(lat, 0.99).Seconds()*1000, "p99-ms")
	b.ReportMetric(float64(lost), "lost")
	b.Logf("offered %d/s for %s: %d acknowledged (%.0f/s), %d refused, %d stored; post to browser (3 feeds): p50 %s p99 %s p999 %s max %s; post answered: p50 %s p99 %s",
		rate, dur, len(sched), got, refused, len(rows), q(lat, 0.5), q(lat, 0.99), q(lat, 0.999), q(lat, 1), q(ackLat, 0.5), q(ackLat, 0.99))
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
