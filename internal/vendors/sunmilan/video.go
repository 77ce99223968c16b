package sunmilan

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"storelens/internal/vendors"
)

// 003 Video Streaming 1-3 and 5: live and playback RTSP URLs, the record
// list and clips. Codes 230-237 are listed per call without meanings; the
// decision (shared with the simulator, doc.go) is below.
const (
	CodeNoPlaybackRecord = 230 // no recording in the playback range
	CodeRecordList       = 231 // the SD card cannot be read
	CodeLive             = 232 // live streaming unavailable
	CodePage             = 234 // page_num or page_size out of range
	CodeRange            = 235 // start/end not start < end, or over a day
	CodeClipParam        = 236 // preceding/following not 0, 4 or 8
	CodeClip             = 237 // the clip cannot be cut
)

func init() {
	opKinds["/media/getPlaybackStream"] = map[int]vendors.Kind{CodeNoPlaybackRecord: vendors.KindNoData, CodeRange: vendors.KindInvalidParam}
	opKinds["/media/getRecordList"] = map[int]vendors.Kind{CodeRecordList: vendors.KindUnavailable, CodePage: vendors.KindInvalidParam, CodeRange: vendors.KindInvalidParam}
	opKinds["/media/getLiveStream"] = map[int]vendors.Kind{CodeLive: vendors.KindUnavailable}
	opKinds["/media/getCurVideos"] = map[int]vendors.Kind{CodeClipParam: vendors.KindInvalidParam}
}

const (
	// MaxRecordRange is the longest range one record list or playback asks
	// for (003's playback example spans 86376 s; the simulator allows a day).
	MaxRecordRange = 24 * time.Hour
	maxPageSize    = 500 // 003 getRecordList page_size [0, 500]
	defaultRTSP    = "554"
)

// LiveURLs are a camera's live RTSP URLs (003 Video Streaming 1).
type LiveURLs struct{ HD, FHD string }

// LiveStream asks the camera for its live RTSP URLs.
func (c *Client) LiveStream(ctx context.Context) (LiveURLs, error) {
	var d struct {
		HD  text `json:"hd_live_url"`
		FHD text `json:"fhd_live_url"`
	}
	if err := c.call(ctx, request{Path: "/media/getLiveStream", Read: true}, &d); err != nil {
		return LiveURLs{}, err
	}
	hd, err := c.rtspURL("/media/getLiveStream", string(d.HD))
	if err != nil {
		return LiveURLs{}, err
	}
	fhd, err := c.rtspURL("/media/getLiveStream", string(d.FHD))
	if err != nil {
		return LiveURLs{}, err
	}
	return LiveURLs{HD: hd, FHD: fhd}, nil
}

// PlaybackStream asks for an RTSP URL playing the recording of from..to
// (003 Video Streaming 2).
func (c *Client) PlaybackStream(ctx context.Context, from, to time.Time) (string, error) {
	if err := checkRange(from, to); err != nil {
		return "", err
	}
	var d struct {
		URL text `json:"playback_url"`
	}
	p := map[string]string{"start_time": unix(from), "end_time": unix(to)}
	if err := c.call(ctx, request{Path: "/media/getPlaybackStream", Params: p, Read: true}, &d); err != nil {
		return "", err
	}
	return c.rtspURL("/media/getPlaybackStream", string(d.URL))
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func checkRange(from, to time.Time) error {
	op := "/media/getRecordList"
	if !from.Before(to) {
		return check(op, &FieldError{Field: "end_time", Rule: RuleAfterStart})
	}
	return check(op, inRange("end_time - start_time", int(to.Sub(from)/time.Second), 1, int(MaxRecordRange/time.Second)))
}

// RecordFile is one record file on the camera's SD card (about a minute).
type RecordFile struct {
	Start, End time.Time
	URL        string // https on the camera, with auth_key: fetch with Fetch
}

// RecordPage is one page of the record list.
type RecordPage struct {
	Total   int // eligible files in the range
	Records []RecordFile
}

// RecordList asks for one page of the record files of from..to (003 Video
// Streaming 3); page from 1, size 0-500.
func (c *Client) RecordList(ctx context.Context, from, to time.Time, page, size int) (RecordPage, error) {
	if err := checkRange(from, to); err != nil {
		return RecordPage{}, err
	}
	if err := check("/media/getRecordList", inRange("page_num", page, 1, 1<<30), inRange("page_size", size, 0, maxPageSize)); err != nil {
		return RecordPage{}, err
	}
	var d struct {
		Total num `json:"total_num"`
		List  []struct {
			Start num  `json:"start_time"`
			End   num  `json:"end_time"`
			URL   text `json:"url"`
		} `json:"record_list"`
	}
	p := map[string]string{"start_time": unix(from), "end_time": unix(to), "page_num": strconv.Itoa(page), "page_size": strconv.Itoa(size)}
	if err := c.call(ctx, request{Path: "/media/getRecordList", Params: p, Read: true}, &d); err != nil {
		return RecordPage{}, err
	}
	out := RecordPage{Total: int(d.Total)}
	for _, r := range d.List {
		out.Records = append(out.Records, RecordFile{Start: time.Unix(int64(r.Start), 0), End: time.Unix(int64(r.End), 0), URL: string(r.URL)})
	}
	return out, nil
}

// Records lists every record file of from..to, a day at most per call to
// the camera and 500 files per page.
func (c *Client) Records(ctx context.Context, from, to time.Time) ([]RecordFile, error) {
	var out []RecordFile
	for start := from; start.Before(to); start = start.Add(MaxRecordRange) {
		end := start.Add(MaxRecordRange)
		if end.After(to) {
			end = to
		}
		for page := 1; ; page++ {
			p, err := c.RecordList(ctx, start, end, page, maxPageSize)
			if err != nil {
				return nil, err
			}
			out = append(out, p.Records...)
			if len(p.Records) == 0 || page*maxPageSize >= p.Total {
				break
			}
		}
	}
	return out, nil
}

// ClipSeconds are the values 003 allows for a clip's preceding and
// following seconds.
var ClipSeconds = []int{0, 4, 8}

// CurVideos asks the camera to cut a clip from preceding seconds before now
// to following seconds after (003 Video Streaming 5). The URL works only
// 4-12 s later: fetch it with Fetch then.
func (c *Client) CurVideos(ctx context.Context, preceding, following int) (string, error) {
	if err := check("/media/getCurVideos", clipField("preceding", preceding), clipField("following", following)); err != nil {
		return "", err
	}
	var d struct {
		URL text `json:"url"`
	}
	p := map[string]string{"preceding": strconv.Itoa(preceding), "following": strconv.Itoa(following)}
	// Not a read: every call cuts a clip.
	if err := c.call(ctx, request{Path: "/media/getCurVideos", Params: p}, &d); err != nil {
		return "", err
	}
	return string(d.URL), nil
}

func clipField(field string, v int) *FieldError {
	return oneOf(field, strconv.Itoa(v), "0", "4", "8")
}

// rtspURL checks an RTSP URL the camera gave: rtsp, no user info, and on
// the camera's own host (a camera names itself by its IP, so only the port
// of its answer is kept: the camera cannot send us elsewhere).
func (c *Client) rtspURL(op, raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme != "rtsp" || u.User != nil || u.Path == "" {
		return "", c.fail(op, vendors.KindMalformed, 0, fmt.Errorf("camera gave a stream URL we do not open: %q", redactRTSP(raw)))
	}
	host, _, _ := net.SplitHostPort(c.host)
	port := u.Port()
	if port == "" {
		port = defaultRTSP
	}
	u.Host = net.JoinHostPort(host, port)
	return u.String(), nil
}

// redactRTSP keeps the scheme and host of a stream URL: its path is the
// camera's access token.
func redactRTSP(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host + "/…"
	}
	return "…"
}

// The vendors capabilities. A Client is one camera: the shop and device
// references are not needed.
var (
	_ vendors.LiveVideo  = (*Client)(nil)
	_ vendors.Playback   = (*Client)(nil)
	_ vendors.Recordings = (*Client)(nil)
	_ vendors.Snapshots  = (*Client)(nil)
)

// StartLive returns the live RTSP URL of quality q: 超清 is fhd_live_url,
// 高清 hd_live_url. 003 has no expiry and no stop call: the stream ends
// with the RTSP session.
func (c *Client) StartLive(ctx context.Context, _ vendors.ShopRef, _ vendors.DeviceRef, q vendors.Quality) (vendors.Stream, error) {
	urls, err := c.LiveStream(ctx)
	if err != nil {
		return vendors.Stream{}, err
	}
	u := urls.HD
	if q == vendors.QualitySuper {
		u = urls.FHD
	}
	return vendors.Stream{RTSP: u}, nil
}

// StopLive does nothing at the camera: closing the RTSP session (a
// TEARDOWN) is the stop.
func (c *Client) StopLive(context.Context, vendors.ShopRef, vendors.DeviceRef, vendors.Quality) error {
	return nil
}

// StartPlayback returns the playback RTSP URL of from..to.
func (c *Client) StartPlayback(ctx context.Context, _ vendors.ShopRef, _ vendors.DeviceRef, from, to time.Time) (vendors.Stream, error) {
	u, err := c.PlaybackStream(ctx, from, to)
	if err != nil {
		return vendors.Stream{}, err
	}
	return vendors.Stream{RTSP: u}, nil
}

// StopPlayback does nothing at the camera (as StopLive).
func (c *Client) StopPlayback(context.Context, vendors.Stream) error { return nil }

// Recordings lists the record files of from..to.
func (c *Client) Recordings(ctx context.Context, _ vendors.ShopRef, _ vendors.DeviceRef, from, to time.Time) ([]vendors.Recording, error) {
	rs, err := c.Records(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]vendors.Recording, len(rs))
	for i, r := range rs {
		out[i] = vendors.Recording{Start: r.Start, End: r.End, URL: r.URL}
	}
	return out, nil
}

// Motions: 003 has no list of motion detections (they arrive as events).
func (c *Client) Motions(context.Context, vendors.ShopRef, vendors.DeviceRef, time.Time, time.Time) ([]vendors.Motion, error) {
	return nil, nil
}

// LiveSnapshot returns the URL of a snapshot taken now; fetch it with
// Fetch (the camera's certificate is pinned).
func (c *Client) LiveSnapshot(ctx context.Context, _ vendors.ShopRef, _ vendors.DeviceRef) (string, error) {
	var d struct {
		URL text `json:"snapshot_url"`
	}
	if err := c.call(ctx, request{Path: "/media/getSnapshot"}, &d); err != nil {
		return "", err
	}
	return string(d.URL), nil
}

// SnapshotAt: 003 has no snapshot of a past time.
func (c *Client) SnapshotAt(context.Context, vendors.ShopRef, vendors.DeviceRef, time.Time) (string, error) {
	return "", fmt.Errorf("%s: snapshot at a time: %w", Name, vendors.ErrUnsupported)
}
