// Package senselink is the adapter for the SenseTime SenseLink Enterprise
// OpenAPI (vendor document 004).
package senselink

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"time"
)

// Sign is 004's signature: md5(timestamp + "#" + app_secret), lower-case
// hex, with timestamp the 13-digit milliseconds sent beside it (NOTES.md
// "Signing / SenseLink").
func Sign(timestampMillis, secret string) string {
	sum := md5.Sum([]byte(timestampMillis + "#" + secret))
	return hex.EncodeToString(sum[:])
}

// Timestamp is t as 004's 13-digit millisecond timestamp.
func Timestamp(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
