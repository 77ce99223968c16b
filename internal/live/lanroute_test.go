package live

import (
	"context"
	"errors"
	"net"
	"testing"

	"storelens/internal/netguard"
)

// A LAN camera's RTSP dial goes through Options.LANDial with the camera's
// shop (its connector in chain mode); a session without a shop does not.
func TestMediaDialRoutesByShop(t *testing.T) {
	errRouted := errors.New("routed")
	var shops []uint
	m := NewManager(Options{LANDial: func(shop uint, direct DialFunc) DialFunc {
		return func(ctx context.Context, network, addr string) (net.Conn, error) {
			if direct == nil {
				t.Error("no direct dialer given to the route")
			}
			shops = append(shops, shop)
			return nil, errRouted
		}
	}})
	s := &Session{m: m, info: Info{Media: &netguard.Policy{Shop: 7, What: "stream"}}}
	if _, err := s.mediaDial()(context.Background(), "tcp", "192.0.2.1:554"); !errors.Is(err, errRouted) || len(shops) != 1 || shops[0] != 7 {
		t.Fatalf("shop 7's camera: %v, routed for %v", err, shops)
	}
	s = &Session{m: m, info: Info{}}
	if d := s.mediaDial(); d != nil {
		t.Fatal("a session without a camera policy was routed")
	}
}
