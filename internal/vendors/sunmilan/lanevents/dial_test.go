package lanevents_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/vendors/sunmilan/lanevents"
)

// The message channel dials through ChannelConfig.Dial (StoreLens's
// outbound guard), and a refusal there is the state the page shows.
func TestChannelDialsThroughConfigDial(t *testing.T) {
	cam, tc := newCamera(t, "FM020", nil)
	addr, err := cam.ListenChannel("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	run := func(dial func(context.Context, string, string) (net.Conn, error)) lanevents.ChannelState {
		t.Helper()
		states := make(chan lanevents.ChannelState, 10)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			done <- lanevents.RunChannel(ctx, lanevents.ChannelConfig{Addr: addr.String(), TLS: tc, AppID: appID, Secret: secret,
				Handle: newStore().handle, MinBackoff: 20 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Dial: dial,
				OnState: func(s lanevents.ChannelState) {
					select {
					case states <- s:
					default:
					}
				}})
		}()
		var st lanevents.ChannelState
		select {
		case st = <-states:
		case <-ctx.Done():
			t.Fatal("no channel state within 10 s")
		}
		cancel()
		<-done
		return st
	}
	var dials atomic.Int64
	st := run(func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		if a != addr.String() {
			t.Errorf("dialled %s, want %s", a, addr)
		}
		return (&net.Dialer{}).DialContext(ctx, network, a)
	})
	if !st.Connected || dials.Load() == 0 {
		t.Fatalf("through a plain Dial: %+v after %d dials", st, dials.Load())
	}
	refused := errors.New("refused by policy")
	st = run(func(context.Context, string, string) (net.Conn, error) { return nil, refused })
	if st.Connected || !errors.Is(st.Err, refused) {
		t.Fatalf("through a refusing Dial: %+v", st)
	}
}
