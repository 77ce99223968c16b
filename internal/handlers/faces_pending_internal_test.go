package handlers

import (
	"strconv"
	"testing"
	"time"
)

// The pending uploads cannot grow without bound: a session keeps its
// newest few, all sessions together at most pendingMax.
func TestPendingUploadsBounded(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	p := newPendingUploads(func() time.Time { return now }, time.Hour)
	var toks []string
	for i := 0; i < pendingPerSession+3; i++ {
		now = now.Add(time.Second)
		toks = append(toks, p.put("s1", 1, strconv.Itoa(i)))
	}
	if n := p.size(); n != pendingPerSession {
		t.Fatalf("one session keeps %d", n)
	}
	if _, ok := p.get("s1", 1, toks[0]); ok {
		t.Fatal("the oldest of the session was kept")
	}
	if h, ok := p.get("s1", 1, toks[len(toks)-1]); !ok || h != strconv.Itoa(len(toks)-1) {
		t.Fatalf("the newest: %q %v", h, ok)
	}
	// The same photo again keeps its token.
	if again := p.put("s1", 1, strconv.Itoa(len(toks)-1)); again != toks[len(toks)-1] {
		t.Fatal("a new token for the same photo")
	}
	for i := 0; i < pendingMax+50; i++ {
		p.put("s"+strconv.Itoa(i+2), 1, "h")
	}
	if n := p.size(); n > pendingMax {
		t.Fatalf("%d pending in all", n)
	}
	// Expired ones go at the next put.
	now = now.Add(2 * time.Hour)
	p.put("late", 1, "h")
	if n := p.size(); n != 1 {
		t.Fatalf("%d after expiry", n)
	}
	if _, ok := p.get("", 1, ""); ok {
		t.Fatal("no session, no token")
	}
}
