package sunmilan

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"storelens/internal/vendors"
)

// dialLog is a Config.Dial that records each address and can refuse.
type dialLog struct {
	mu     sync.Mutex
	addrs  []string
	refuse error
}

func (d *dialLog) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	if d.refuse != nil {
		return nil, d.refuse
	}
	return (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
}

func (d *dialLog) n() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.addrs)
}

// Every connection to the camera (certificate check, signed calls) goes
// through Config.Dial, which is how StoreLens's outbound guard sees them;
// a refusal from it is the call's error.
func TestCameraConnectionsUseConfigDial(t *testing.T) {
	cam := newSimCamera(t, "C201D8BS00302", "FM020")
	d := &dialLog{}
	fp, err := FetchFingerprint(context.Background(), cam.Addr(), nil, d.dial)
	if err != nil || fp == "" || d.n() != 1 {
		t.Fatalf("fingerprint %q, %v after %d dials", fp, err, d.n())
	}
	c, err := New(Config{Address: cam.Addr(), AppID: testAppID, Secret: testSecret, ActivationCode: testActivation, Pin: fp,
		Dial: d.dial, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Activate(context.Background(), cam.SN()); err != nil {
		t.Fatal(err)
	}
	if d.n() < 2 {
		t.Fatalf("the signed call did not dial through Config.Dial (%d dials)", d.n())
	}

	refused := errors.New("refused by policy")
	bad := &dialLog{refuse: refused}
	if _, err := FetchFingerprint(context.Background(), cam.Addr(), nil, bad.dial); !errors.Is(err, refused) {
		t.Fatalf("fingerprint through a refusing dialer: %v", err)
	}
	c2, _ := New(Config{Address: cam.Addr(), AppID: testAppID, Secret: testSecret, ActivationCode: testActivation, Pin: fp,
		Dial: bad.dial, Sleep: func(context.Context, time.Duration) error { return nil }})
	defer c2.Close()
	if err := c2.Activate(context.Background(), cam.SN()); !errors.Is(err, refused) {
		t.Fatalf("call through a refusing dialer: %v", err)
	}
}

// Factory gives each camera client the dialer of its own address.
func TestFactoryDialsPerCamera(t *testing.T) {
	cam := newSimCamera(t, "C201D8BS00303", "FM020")
	var asked []string
	d := &dialLog{}
	f := Factory(func(address string) DialFunc { asked = append(asked, address); return d.dial })
	ad, err := f(vendors.Account{Vendor: Name, AppID: testAppID, Secret: testSecret, ActivationCode: testActivation}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := ad.(*Account)
	fp, err := a.Fingerprint(context.Background(), cam.Addr())
	if err != nil || fp == "" {
		t.Fatal(fp, err)
	}
	if len(asked) != 1 || asked[0] != cam.Addr() || d.n() != 1 {
		t.Fatalf("dialer asked for %v, %d dials", asked, d.n())
	}
}
