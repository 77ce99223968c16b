// Package auth hashes and checks passwords and slows down guessing.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. Default follows OWASP's minimum
// (19 MiB, t=2, p=1): about 40 ms on our machines.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default is the cost for new hashes.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// ErrWeakPassword refuses a password that is too short.
var ErrWeakPassword = fmt.Errorf("a password needs at least %d characters", MinPasswordLen)

// Hasher hashes passwords, letting only a few hash at once so a burst of
// sign-ins cannot exhaust memory (each hash takes Params.Memory).
type Hasher struct {
	p   Params
	sem chan struct{}
}

// NewHasher returns a Hasher with p, running at most concurrent hashes.
func NewHasher(p Params, concurrent int) *Hasher {
	return &Hasher{p: p, sem: make(chan struct{}, concurrent)}
}

// CheckPolicy reports whether pw is acceptable as a new password.
func CheckPolicy(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		return ErrWeakPassword
	}
	return nil
}

// Hash returns a PHC-format argon2id hash of pw.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key := argon2.IDKey([]byte(pw), salt, h.p.Time, h.p.Memory, h.p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.Memory, h.p.Time, h.p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrBadHash is a stored hash we cannot read.
var ErrBadHash = errors.New("auth: malformed password hash")

// Verify reports whether pw matches hash, and whether the hash was made with
// weaker parameters than h's (so the caller can store a new one).
func (h *Hasher) Verify(ctx context.Context, pw, hash string) (ok, stale bool, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, ErrBadHash
	}
	var v int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, false, ErrBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, false, ErrBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, false, ErrBadHash
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && (p.Memory < h.p.Memory || p.Time < h.p.Time), nil
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.sem }

// readable has no look-alikes (0/O, 1/l/I), for passwords read off a console.
const readable = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// RandomPassword returns a random password of n readable characters.
func RandomPassword(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = readable[int(b[i])%len(readable)]
	}
	return string(b)
}
