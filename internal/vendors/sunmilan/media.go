package sunmilan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"storelens/internal/vendors"
)

// maxSnapshot caps a snapshot download.
const maxSnapshot = 8 << 20

// Snapshot asks the camera for a snapshot (003 Video Streaming 4,
// /media/getSnapshot) and downloads it from the camera over the same pinned
// connection. Only a URL on this camera's own host is fetched.
func (c *Client) Snapshot(ctx context.Context) (contentType string, body []byte, err error) {
	var d struct {
		URL text `json:"snapshot_url"`
	}
	if err := c.call(ctx, request{Path: "/media/getSnapshot"}, &d); err != nil {
		return "", nil, err
	}
	return c.Fetch(ctx, string(d.URL))
}

// Fetch downloads a file the camera named (a snapshot, a face photo, a
// record): https, on the camera's own host and port, through the pinned
// transport. Its bytes must be an image or video per their content.
func (c *Client) Fetch(ctx context.Context, rawURL string) (string, []byte, error) {
	const op = "fetch"
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.User != nil {
		return "", nil, c.fail(op, vendors.KindMalformed, 0, fmt.Errorf("camera gave a URL we do not fetch: %q", rawURL))
	}
	host := u.Host
	if u.Port() == "" {
		host += ":" + defaultPort
	}
	// A loopback or LAN camera names itself by its IP: the host must be the
	// one we called, so the camera cannot send us elsewhere.
	if !strings.EqualFold(host, c.host) {
		u.Host = c.host
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", nil, c.fail(op, vendors.KindOther, 0, err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", nil, c.transportError(op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", nil, c.fail(op, vendors.KindUnavailable, 0, fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSnapshot+1))
	if err != nil {
		return "", nil, c.fail(op, vendors.KindUnavailable, 0, err)
	}
	if len(body) > maxSnapshot {
		return "", nil, c.fail(op, vendors.KindMalformed, 0, errors.New("file too large"))
	}
	ct := http.DetectContentType(body)
	if bytes.HasPrefix(body, []byte("FLV\x01")) { // record files and clips; Go does not sniff FLV
		ct = "video/x-flv"
	}
	if mt, _, _ := mime.ParseMediaType(ct); !strings.HasPrefix(mt, "image/") && !strings.HasPrefix(mt, "video/") {
		return "", nil, c.fail(op, vendors.KindMalformed, 0, fmt.Errorf("camera sent %s", ct))
	}
	return ct, body, nil
}
