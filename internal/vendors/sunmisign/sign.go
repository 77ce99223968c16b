// Package sunmisign is Sunmi's request signature, shared by the Sunmi cloud
// adapter (000, 001) and the Sunmi camera LAN adapter (003, where the
// activation code signs instead of the secret, and the webhook and message
// channel payloads are signed the same way). The simulators keep their own
// implementation: both sides are checked against the NOTES.md vectors.
package sunmisign

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
)

// Sign returns the request signature of params (NOTES.md "Signing"): every
// parameter except sign, sorted by key byte-wise, joined as raw k=v pairs
// with &, then "&key=" and the secret; MD5, upper-case hex.
func Sign(params map[string]string, secret string) string {
	return signString(SigningString(params, secret))
}

// SigningString is the string that is hashed, for tests and debugging.
func SigningString(params map[string]string, secret string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(params[k])
		b.WriteByte('&')
	}
	b.WriteString("key=")
	b.WriteString(secret)
	return b.String()
}

func signString(s string) string {
	sum := md5.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}
