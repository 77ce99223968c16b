package sunmicloud

import (
	"testing"
	"time"
)

// 000 §5.3.1's example URL: the auth_key's first field is the expiry.
func TestAuthKeyExpiry(t *testing.T) {
	u := "https://xxxxxxxx/C101P98200023/1219130724381102080.flv?auth_key=1579501989-729716105000265001016467621435-0-"
	if got := authKeyExpiry(u); !got.Equal(time.Unix(1579501989, 0)) {
		t.Fatalf("expiry %v", got)
	}
	for _, u := range []string{"https://h/a.flv", "https://h/a.flv?auth_key=abc-1-0-x", "::"} {
		if !authKeyExpiry(u).IsZero() {
			t.Fatalf("%q has an expiry", u)
		}
	}
}

func TestFixURL(t *testing.T) {
	for in, want := range map[string]string{
		"http: //xxxxxxxx/VIDEO/IPC/SS101D8BS00087/39C1": "http://xxxxxxxx/VIDEO/IPC/SS101D8BS00087/39C1",
		"https:  //h/x": "https://h/x",
		" https://h/x ": "https://h/x",
		"":              "",
	} {
		if got := fixURL(in); got != want {
			t.Errorf("fixURL(%q) = %q", in, got)
		}
	}
}
