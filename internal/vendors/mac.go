package vendors

import (
	"errors"
	"strings"
)

// ErrInvalidMAC is returned by NormalizeMAC for anything but 12 hex digits.
var ErrInvalidMAC = errors.New("a MAC address has 12 hexadecimal digits, e.g. 0C:25:76:6F:57:05")

// NormalizeMAC accepts a MAC with or without colons, dashes or dots, in
// either case, with stray spaces (Sunmi's LAN getInfo adds one), and returns
// the 12 upper-case hex digits Sunmi's bind call wants (NOTES.md item 24).
func NormalizeMAC(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ':' || r == '-' || r == '.':
			continue
		case r >= '0' && r <= '9', r >= 'A' && r <= 'F':
			b.WriteRune(r)
		case r >= 'a' && r <= 'f':
			b.WriteRune(r - 'a' + 'A')
		default:
			return "", ErrInvalidMAC
		}
	}
	if b.Len() != 12 {
		return "", ErrInvalidMAC
	}
	return b.String(), nil
}
