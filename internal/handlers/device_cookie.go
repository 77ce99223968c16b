package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/auth"
)

// The device cookie (OWASP "Slow Down Online Guessing Attacks with Device
// Cookies"): after a successful sign-in the browser gets a cookie naming the
// account and a random device id, signed with a key derived from the
// installation's secret key (Deps.DeviceKey). A sign-in to that account
// carrying a valid cookie is counted on the device's own throttle counter,
// so others' failures do not slow it. The cookie grants nothing else: the
// password is still checked. One account per browser: signing in to
// another account replaces it.
const (
	deviceCookieName = "storelens_device"
	deviceCookieLife = 180 * 24 * time.Hour
)

var b64 = base64.RawURLEncoding

func (s *Server) deviceMAC(account, id string, issued int64) []byte {
	m := hmac.New(sha256.New, s.DeviceKey)
	m.Write([]byte("storelens device cookie v1\n" + auth.NormalizeAccount(account) + "\n" + id + "\n" + strconv.FormatInt(issued, 10)))
	return m.Sum(nil)
}

// deviceFor returns the device id of the request's device cookie when it is
// valid for account, else "".
func (s *Server) deviceFor(c *gin.Context, account string) string {
	ck, err := c.Request.Cookie(deviceCookieName)
	if err != nil {
		return ""
	}
	parts := strings.Split(ck.Value, ".")
	if len(parts) != 5 || parts[0] != "1" {
		return ""
	}
	acc, err1 := b64.DecodeString(parts[1])
	id := parts[2]
	issued, err2 := strconv.ParseInt(parts[3], 10, 64)
	mac, err3 := b64.DecodeString(parts[4])
	if err1 != nil || err2 != nil || err3 != nil || len(id) != 32 {
		return ""
	}
	if !hmac.Equal(mac, s.deviceMAC(string(acc), id, issued)) {
		return ""
	}
	age := time.Since(time.Unix(issued, 0))
	if age > deviceCookieLife || age < -time.Hour || auth.NormalizeAccount(string(acc)) != auth.NormalizeAccount(account) {
		return ""
	}
	return id
}

// setDeviceCookie gives the browser a new device cookie for account.
func (s *Server) setDeviceCookie(c *gin.Context, account string) {
	b := make([]byte, 16)
	rand.Read(b)
	id := hex.EncodeToString(b)
	issued := time.Now().Unix()
	acc := auth.NormalizeAccount(account)
	v := "1." + b64.EncodeToString([]byte(acc)) + "." + id + "." + strconv.FormatInt(issued, 10) + "." +
		b64.EncodeToString(s.deviceMAC(acc, id, issued))
	http.SetCookie(c.Writer, &http.Cookie{Name: deviceCookieName, Value: v, Path: "/login",
		MaxAge: int(deviceCookieLife.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookie(c.Request)})
}
