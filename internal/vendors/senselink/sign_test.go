package senselink

import (
	"testing"
	"time"
)

// NOTES.md's vectors, the input written out: timestamp, "#", secret.
func TestSignVectors(t *testing.T) {
	for _, c := range []struct{ ts, secret, input, want string }{
		{"1477881215000", "2323dsfadfewrasa3434", "1477881215000#2323dsfadfewrasa3434", "e5ef72ef839bdf5397b4906b199b9fbf"},
		{"1763788800000", "9f8e7d6c5b4a39281706", "1763788800000#9f8e7d6c5b4a39281706", "09e9ca9d25263940ee145f73885276a2"},
	} {
		if c.ts+"#"+c.secret != c.input {
			t.Fatalf("input %q", c.input)
		}
		if got := Sign(c.ts, c.secret); got != c.want {
			t.Errorf("Sign(%s) = %s, want %s", c.input, got, c.want)
		}
	}
	if got := Timestamp(time.UnixMilli(1477881215000)); got != "1477881215000" {
		t.Errorf("Timestamp = %s", got)
	}
}
