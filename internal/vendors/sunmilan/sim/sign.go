package sim

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"sort"
	"strings"
)

// signString is 003 "Sign Rules": every parameter except sign (file parts
// never reach this map), sorted byte-wise by key, k=v joined with &, then
// &key=<secret> (the activation code for activation).
func signString(params map[string]string, secret string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + params[k] + "&")
	}
	return b.String() + "key=" + secret
}

func sign(params map[string]string, secret string) string {
	sum := md5.Sum([]byte(signString(params, secret)))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// signMatches compares case-insensitively (NOTES 5), in constant time.
func signMatches(params map[string]string, secret string) bool {
	want := sign(params, secret)
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToUpper(params["sign"]))) == 1
}
