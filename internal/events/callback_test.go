package events_test

import (
	"net/url"
	"testing"

	"storelens/internal/events"
)

// The callback a camera is given: --public-url's base (with a reverse
// proxy's path prefix kept) plus /hooks/sunmi-ipc, else the listen
// address, on loopback when listening on every interface.
func TestCallbackURL(t *testing.T) {
	pub := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for _, c := range []struct {
		public *url.URL
		listen string
		want   string
	}{
		{pub("https://storelens.example.com"), ":8080", "https://storelens.example.com/hooks/sunmi-ipc"},
		{pub("https://storelens.example.com/"), "127.0.0.1:8080", "https://storelens.example.com/hooks/sunmi-ipc"},
		{pub("https://example.com/storelens"), ":8080", "https://example.com/storelens/hooks/sunmi-ipc"},
		{pub("https://example.com/a/storelens/"), ":8080", "https://example.com/a/storelens/hooks/sunmi-ipc"},
		{pub("http://192.168.1.5:8080"), "127.0.0.1:0", "http://192.168.1.5:8080/hooks/sunmi-ipc"},
		{nil, ":8080", "http://127.0.0.1:8080/hooks/sunmi-ipc"},
		{nil, "0.0.0.0:8080", "http://127.0.0.1:8080/hooks/sunmi-ipc"},
		{nil, "[::]:8080", "http://127.0.0.1:8080/hooks/sunmi-ipc"},
		{nil, "192.168.1.5:9090", "http://192.168.1.5:9090/hooks/sunmi-ipc"},
		{nil, "127.0.0.1:0", ""},
		{nil, "nonsense", ""},
	} {
		if got := events.CallbackURL(c.public, c.listen); got != c.want {
			t.Errorf("CallbackURL(%v, %q) = %q, want %q", c.public, c.listen, got, c.want)
		}
	}
}

// A SenseLink account's push server is its API's host on port 9000.
func TestPushURLOf(t *testing.T) {
	for base, want := range map[string]string{
		"https://senselink.example.com": "wss://senselink.example.com:9000",
		"https://10.0.0.8:443/":         "wss://10.0.0.8:9000",
		"http://10.0.0.8:8080":          "ws://10.0.0.8:9000",
		"http://[fd00::8]:8080/api":     "ws://[fd00::8]:9000",
		"ftp://senselink.example.com":   "",
		"senselink.example.com":         "",
	} {
		got, err := events.PushURLOf(base)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("PushURLOf(%q) = %q, %v; want %q", base, got, err, want)
		}
	}
}
