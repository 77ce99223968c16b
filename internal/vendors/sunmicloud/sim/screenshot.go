package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"strconv"
	"strings"
)

// screenshotPrefix is the path of 000 devices §2.3.1's screenshot_url
// (https://xxxxxxxx/IMG/IPC/e366…9a: 64 hex digits after it).
const screenshotPrefix = "/IMG/IPC/"

// Size of the generated picture: 16:9 like the cameras, small enough to be
// cheap to make and to send.
const (
	screenshotW = 320
	screenshotH = 180
)

// screenshotKey is the 64-hex name of a camera's screenshot: SHA-256 of its
// SN, so the URL is stable and each camera's picture is its own.
func screenshotKey(sn string) string {
	sum := sha256.Sum256([]byte(sn))
	return hex.EncodeToString(sum[:])
}

// serveScreenshot answers GET /IMG/IPC/<key> with the camera's JPEG. It
// needs no signature: the real URL is handed out by getList and opened by
// browsers as is. Keys of unknown cameras are 404.
func (s *Server) serveScreenshot(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	data, ok := s.screenshot(strings.TrimPrefix(r.URL.Path, screenshotPrefix))
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// screenshot returns the cached JPEG for key, rendering it on first use.
func (s *Server) screenshot(key string) ([]byte, bool) {
	s.mu.Lock()
	data, cached := s.jpegs[key]
	known := cached || s.hasScreenshotKey(key)
	s.mu.Unlock()
	if cached || !known {
		return data, cached
	}
	data, err := renderScreenshot(key)
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	s.jpegs[key] = data
	s.mu.Unlock()
	return data, true
}

// hasScreenshotKey reports whether key belongs to a known camera. Called
// with s.mu held.
func (s *Server) hasScreenshotKey(key string) bool {
	for sn := range s.devices {
		if screenshotKey(sn) == key {
			return true
		}
	}
	return false
}

// renderScreenshot draws a diagonal gradient between two colours taken from
// the key, with a darker lower third as a floor, so that cameras on a page
// look different from one another and the picture reads as a room.
func renderScreenshot(key string) ([]byte, error) {
	seed, err := hex.DecodeString(key)
	if err != nil || len(seed) < 6 {
		return nil, err
	}
	from := color.RGBA{seed[0], seed[1], seed[2], 255}
	to := color.RGBA{seed[3], seed[4], seed[5], 255}
	img := image.NewRGBA(image.Rect(0, 0, screenshotW, screenshotH))
	span := screenshotW + screenshotH - 2
	for y := range screenshotH {
		for x := range screenshotW {
			c := mix(from, to, x+y, span)
			if y >= screenshotH*2/3 {
				c = color.RGBA{c.R / 2, c.G / 2, c.B / 2, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// mix is the colour n/span of the way from a to b.
func mix(a, b color.RGBA, n, span int) color.RGBA {
	ch := func(x, y uint8) uint8 { return uint8((int(x)*(span-n) + int(y)*n) / span) }
	return color.RGBA{ch(a.R, b.R), ch(a.G, b.G), ch(a.B, b.B), 255}
}
