package auth

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestHashVerify(t *testing.T) {
	h := NewHasher(Params{Memory: 1024, Time: 1, Threads: 1}, 2)
	ctx := context.Background()
	hash, err := h.Hash(ctx, "correct horse")
	if err != nil || !strings.HasPrefix(hash, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q %v", hash, err)
	}
	if ok, _, _ := h.Verify(ctx, "correct horse", hash); !ok {
		t.Fatal("right password refused")
	}
	if ok, _, _ := h.Verify(ctx, "correct hors", hash); ok {
		t.Fatal("wrong password accepted")
	}
	stronger := NewHasher(Params{Memory: 2048, Time: 1, Threads: 1}, 1)
	if ok, stale, _ := stronger.Verify(ctx, "correct horse", hash); !ok || !stale {
		t.Fatalf("weaker hash not reported stale: ok=%v stale=%v", ok, stale)
	}
	if _, _, err := h.Verify(ctx, "x", "$2a$10$bcrypt"); err != ErrBadHash {
		t.Fatalf("foreign hash: %v", err)
	}
}

func TestPolicyAndRandom(t *testing.T) {
	if CheckPolicy("short") == nil || CheckPolicy("longenough") != nil {
		t.Fatal("policy")
	}
	if CheckPolicy("八个汉字的密码啊") != nil {
		t.Fatal("policy counts bytes, not characters")
	}
	a, b := RandomPassword(16), RandomPassword(16)
	if len(a) != 16 || a == b || strings.Trim(a, readable) != "" {
		t.Fatalf("random passwords %q %q", a, b)
	}
}

func TestThrottle(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	th := NewThrottle(func() time.Time { return now })
	for range 5 {
		if th.Wait("admin", "1.2.3.4") != 0 {
			t.Fatal("free attempts throttled")
		}
		th.Fail("admin", "1.2.3.4")
	}
	if w := th.Wait("admin", "1.2.3.4"); w != 0 {
		t.Fatalf("5 failures already wait %v", w)
	}
	th.Fail("admin", "1.2.3.4")
	if w := th.Wait("ADMIN", "9.9.9.9"); w != time.Second {
		t.Fatalf("6th failure: user name waits %v, want 1s", w)
	}
	th.Fail("admin", "1.2.3.4")
	if w := th.Wait("other", "1.2.3.4"); w != 2*time.Second {
		t.Fatalf("7th failure: address waits %v, want 2s", w)
	}
	now = now.Add(3 * time.Second)
	if th.Wait("admin", "5.5.5.5") != 0 {
		t.Fatal("wait did not pass")
	}
	th.Succeed("admin")
	if th.Wait("admin", "5.5.5.5") != 0 {
		t.Fatal("success did not clear the user")
	}
	for range 40 {
		th.Fail("x", "7.7.7.7")
	}
	if w := th.Wait("x", "7.7.7.7"); w != 15*time.Minute {
		t.Fatalf("cap: %v", w)
	}
}
