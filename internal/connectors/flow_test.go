package connectors

import (
	"testing"
	"time"
)

// A flow's bitrate is the rate since its older sample: since the flow
// began before the first sample, then over one to two sample periods.
func TestFlowRates(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	f := newFlow(t0)
	if in, out := f.rates(t0); in != 0 || out != 0 {
		t.Fatalf("at the start: %d %d", in, out)
	}
	f.in.Add(250_000) // 2 Mbit in the first second
	f.out.Add(12_500)
	if in, out := f.rates(t0.Add(time.Second)); in != 2_000_000 || out != 100_000 {
		t.Fatalf("after 1 s: %d in, %d out", in, out)
	}
	f.sample(t0.Add(5 * time.Second))
	f.in.Add(250_000)
	// Still since the start (the older sample): 500 kB over 10 s.
	if in, _ := f.rates(t0.Add(10 * time.Second)); in != 400_000 {
		t.Fatalf("before the second sample: %d", in)
	}
	f.sample(t0.Add(10 * time.Second))
	// The video stopped: the window since the 5 s sample still holds the
	// last 250 kB, then nothing.
	if in, _ := f.rates(t0.Add(15 * time.Second)); in != 200_000 {
		t.Fatalf("one window on: %d", in)
	}
	f.sample(t0.Add(15 * time.Second))
	if in, out := f.rates(t0.Add(20 * time.Second)); in != 0 || out != 0 {
		t.Fatalf("idle: %d %d", in, out)
	}
}

// Every dial is counted on its LAN host, whatever the port.
func TestFlowOfHost(t *testing.T) {
	var tn tunnel
	a, b := tn.flowOf("192.168.1.20:443"), tn.flowOf("192.168.1.20:554")
	if a != b {
		t.Fatal("two ports of one camera counted apart")
	}
	if c := tn.flowOf("192.168.1.21:554"); c == a {
		t.Fatal("two cameras counted together")
	}
	a.in.Add(10)
	fl := tn.flowList(time.Now())
	if len(fl) != 2 || fl[0].Host != "192.168.1.20" || fl[0].BytesIn != 10 || fl[1].Host != "192.168.1.21" {
		t.Fatalf("%+v", fl)
	}
}
