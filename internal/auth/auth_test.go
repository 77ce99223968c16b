package auth

import (
	"context"
	"strings"
	"testing"
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
