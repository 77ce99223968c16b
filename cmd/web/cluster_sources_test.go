package main

import (
	"context"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// TestPostgresOneChannelPerCamera: two instances on one database and a
// LAN camera delivering by its message channel (003 §2). The camera has
// one channel client at a time, whichever instance it is; when that
// instance is killed (SIGKILL) the other takes the channel over, and every
// event the camera made, before, during and after, is stored exactly once
// (the camera re-publishes what no client acknowledged).
func TestPostgresOneChannelPerCamera(t *testing.T) {
	base := modelstest.PostgresURL()
	if base == "" {
		t.Skip("needs " + modelstest.EnvURL + " (scripts/pgtest.sh)")
	}
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	dbURL, err := modelstest.NewDatabase(t, base)
	if err != nil {
		t.Fatal(err)
	}
	f := newClusterFixture(t, dbURL)
	ctx := context.Background()
	chAddr, err := f.cam.ListenChannel("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var cam models.Camera
	if err := f.st.DB().Where("sn = ?", f.sn).First(&cam).Error; err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(chAddr.String()[len("127.0.0.1:"):])
	if err := f.st.SetCameraEventDelivery(ctx, cam.ID, events.DeliveryChannel, port); err != nil {
		t.Fatal(err)
	}

	// Never two clients at once, sampled all along.
	var most atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if n := int64(f.cam.ChannelSessions()); n > most.Load() {
				most.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	defer func() { close(stop); <-sampled }()

	a := f.start("a")
	waitSessions(t, f.cam, 1, 20*time.Second)
	b := f.start("b")
	_ = b
	var made []int64
	emit := func(n int) {
		for range n {
			made = append(made, f.cam.Emit(lansim.Spec{}))
			time.Sleep(10 * time.Millisecond)
		}
	}
	emit(20)
	// Time for B to try the lead and be refused a few times.
	time.Sleep(3 * time.Second)
	if n := most.Load(); n != 1 {
		t.Fatalf("with two instances the camera had %d channel clients at once, want 1", n)
	}

	// Kill the one holding the channel mid-stream; the other takes it.
	done := make(chan struct{})
	go func() { defer close(done); emit(30) }()
	time.Sleep(100 * time.Millisecond)
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.cmd.Wait()
	<-done
	waitSessions(t, f.cam, 1, 30*time.Second)
	emit(10)

	deadline := time.Now().Add(30 * time.Second)
	for {
		bad := storedEachOnce(t, f, made)
		if len(bad) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events not stored exactly once after the takeover: %v", len(bad), len(made), bad[:min(len(bad), 10)])
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := most.Load(); n != 1 {
		t.Fatalf("the camera had %d channel clients at once, want 1", n)
	}
}

func waitSessions(t *testing.T, cam *lansim.Camera, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for cam.ChannelSessions() != want {
		if time.Now().After(deadline) {
			t.Fatalf("the camera has %d channel sessions after %s, want %d", cam.ChannelSessions(), within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// storedEachOnce lists the camera's events not stored exactly once.
func storedEachOnce(t *testing.T, f *clusterFixture, ids []int64) []string {
	ack := map[int64]bool{}
	for _, id := range ids {
		ack[id] = true
	}
	return f.storedOnce(ack)
}
