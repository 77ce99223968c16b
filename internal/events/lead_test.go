package events_test

import (
	"context"
	"testing"
	"time"

	"storelens/internal/events"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// TestSourcesConnectOnlyWhileLeading: with several instances (Elected) a
// LAN camera's message channel is connected only while this instance
// leads the sources; losing the lead closes it, and what the camera made
// meanwhile arrives once the lead is back (the camera re-sends what no
// client acknowledged). The webhook receiver does not wait for the lead.
func TestSourcesConnectOnlyWhileLeading(t *testing.T) {
	f := newCameraFixtureOpts(t, nil, true)
	src := events.KindSunmiChannel + ":" + f.cam.SN
	f.choose(t, events.DeliveryChannel)
	standby := func() bool {
		for _, st := range f.svc.Sources().Status() {
			if st.ID == src {
				return st.Standby
			}
		}
		return false
	}
	waitFor(t, "the source on standby", standby)
	time.Sleep(300 * time.Millisecond)
	if n := f.sim.ChannelSessions(); n != 0 || f.svc.Sources().Leading() {
		t.Fatalf("%d channel sessions before this instance leads, want 0", n)
	}

	lead := func() context.CancelFunc {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); f.svc.Sources().Lead(ctx) }()
		return func() { cancel(); <-done }
	}
	stop := lead()
	waitFor(t, "the channel connected once leading", func() bool { return f.sim.ChannelSessions() == 1 })
	if standby() {
		t.Error("the source says standby while it runs here")
	}
	f.sim.Emit(lansim.Spec{Motion: 1})
	waitFor(t, "the first event stored", func() bool { return len(f.stored(t, src)) == 1 })

	stop()
	waitFor(t, "the channel closed with the lead", func() bool { return f.sim.ChannelSessions() == 0 })
	waitFor(t, "the source on standby again", standby)
	f.sim.Emit(lansim.Spec{Motion: 2}) // no client: the camera keeps it
	time.Sleep(200 * time.Millisecond)
	if n := len(f.stored(t, src)); n != 1 {
		t.Fatalf("%d events stored while not leading, want 1", n)
	}

	stop = lead()
	defer stop()
	waitFor(t, "the channel connected again", func() bool { return f.sim.ChannelSessions() == 1 })
	waitFor(t, "the event made meanwhile stored", func() bool { return len(f.stored(t, src)) == 2 })
}
