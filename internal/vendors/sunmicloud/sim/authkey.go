package sim

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Media URLs carry auth_key=<timestamp>-<rand>-<uid>-<md5hash>, the shape of
// 000 §5.3.1's examples, which is Alibaba Cloud CDN's "type A" URL signing
// (NOTES 11): md5hash = md5("<path>-<timestamp>-<rand>-<uid>-<private key>"),
// with the timestamp the moment the URL expires (see doc.go). A URL whose
// key is missing, forged, for another path, or expired is HTTP 403, as the
// CDN answers.

// signPath returns the auth_key for path, valid until exp.
func (s *Server) signPath(path string, exp time.Time) string {
	r := make([]byte, 16)
	rand.Read(r)
	ts, rnd := strconv.FormatInt(exp.Unix(), 10), hex.EncodeToString(r)
	return fmt.Sprintf("%s-%s-0-%s", ts, rnd, s.authHash(path, ts, rnd, "0"))
}

func (s *Server) authHash(path, ts, rnd, uid string) string {
	sum := md5.Sum([]byte(path + "-" + ts + "-" + rnd + "-" + uid + "-" + s.media.cdnKey))
	return hex.EncodeToString(sum[:])
}

// checkAuthKey reports whether key signs path and has not expired.
func (s *Server) checkAuthKey(path, key string) bool {
	parts := strings.Split(key, "-")
	if len(parts) != 4 {
		return false
	}
	ts, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || !s.now().Before(time.Unix(ts, 0)) {
		return false
	}
	want := s.authHash(path, parts[0], parts[1], parts[2])
	return subtle.ConstantTimeCompare([]byte(want), []byte(parts[3])) == 1
}
