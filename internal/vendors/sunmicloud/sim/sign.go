package sim

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"sort"
	"strings"
)

// signString builds the text that is hashed. 000 §2.2 (签名规则) only says
// "参考《鉴权认证》文档"; the rule is the one in NOTES.md "Signing / Sunmi cloud"
// (NOTES 13): every sent parameter except sign (file parts never reach this
// map), sorted byte-wise by key, joined as k=v with & over the raw, decoded
// values, then &key=<secret>.
func signString(params map[string]string, secret string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	// sort.Strings compares bytes, which is the order NOTES asks for; a
	// locale-aware order would disagree on upper- versus lower-case keys.
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(params[k])
	}
	b.WriteString("&key=")
	b.WriteString(secret)
	return b.String()
}

// sign is MD5 over signString, in upper-case hex as 000 §2.3 prints it.
func sign(params map[string]string, secret string) string {
	sum := md5.Sum([]byte(signString(params, secret)))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// signMatches compares case-insensitively (NOTES 5) and in constant time, so
// the simulator does not teach a client a habit a real server would punish.
func signMatches(params map[string]string, secret, got string) bool {
	want := sign(params, secret)
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToUpper(got))) == 1
}
