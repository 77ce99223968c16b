package events

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// CallbackPath is where cameras post their webhooks (003 §1) to this
// server.
const CallbackPath = "/hooks/sunmi-ipc"

// CallbackURL is the one rule for the callback StoreLens hands a camera or
// vendor: the public base (--public-url, STORELENS_PUBLIC_URL) followed by
// CallbackPath when it is set, keeping any path prefix of a reverse proxy;
// else built from the listen address, on loopback when the server listens
// on every interface (enough for a camera on the same machine: the demo
// and the tests). "" when neither says where the server is (port 0 before
// it listens).
func CallbackURL(public *url.URL, listen string) string {
	if public != nil && public.Host != "" {
		u := *public
		u.RawQuery, u.Fragment, u.RawPath = "", "", ""
		u.Path = strings.TrimRight(u.Path, "/") + CallbackPath
		return u.String()
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "0" || port == "" {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + CallbackPath
}

// ErrLoopbackCallback is a webhook delivery refused because the callback
// is on loopback while the camera is not: the camera would post to itself.
// --public-url (STORELENS_PUBLIC_URL) gives the address cameras reach.
var ErrLoopbackCallback = errors.New("events: the webhook callback is on loopback but the camera is not; set --public-url (STORELENS_PUBLIC_URL) to the address cameras reach")

// loopbackHost reports whether host (a name or an IP, without port) is this
// machine's loopback.
func loopbackHost(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackURL reports whether a URL's host is loopback.
func loopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Host != "" && loopbackHost(u.Hostname())
}
