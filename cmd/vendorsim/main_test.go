package main

import "testing"

func TestLoopbackOnly(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:9101", "[::1]:0", "localhost:80"} {
		if err := loopbackOnly(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"0.0.0.0:9101", ":9101", "192.168.1.2:80", "example.com:80"} {
		if loopbackOnly(bad) == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
