package sim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// 003 Video Streaming 4: snapshots. Live, playback, records and clips are
// for whoever adds video.
func init() {
	register("/media/getSnapshot", authSigned, getSnapshot)
}

const (
	snapshotPrefix = "/tmp/snapshot/"
	snapshotTTL    = 5 * time.Minute
)

// getSnapshot answers a URL on the host the client used, with an auth_key
// valid for snapshotTTL (003's example shape).
func getSnapshot(c *Camera, q *Request) (int, any) {
	if c.st.SDStatus == 3 {
		return codeSnapshot, nil
	}
	now := c.now()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	key := strconv.FormatInt(now.Add(snapshotTTL).Unix(), 10) + "-" + hex.EncodeToString(b)
	c.snaps[key] = now.Add(snapshotTTL)
	for k, exp := range c.snaps {
		if now.After(exp) {
			delete(c.snaps, k)
		}
	}
	name := c.opt.SN + "_" + now.Format("20060102150405") + ".jpg"
	return codeOK, map[string]any{"snapshot_url": "https://" + q.Host + snapshotPrefix + name + "?auth_key=" + key}
}

// serveSnapshot serves the JPEG for a valid, unexpired auth_key.
func (c *Camera) serveSnapshot(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key := r.URL.Query().Get("auth_key")
	c.mu.Lock()
	exp, ok := c.snaps[key]
	valid := ok && c.now().Before(exp) && strings.HasPrefix(strings.TrimPrefix(r.URL.Path, snapshotPrefix), c.opt.SN+"_")
	if valid && c.jpeg == nil {
		c.jpeg = frameJPEG()
	}
	img := c.jpeg
	c.mu.Unlock()
	if !valid {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	_, _ = w.Write(img)
}

// frameJPEG draws a 1920x1080 shop entrance: floor, walls and a door, so a
// door line drawn on it means something.
func frameJPEG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{0xd9, 0xd4, 0xc7, 0xff}}, image.Point{}, draw.Src)
	for y := 620; y < 1080; y++ { // floor, darker towards the camera
		shade := uint8(0xa0 - (y-620)/8)
		draw.Draw(img, image.Rect(0, y, 1920, y+1), &image.Uniform{color.RGBA{shade, shade - 8, shade - 20, 0xff}}, image.Point{}, draw.Src)
	}
	draw.Draw(img, image.Rect(700, 180, 1220, 640), &image.Uniform{color.RGBA{0x3b, 0x4a, 0x5c, 0xff}}, image.Point{}, draw.Src) // door frame
	draw.Draw(img, image.Rect(730, 210, 1190, 640), &image.Uniform{color.RGBA{0x9c, 0xc3, 0xe0, 0xff}}, image.Point{}, draw.Src) // glass
	draw.Draw(img, image.Rect(955, 210, 965, 640), &image.Uniform{color.RGBA{0x3b, 0x4a, 0x5c, 0xff}}, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(560, 900, 1360, 912), &image.Uniform{color.RGBA{0x6b, 0x5b, 0x45, 0xff}}, image.Point{}, draw.Src) // doormat edge
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 60})
	return buf.Bytes()
}
