package vendors

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestNormalizeMAC(t *testing.T) {
	good := map[string]string{
		"0C25766F5705":       "0C25766F5705",
		"0c:25:76:6f:57:05":  "0C25766F5705",
		"04:12:24:E3:45:12 ": "041224E34512", // LAN getInfo's trailing space
		"0C-25-76-6F-57-05":  "0C25766F5705",
		" 0c25.766f.5705":    "0C25766F5705",
	}
	for in, want := range good {
		if got, err := NormalizeMAC(in); err != nil || got != want {
			t.Errorf("NormalizeMAC(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0C25766F570", "0C25766F57055", "0G25766F5705", "0C:25:76:6F:57:0Z"} {
		if _, err := NormalizeMAC(bad); !errors.Is(err, ErrInvalidMAC) {
			t.Errorf("NormalizeMAC(%q) err = %v, want ErrInvalidMAC", bad, err)
		}
	}
}

type bare struct{}

func (bare) Vendor() string                 { return "bare" }
func (bare) Test(ctx context.Context) error { return nil }

func TestRegistry(t *testing.T) {
	r := NewRegistry(http.DefaultClient, Vendor{Name: "bare", Label: "Bare", New: func(Account, *http.Client) (Adapter, error) { return bare{}, nil }})
	a, err := r.Open(Account{Vendor: "bare"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AsDevices(a); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("AsDevices on an adapter without it: %v", err)
	}
	if _, err := r.Open(Account{Vendor: "nope"}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("unknown vendor: %v", err)
	}
	// With leaves the registry it was called on as it was.
	r2 := r.With("other", "Other", func(Account, *http.Client) (Adapter, error) { return bare{}, nil })
	if got := r.Names(); len(got) != 1 || len(r2.Names()) != 2 || r2.Label("bare") != "Bare" {
		t.Fatalf("With changed the original or lost a vendor: %v %v", got, r2.Names())
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a duplicate vendor did not panic")
		}
	}()
	r.With("bare", "", bare2)
}

func bare2(Account, *http.Client) (Adapter, error) { return bare{}, nil }

func TestErrorText(t *testing.T) {
	e := &Error{Vendor: "sunmicloud", Op: "/device/ipc/bind", Kind: KindAlreadyBound, Code: 5509, Msg: "设备被绑定"}
	if got := e.Error(); got != "sunmicloud /device/ipc/bind: already_bound (code 5509 设备被绑定)" {
		t.Fatalf("Error() = %q", got)
	}
	if KindOf(errors.Join(errors.New("x"), e)) != KindAlreadyBound {
		t.Fatal("KindOf does not see through wrapping")
	}
}
