package sim

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"github.com/bluenviron/gortsplib/v4"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// 003 Video Streaming 1-3 and 5: live and playback RTSP URLs, the record
// list and clips (snapshots are media.go).
func init() {
	register("/media/getLiveStream", authSigned, getLiveStream)
	register("/media/getPlaybackStream", authSigned, getPlaybackStream)
	register("/media/getRecordList", authSigned, getRecordList)
	register("/media/getCurVideos", authSigned, getCurVideos)
}

// Codes of the media calls (doc.go: 003 lists them without meanings).
const (
	codeNoPlaybackRecord = 230 // no recording in the playback range
	codeRecordList       = 231 // the SD card cannot be read
	codeLive             = 232 // live streaming unavailable (RTSP not running)
	codePage             = 234 // page_num or page_size out of range
	codeRange            = 235 // start_time/end_time: not start < end, or over a day
	codeClipParam        = 236 // preceding/following not 0, 4 or 8
	codeClip             = 237 // a clip cannot be cut (no working SD card)
)

const (
	grantTTL   = 5 * time.Minute // an RTSP URL must be started within this
	fileTTL    = time.Hour       // a record or clip URL's auth_key
	recordFile = 60              // seconds per record file ("about one minute")
	maxRange   = 86400           // seconds a record list or playback may span
	recordPath = "/mnt/sd-card/sunmi_video/video_plan/"
	clipPath   = "/mnt/sd-card/video_slicer/"
)

// grant is an issued RTSP URL: its stream name and when it was issued.
type grant struct {
	name   string
	issued time.Time
}

// Span is a stretch of continuous recording on the SD card, Unix seconds;
// To 0 means still recording.
type Span struct{ From, To int64 }

// SetRecorded replaces what the SD card holds.
func (c *Camera) SetRecorded(spans ...Span) {
	c.Update(func(s *State) { s.Recorded = append([]Span(nil), spans...) })
}

// issue returns a fresh RTSP URL of stream name on the camera's RTSP port,
// at the host name the client used. Called with c.mu held.
func (c *Camera) issue(q *Request, name string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	now := c.now()
	for k, g := range c.grants {
		if now.After(g.issued.Add(grantTTL)) {
			delete(c.grants, k)
		}
	}
	c.grants[token] = grant{name: name, issued: now}
	host := q.Host
	if h, _, err := net.SplitHostPort(q.Host); err == nil {
		host = h
	}
	_, port, _ := net.SplitHostPort(c.rtsp.addr)
	return "rtsp://" + net.JoinHostPort(host, port) + "/" + token + "/" + name + ".sdp"
}

func getLiveStream(c *Camera, q *Request) (int, any) {
	if c.rtsp == nil {
		return codeLive, nil
	}
	return codeOK, map[string]any{"hd_live_url": c.issue(q, "live_hd"), "fhd_live_url": c.issue(q, "live_fhd")}
}

// timeRange reads start_time and end_time: required, start < end, at most
// maxRange apart.
func timeRange(q *Request) (from, to int64, code int) {
	from, err1 := strconv.ParseInt(q.Params["start_time"], 10, 64)
	to, err2 := strconv.ParseInt(q.Params["end_time"], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, codeParam
	}
	if from <= 0 || to <= from || to-from > maxRange {
		return 0, 0, codeRange
	}
	return from, to, codeOK
}

func getPlaybackStream(c *Camera, q *Request) (int, any) {
	from, to, code := timeRange(q)
	if code != codeOK {
		return code, nil
	}
	if c.st.SDStatus != 2 || len(c.recordFiles(from, to)) == 0 {
		return codeNoPlaybackRecord, nil
	}
	if c.rtsp == nil {
		return codeLive, nil
	}
	return codeOK, map[string]any{"playback_url": c.issue(q, "pb")}
}

type recordFileT struct{ from, to int64 }

// recordFiles are the one-minute files (cut at whole minutes) of the
// recorded spans that overlap from..to, oldest first.
func (c *Camera) recordFiles(from, to int64) []recordFileT {
	now := c.now().Unix()
	var out []recordFileT
	for _, s := range c.st.Recorded {
		end := s.To
		if end == 0 || end > now {
			end = now
		}
		for t := max(s.From, from-from%recordFile-recordFile); t < end && t < to; {
			next := min(t-t%recordFile+recordFile, end)
			if next > from {
				out = append(out, recordFileT{t, next})
			}
			t = next
		}
	}
	return out
}

func getRecordList(c *Camera, q *Request) (int, any) {
	from, to, code := timeRange(q)
	if code != codeOK {
		return code, nil
	}
	page, size := 1, 10
	var err error
	if v := q.Params["page_num"]; v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return codePage, nil
		}
	}
	if v := q.Params["page_size"]; v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 0 || size > 500 {
			return codePage, nil
		}
	}
	if c.st.SDStatus != 2 {
		return codeRecordList, nil
	}
	files := c.recordFiles(from, to)
	list := []map[string]any{}
	for i := (page - 1) * size; i < len(files) && i < page*size; i++ {
		f := files[i]
		name := time.Unix(f.from, 0).Format("20060102150405") + "_" + time.Unix(f.to, 0).Format("20060102150405") + ".flv"
		list = append(list, map[string]any{"start_time": f.from, "end_time": f.to,
			"url": "https://" + q.Host + c.signFile(recordPath+name)})
	}
	return codeOK, map[string]any{"total_num": len(files), "return_num": len(list), "record_list": list}
}

func clipSeconds(v string) (int, bool) {
	n, err := strconv.Atoi(v)
	return n, err == nil && (n == 0 || n == 4 || n == 8)
}

// getCurVideos cuts a clip around now; its file is served from
// 4 s + following after the call (003: "take effect in 4 to 12 seconds").
func getCurVideos(c *Camera, q *Request) (int, any) {
	pre, ok1 := clipSeconds(q.Params["preceding"])
	fol, ok2 := clipSeconds(q.Params["following"])
	if !ok1 || !ok2 {
		return codeClipParam, nil
	}
	if c.st.SDStatus != 2 {
		return codeClip, nil
	}
	name := strconv.FormatInt(c.now().UnixMilli(), 10) + "_" + strconv.Itoa(pre) + "_" + strconv.Itoa(fol) + ".flv"
	return codeOK, map[string]any{"url": "https://" + q.Host + c.signFile(clipPath+name)}
}

// signFile returns p?auth_key=<expiry>-<md5(p-expiry-secret)>: the shape of
// 003's URLs, checked without keeping state.
func (c *Camera) signFile(p string) string {
	exp := strconv.FormatInt(c.now().Add(fileTTL).Unix(), 10)
	return p + "?auth_key=" + exp + "-" + fileSign(p, exp, c.opt.Secret)
}

func fileSign(p, exp, secret string) string {
	sum := md5.Sum([]byte(p + "-" + exp + "-" + secret))
	return hex.EncodeToString(sum[:])
}

// serveMedia serves a record file or a ready clip for a valid auth_key:
// the test clip, as FLV.
func (c *Camera) serveMedia(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	exp, sig, _ := strings.Cut(r.URL.Query().Get("auth_key"), "-")
	expiry, err := strconv.ParseInt(exp, 10, 64)
	now := c.now()
	if err != nil || now.Unix() > expiry || sig != fileSign(r.URL.Path, exp, c.opt.Secret) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, clipPath); ok {
		parts := strings.Split(strings.TrimSuffix(name, ".flv"), "_")
		ms, _ := strconv.ParseInt(parts[0], 10, 64)
		fol := 0
		if len(parts) == 3 {
			fol, _ = strconv.Atoi(parts[2])
		}
		if now.UnixMilli() < ms+int64(4+fol)*1000 {
			http.Error(w, "not ready", http.StatusNotFound)
			return
		}
	}
	w.Header().Set("Content-Type", "video/x-flv")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(clipFLV))
}

// IssueRTSP grants a URL of stream name ("live_hd", "live_fhd", "pb") at
// 127.0.0.1 as getLiveStream would, for tests of stream consumers that do
// not speak the signed API. "" before StartRTSP.
func (c *Camera) IssueRTSP(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rtsp == nil {
		return ""
	}
	return c.issue(&Request{Host: "127.0.0.1"}, name)
}

// DropRTSP closes every RTSP connection without a TEARDOWN, as a camera
// that restarts does; its streams start again on the next DESCRIBE.
func (c *Camera) DropRTSP() error {
	c.mu.Lock()
	r := c.rtsp
	c.mu.Unlock()
	if r == nil {
		return nil
	}
	r.close()
	srv := &gortsplib.Server{Handler: r, RTSPAddress: r.addr}
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	return srv.Start()
}
