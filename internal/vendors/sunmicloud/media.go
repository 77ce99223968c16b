package sunmicloud

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"storelens/internal/vendors"
)

// The media calls of 000 直播回放接口 §5.2.
const (
	opLiveStart         = "/media/live/start"
	opLiveStop          = "/media/live/stop"
	opPlaybackStart     = "/media/playback/start"
	opPlaybackStop      = "/media/playback/stop"
	opVideoList         = "/media/video/getList"
	opMotionList        = "/media/motionDetection/getList"
	opPlaybackSnapshot  = "/media/playback/getSnapshot"
	opLiveSnapshot      = "/media/live/getSnapshot"
	videoListWindow     = 3600 * time.Second // 000 §5.3.4 备注: start_time与end_time时间区间限制为3600s
	motionPageSize      = 100                // 000 §5.3.5: page_size 最大条目数量为100
	motionMaxPages      = 50                 // 5,000 detections in one range is plenty for a day's timeline
	maxRecordingWindows = 48                 // two days of one-hour windows per request
)

func init() {
	// Per-call meanings of the media codes (NOTES 22: codes are overloaded).
	opKinds[opPlaybackStart] = map[int]vendors.Kind{
		5087: vendors.KindNoData,   // 无匹配数据 (§5.3.8)
		5088: vendors.KindInternal, // 数据库错误 (§5.3.8)
		5506: vendors.KindNoData,   // 未查询到数据 (§5.3.8), not "device unknown" here
	}
	opKinds[opLiveSnapshot] = map[int]vendors.Kind{5515: vendors.KindQuota}
}

var (
	_ vendors.LiveVideo  = (*Client)(nil)
	_ vendors.Playback   = (*Client)(nil)
	_ vendors.Recordings = (*Client)(nil)
	_ vendors.Snapshots  = (*Client)(nil)
)

// streamURLs is the data of live/start and playback/start (§5.3.1, §5.3.8).
type streamURLs struct {
	URL      string `json:"url"`
	HLSURL   string `json:"hls_url"`
	ClientID string `json:"client_id"`
}

func (s streamURLs) stream() vendors.Stream {
	flv, hls := fixURL(s.URL), fixURL(s.HLSURL)
	exp := authKeyExpiry(flv)
	if e := authKeyExpiry(hls); exp.IsZero() || (!e.IsZero() && e.Before(exp)) {
		exp = e
	}
	return vendors.Stream{FLV: flv, HLS: hls, Expires: exp, ClientID: s.ClientID}
}

// authKeyExpiry reads the expiry of a URL signed the Alibaba Cloud CDN
// "type A" way (NOTES 11, 27): auth_key=<timestamp>-<rand>-<uid>-<md5>. 000
// does not say what the timestamp is; its playback example has it exactly
// 3600 s after the recording's start named in the path, so it is read as the
// moment the URL expires. Zero when the URL has no such key.
func authKeyExpiry(raw string) time.Time {
	u, err := url.Parse(raw)
	if err != nil {
		return time.Time{}
	}
	ts, _, ok := strings.Cut(u.Query().Get("auth_key"), "-")
	if !ok {
		return time.Time{}
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// fixURL repairs the "http: //host" of 000's examples (NOTES 29): a space
// after the scheme's colon would make the URL unparsable.
func fixURL(s string) string {
	s = strings.TrimSpace(s)
	for _, scheme := range []string{"http:", "https:"} {
		if strings.HasPrefix(s, scheme+" ") {
			return scheme + strings.TrimLeft(s[len(scheme):], " ")
		}
	}
	return s
}

func unixParam(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// StartLive implements vendors.LiveVideo with /media/live/start (§5.3.1).
func (c *Client) StartLive(ctx context.Context, shop vendors.ShopRef, dev vendors.DeviceRef, q vendors.Quality) (vendors.Stream, error) {
	p := deviceParams(shop, dev)
	p["resolution"] = strconv.Itoa(int(q))
	var d streamURLs
	// Not retried: a start is not idempotent at every vendor, and the live
	// manager retries a failed start itself.
	if err := c.call(ctx, opLiveStart, p, false, &d); err != nil {
		return vendors.Stream{}, err
	}
	if d.URL == "" && d.HLSURL == "" {
		return vendors.Stream{}, c.fail(opLiveStart, vendors.KindMalformed, 0, "", errNoURL)
	}
	return d.stream(), nil
}

// StopLive implements vendors.LiveVideo with /media/live/stop (§5.3.2),
// which names the stream by device and resolution (NOTES 26).
func (c *Client) StopLive(ctx context.Context, shop vendors.ShopRef, dev vendors.DeviceRef, q vendors.Quality) error {
	p := deviceParams(shop, dev)
	p["resolution"] = strconv.Itoa(int(q))
	return c.call(ctx, opLiveStop, p, true, nil)
}

// StartPlayback implements vendors.Playback with /media/playback/start
// (§5.3.8); the reply's client_id is what stop needs.
func (c *Client) StartPlayback(ctx context.Context, shop vendors.ShopRef, dev vendors.DeviceRef, from, to time.Time) (vendors.Stream, error) {
	p := deviceParams(shop, dev)
	p["start_time"], p["end_time"] = unixParam(from), unixParam(to)
	var d streamURLs
	if err := c.call(ctx, opPlaybackStart, p, false, &d); err != nil {
		return vendors.Stream{}, err
	}
	if d.URL == "" && d.HLSURL == "" {
		return vendors.Stream{}, c.fail(opPlaybackStart, vendors.KindMalformed, 0, "", errNoURL)
	}
	return d.stream(), nil
}

// StopPlayback implements vendors.Playback with /media/playback/stop
// (§5.3.9): only client_id is sent (NOTES 28).
func (c *Client) StopPlayback(ctx context.Context, s vendors.Stream) error {
	if s.ClientID == "" {
		return nil // nothing to stop: the vendor gave no session id
	}
	return c.call(ctx, opPlaybackStop, map[string]string{"client_id": s.ClientID}, true, nil)
}

type videoItem struct {
	URL       string  `json:"url"`
	StartTime flexInt `json:"start_time"`
	EndTime   flexInt `json:"end_time"`
}

type videoList struct {
	TotalCount flexInt     `json:"total_count"`
	VideoList  []videoItem `json:"video_list"`
}

// Recordings implements vendors.Recordings with /media/video/getList
// (§5.3.4), one call per window of at most 3600 s (5021 beyond). A window
// without video (5013) is skipped; pieces that straddle two windows are
// listed once. The result is ordered by start.
func (c *Client) Recordings(ctx context.Context, shop vendors.ShopRef, dev vendors.DeviceRef, from, to time.Time) ([]vendors.Recording, error) {
	if !to.After(from) {
		return nil, nil
	}
	if to.Sub(from) > maxRecordingWindows*videoListWindow {
		to = from.Add(maxRecordingWindows * videoListWindow)
	}
	type key struct {
		start int64
		url   string
	}
	seen := map[key]bool{}
	var out []vendors.Recording
	for ws := from; ws.Before(to); ws = ws.Add(videoListWindow) {
		we := ws.Add(videoListWindow)
		if we.After(to) {
			we = to
		}
		p := deviceParams(shop, dev)
		p["start_time"], p["end_time"] = unixParam(ws), unixParam(we)
		var l videoList
		err := c.call(ctx, opVideoList, p, true, &l)
		if vendors.KindOf(err) == vendors.KindNoData {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, v := range l.VideoList {
			k := key{int64(v.StartTime), fixURL(v.URL)}
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, vendors.Recording{Start: unixTime(v.StartTime), End: unixTime(v.EndTime), URL: k.url})
		}
	}
	slices.SortFunc(out, func(a, b vendors.Recording) int { return a.Start.Compare(b.Start) })
	return out, nil
}

type motionItem struct {
	Source     flexInt `json:"source"` // a string "1" in §5.3.5's example (NOTES 30)
	DetectTime flexInt `json:"detect_time"`
	URL        string  `json:"url"`
}

type motionList struct {
	TotalNum  flexInt      `json:"total_num"` // not total_count (NOTES 30)
	VideoList []motionItem `json:"video_list"`
}

// Motions implements vendors.Recordings with /media/motionDetection/getList
// (§5.3.5), reading pages of 100 until total_num detections are in. 000
// gives this call no range limit (its example spans a day).
func (c *Client) Motions(ctx context.Context, shop vendors.ShopRef, dev vendors.DeviceRef, from, to time.Time) ([]vendors.Motion, error) {
	var out []vendors.Motion
	for page := 1; page <= motionMaxPages; page++ {
		p := deviceParams(shop, dev)
		p["start_time"], p["end_time"] = unixParam(from), unixParam(to)
		p["page_num"], p["page_size"] = strconv.Itoa(page), strconv.Itoa(motionPageSize)
		var l motionList
		err := c.call(ctx, opMotionList, p, true, &l)
		if vendors.KindOf(err) == vendors.KindNoData {
			break
		}
		if err != nil {
			return nil, err
		}
		for _, m := range l.VideoList {
			out = append(out, vendors.Motion{At: unixTime(m.DetectTime), Source: vendors.MotionSource(m.Source), URL: fixURL(m.URL)})
		}
		if len(l.VideoList) < motionPageSize || len(out) >= int(l.TotalNum) {
			break
		}
	}
	slices.SortFunc(out, func(a, b vendors.Motion) int { return a.At.Compare(b.At) })
	return out, nil
}

type snapshotURL struct {
	SnapshotURL string `json:"snapshot_url"`
}

// LiveSnapshot implements vendors.Snapshots with /media/live/getSnapshot
// (§5.3.7; the picture's URL is valid for a day).
func (c *Client) LiveSnapshot(ctx context.Context, shop vendors.ShopRef, dev vendors.DeviceRef) (string, error) {
	var d snapshotURL
	if err := c.call(ctx, opLiveSnapshot, deviceParams(shop, dev), true, &d); err != nil {
		return "", err
	}
	return c.snapshot(opLiveSnapshot, d)
}

// SnapshotAt implements vendors.Snapshots with /media/playback/getSnapshot
// (§5.3.6).
func (c *Client) SnapshotAt(ctx context.Context, shop vendors.ShopRef, dev vendors.DeviceRef, at time.Time) (string, error) {
	p := deviceParams(shop, dev)
	p["time"] = unixParam(at)
	var d snapshotURL
	if err := c.call(ctx, opPlaybackSnapshot, p, true, &d); err != nil {
		return "", err
	}
	return c.snapshot(opPlaybackSnapshot, d)
}

func (c *Client) snapshot(op string, d snapshotURL) (string, error) {
	u := fixURL(d.SnapshotURL)
	if u == "" {
		return "", c.fail(op, vendors.KindMalformed, 0, "", errNoURL)
	}
	return u, nil
}

var errNoURL = errorString("the reply has no URL")

type errorString string

func (e errorString) Error() string { return string(e) }
