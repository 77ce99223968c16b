package events

import (
	"context"
	"sync"
)

// The vendor connections a source keeps (a LAN camera's message channel,
// a SenseLink account's record push, a camera's webhook subscription) are
// wanted once across instances: a camera takes one channel client, and two
// pushes of one account would each be sent every record. With
// Config.Elected the sources' connections run only while this instance
// holds the sources' lead (Sources.Lead, run under a leader.Elector by the
// wiring); every instance still knows every source, so a webhook posted to
// any of them is verified and stored, and its pictures fetched.
//
// One lead for all the sources rather than one per source: a lock is a
// database connection held for as long as it is led, and a chain has
// thousands of LAN cameras. When the leader dies, another instance takes
// the lead within the elector's poll and starts them all: a channel
// resumes from what the camera re-sends (it keeps unacknowledged events),
// a push from its stored cursor. The retention sweep runs under the same
// lead: once across instances.

// gate is open while this instance leads the sources.
type gate struct {
	mu     sync.Mutex
	lead   context.Context // the lead's context while open
	opened chan struct{}   // closed when the gate opens; a new one after it closes
	shut   chan struct{}   // closed once a lead that ended is cleared
}

func newGate(open bool) *gate {
	g := &gate{opened: make(chan struct{})}
	if open {
		g.lead = context.Background()
		close(g.opened)
	}
	return g
}

// hold opens the gate until ctx ends.
func (g *gate) hold(ctx context.Context) {
	shut := make(chan struct{})
	g.mu.Lock()
	g.lead, g.shut = ctx, shut
	close(g.opened)
	g.mu.Unlock()
	<-ctx.Done()
	g.mu.Lock()
	g.lead = nil
	g.opened = make(chan struct{})
	g.mu.Unlock()
	close(shut)
}

// wait returns once the gate is open, with a context that ends when ctx
// ends or the lead does; ok is false when ctx ended first.
func (g *gate) wait(ctx context.Context) (context.Context, context.CancelFunc, bool) {
	for {
		if ctx.Err() != nil {
			return nil, nil, false
		}
		g.mu.Lock()
		lead, opened, shut := g.lead, g.opened, g.shut
		g.mu.Unlock()
		next := opened
		if lead != nil {
			if lead.Err() == nil {
				run, cancel := context.WithCancel(ctx)
				stop := context.AfterFunc(lead, cancel)
				return run, func() { stop(); cancel() }, true
			}
			next = shut // the lead ended and is being cleared
		}
		select {
		case <-ctx.Done():
			return nil, nil, false
		case <-next:
		}
	}
}

// Lead runs this instance's sources' vendor connections until ctx ends:
// the wiring calls it while this instance is the leader of "event
// sources". Without Config.Elected the connections always run and Lead
// only waits.
func (m *Sources) Lead(ctx context.Context) {
	if !m.s.cfg.Elected {
		<-ctx.Done()
		return
	}
	m.gate.hold(ctx)
}

// Leading reports whether this instance runs the sources' connections now.
func (m *Sources) Leading() bool {
	m.gate.mu.Lock()
	defer m.gate.mu.Unlock()
	return m.gate.lead != nil && m.gate.lead.Err() == nil
}
