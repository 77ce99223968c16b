package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestFlags(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--version"}, 0, "storelens-edge 0."},
		{[]string{"--data-dir", t.TempDir()}, 2, "--server is required"},
		{[]string{"--server", "https://127.0.0.1:1", "--status", "0.0.0.0:7081", "--allow", "127.0.0.2/32", "--data-dir", t.TempDir()}, 2, "a loopback host:port"},
		{[]string{"--server", "https://127.0.0.1:1", "--allow", "10.0.0.0/8,bogus", "--data-dir", t.TempDir()}, 2, `"bogus" is not a CIDR`},
		{[]string{"--server", "https://127.0.0.1:1", "--ports", "99999", "--data-dir", t.TempDir()}, 2, `"99999" is not a port`},
		{[]string{"--server", "ftp://x", "--allow", "127.0.0.2/32", "--data-dir", t.TempDir()}, 1, "is not an https:// URL"},
		{[]string{"--server", "https://127.0.0.1:1", "--ca", "/nonexistent.pem", "--data-dir", t.TempDir()}, 2, "--ca:"},
		// Pairing against a server that is not there fails with a message (loopback, closed port).
		{[]string{"--server", "https://127.0.0.1:1", "--pair", "ABCDE", "--status", "", "--allow", "127.0.0.2/32", "--data-dir", t.TempDir()}, 1, "pairing"},
	} {
		var out, errb bytes.Buffer
		code := run(ctx, c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String()+errb.String(), c.want) {
			t.Errorf("%v: exit %d, want %d; output %q, want %q", c.args, code, c.code, out.String()+errb.String(), c.want)
		}
	}
}
