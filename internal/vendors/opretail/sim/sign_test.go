package sim

import "testing"

// The simulator's own signing against NOTES.md's vector (worked out in the
// adapter's sign_test.go; the two packages share no code).
func TestSignVector(t *testing.T) {
	p := map[string]string{
		"_aid": "S107", "_akey": "demo-key", "_format": "json", "_mt": MethodIndicator, "_requestMode": "post",
		"_sm": "md5", "_timestamp": "20260110093000", "_version": "v1",
		"depId": "10086", "startTime": "2026-01-09 00:00:00", "endTime": "2026-01-09 23:59:59", "isOnBusinessTime": "0",
	}
	if got := signWith("md5", p, "s3cr3t"); got != "6C07CB0DDEB07578B21BBE4A843EB4FD" {
		t.Fatalf("sig %s", got)
	}
	if signWith("sha1", p, "s3cr3t") == signWith("md5", p, "s3cr3t") {
		t.Fatal("sha1 is md5")
	}
}
