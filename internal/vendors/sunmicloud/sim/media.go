package sim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"strconv"
	"time"
)

// Paths of 000 直播回放接口 §5.2, relative to the base URL.
const (
	pathLiveStart        = "/media/live/start"
	pathLiveStop         = "/media/live/stop"
	pathPlaybackStart    = "/media/playback/start"
	pathPlaybackStop     = "/media/playback/stop"
	pathVideoList        = "/media/video/getList"
	pathMotionList       = "/media/motionDetection/getList"
	pathPlaybackSnapshot = "/media/playback/getSnapshot"
	pathLiveSnapshot     = "/media/live/getSnapshot"
)

const (
	codeRangeTooLong    = 5021 // 非法参数(时间区间超限), §5.3.4 and §5.3.8
	codeNoMatch         = 5087 // 无匹配数据, §5.3.8
	codeSnapshotQuota   = 5515 // 超出截图时常, §5.3.7
	videoListMaxRange   = 3600 // s, §5.3.4 备注
	playbackMaxRange    = 3600 // s; §5.3.8 only names 5021 (NOTES 28): the video list's limit
	motionMaxPageSize   = 100  // §5.3.5
	recordingPiece      = 300  // s: the camera cuts its recording into 5-minute files
	defaultURLTTL       = time.Hour
	snapshotTTL         = 24 * time.Hour // §5.3.7: 图片有效期为一天
	liveSegmentsListed  = 6              // segments in a live playlist
	liveSegmentsKept    = 30             // segments still served after leaving the playlist
	livePreroll         = liveSegmentsListed * segDuration
	maxMediaLog         = 1000
	playbackClientIDLen = 19
)

func init() {
	// The media endpoints join the table in sim.go.
	maps.Copy(endpoints, map[string]endpoint{
		pathLiveStart:        (*Server).liveStart,
		pathLiveStop:         (*Server).liveStop,
		pathPlaybackStart:    (*Server).playbackStart,
		pathPlaybackStop:     (*Server).playbackStop,
		pathVideoList:        (*Server).videoList,
		pathMotionList:       (*Server).motionList,
		pathPlaybackSnapshot: (*Server).playbackSnapshot,
		pathLiveSnapshot:     (*Server).liveSnapshot,
	})
	maps.Copy(commonMessages, map[int]string{codeNoMatch: "无匹配数据", 5088: "数据库错误"})
	endpointMessages[pathPlaybackStart] = map[int]string{codeDeviceNotInDB: "未查询到数据"}
	endpointMessages[pathLiveSnapshot] = map[int]string{codeDeviceComm: "与设备端通讯错误"}
	endpointMessages[pathLiveStart] = map[int]string{codeNoDevice: "ipc设备不存在"}
	endpointMessages[pathLiveStop] = map[int]string{codeNoDevice: "ipc设备不存在"}
}

// MediaEvent is one start or stop of a stream, as tests and the demo's
// status page read them.
type MediaEvent struct {
	At         time.Time
	Op         string // "live.start", "live.stop", "playback.start", "playback.stop"
	SN         string
	Resolution int    // live only
	ClientID   string // playback only
}

// MediaStats counts what the CDN side served.
type MediaStats struct {
	FLVConnects     int // HTTP-FLV responses started
	PlaylistFetches int
	SegmentFetches  int
	Refused         int // 403s for a missing, forged or expired auth_key
}

// liveKey is a live stream: per device and resolution (NOTES 26).
type liveKey struct {
	sn  string
	res int
}

// liveStream is a started live stream. Its picture runs from epoch.
type liveStream struct {
	id     string
	epoch  time.Time
	active bool
	done   chan struct{} // closed when stopped: open FLV responses end
}

// playback is a started playback: the recording from start to end.
type playback struct {
	clientID, sn string
	start, end   time.Time
	done         chan struct{}
}

// media is the simulator's media state, guarded by Server.mu.
type media struct {
	cdnKey    string
	ttl       time.Duration
	live      map[liveKey]*liveStream
	playbacks map[string]*playback
	log       []MediaEvent
	stats     MediaStats
	since     map[string]time.Time // sn -> recording since
}

func newMedia() *media {
	k := make([]byte, 16)
	rand.Read(k)
	return &media{cdnKey: hex.EncodeToString(k), ttl: defaultURLTTL, live: map[liveKey]*liveStream{},
		playbacks: map[string]*playback{}, since: map[string]time.Time{}}
}

// SetURLTTL sets how long the stream URLs handed out stay valid (default
// one hour, as 000 §5.3.8's example).
func (s *Server) SetURLTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media.ttl = d
}

// SetCDNKey sets the private key of the media URLs' auth_key (random by
// default), so tests can sign a URL by hand.
func (s *Server) SetCDNKey(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media.cdnKey = k
}

// SetRecordingSince says that the camera sn has recorded since t (by
// default since forever): video lists and playback find nothing before.
func (s *Server) SetRecordingSince(sn string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media.since[sn] = t
}

// MediaLog returns the starts and stops so far, oldest first.
func (s *Server) MediaLog() []MediaEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]MediaEvent(nil), s.media.log...)
}

// MediaStats returns the CDN counters.
func (s *Server) MediaStats() MediaStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.media.stats
}

// LiveActive reports whether the live stream of sn at res is started.
func (s *Server) LiveActive(sn string, res int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.media.live[liveKey{sn, res}]
	return ls != nil && ls.active
}

// logMedia records an event. Called with s.mu held.
func (s *Server) logMedia(ev MediaEvent) {
	ev.At = s.now()
	m := s.media
	m.log = append(m.log, ev)
	if n := len(m.log); n > maxMediaLog {
		m.log = append(m.log[:0], m.log[n-maxMediaLog:]...)
	}
	if s.logf != nil {
		s.logf("sunmicloud sim: %s sn=%s resolution=%d client_id=%s", ev.Op, ev.SN, ev.Resolution, ev.ClientID)
	}
}

// resolution reads §5.3.1's resolution: 0 超清 or 1 高清, 0 when absent
// (NOTES 26: whether it is required is unclear).
func resolution(q *request) (int, bool) {
	v, ok := q.params["resolution"]
	if !ok || v == "" {
		return 0, true
	}
	switch v {
	case "0":
		return 0, true
	case "1":
		return 1, true
	}
	return 0, false
}

// liveDevice checks the shop and camera of a live call; a camera that is
// off line cannot stream (5011 与设备通讯错误).
func (s *Server) liveDevice(q *request) (*Device, int) {
	if !hasShop(q) || !hasDevice(q) {
		return nil, codeInvalidParam
	}
	_, d, code := s.resolveShopDevice(q)
	if code != codeOK {
		return nil, code
	}
	return d, codeOK
}

// streamURLs is the data of live/start and playback/start.
type streamURLs struct {
	URL      string `json:"url"`
	HLSURL   string `json:"hls_url"`
	ClientID string `json:"client_id,omitempty"`
}

// signedURL is base + path?auth_key=..., valid for the media TTL.
func (s *Server) signedURL(base, path string, ttl time.Duration) string {
	return base + path + "?auth_key=" + s.signPath(path, s.now().Add(ttl))
}

// liveStart is 000 §5.3.1. The stream of a camera and resolution is one at
// the vendor: starting it again while it runs hands out fresh URLs to the
// same stream. Each start is logged.
func (s *Server) liveStart(q *request) (int, any) {
	res, ok := resolution(q)
	if !ok {
		return codeInvalidParam, nil
	}
	d, code := s.liveDevice(q)
	if code != codeOK {
		return code, nil
	}
	if !d.Online {
		return codeDeviceComm, nil
	}
	k := liveKey{d.SN, res}
	ls := s.media.live[k]
	if ls == nil || !ls.active {
		ls = &liveStream{id: newStreamID(), epoch: s.now().Add(-livePreroll), active: true, done: make(chan struct{})}
		s.media.live[k] = ls
	}
	s.logMedia(MediaEvent{Op: "live.start", SN: d.SN, Resolution: res})
	p := livePath(d.SN, res, ls.id)
	return codeOK, streamURLs{URL: s.signedURL(q.base, p+".flv", s.media.ttl), HLSURL: s.signedURL(q.base, p+".m3u8", s.media.ttl)}
}

// liveStop is 000 §5.3.2: the stream ends for every viewer; open FLV
// responses close. Stopping a stream that is not running succeeds (the
// document lists no code for it) and is logged all the same.
func (s *Server) liveStop(q *request) (int, any) {
	res, ok := resolution(q)
	if !ok {
		return codeInvalidParam, nil
	}
	d, code := s.liveDevice(q)
	if code != codeOK {
		return code, nil
	}
	if ls := s.media.live[liveKey{d.SN, res}]; ls != nil && ls.active {
		ls.active = false
		close(ls.done)
	}
	s.logMedia(MediaEvent{Op: "live.stop", SN: d.SN, Resolution: res})
	return codeOK, nil
}

// timeRange reads start_time and end_time (10-digit seconds): both
// required, end not before start.
func timeRange(q *request) (time.Time, time.Time, bool) {
	a, err1 := strconv.ParseInt(q.params["start_time"], 10, 64)
	b, err2 := strconv.ParseInt(q.params["end_time"], 10, 64)
	if err1 != nil || err2 != nil || a <= 0 || b < a {
		return time.Time{}, time.Time{}, false
	}
	return time.Unix(a, 0), time.Unix(b, 0), true
}

// playbackStart is 000 §5.3.8: a range of at most 3600 s (5021) that
// overlaps a recording (else 5087 无匹配数据). The reply's client_id names
// the session for stop.
func (s *Server) playbackStart(q *request) (int, any) {
	from, to, ok := timeRange(q)
	if !ok {
		return codeInvalidParam, nil
	}
	if to.Sub(from) > playbackMaxRange*time.Second {
		return codeRangeTooLong, nil
	}
	d, code := s.liveDevice(q)
	if code != codeOK {
		return code, nil
	}
	if to.Equal(from) {
		to = from.Add(time.Minute)
	}
	if len(s.pieces(d.SN, from, to)) == 0 {
		return codeNoMatch, nil
	}
	pb := &playback{clientID: "SAAS-OpenAPI_" + newStreamID(), sn: d.SN, start: from, end: to, done: make(chan struct{})}
	s.media.playbacks[pb.clientID] = pb
	s.logMedia(MediaEvent{Op: "playback.start", SN: d.SN, ClientID: pb.clientID})
	p := playbackPath(pb.clientID, from)
	return codeOK, streamURLs{URL: s.signedURL(q.base, p+".flv", s.media.ttl), HLSURL: s.signedURL(q.base, p+".m3u8", s.media.ttl),
		ClientID: pb.clientID}
}

// playbackStop is 000 §5.3.9: only client_id; an unknown one is 5020 无效参数
// (its only listed code).
func (s *Server) playbackStop(q *request) (int, any) {
	pb := s.media.playbacks[q.params["client_id"]]
	if pb == nil {
		return codeInvalidParam, nil
	}
	delete(s.media.playbacks, pb.clientID)
	close(pb.done)
	s.logMedia(MediaEvent{Op: "playback.stop", SN: pb.sn, ClientID: pb.clientID})
	return codeOK, nil
}

// piece is one recorded file.
type piece struct{ start, end time.Time }

// pieces lists the camera's recordings overlapping [from, to] (an instant
// when equal): 5-minute files back to back from the recording start, up to
// now, with one in about twelve missing (the camera was restarting, say) so
// the timeline shows gaps. The pattern comes from a hash of the SN and the
// piece's number, so every call agrees.
func (s *Server) pieces(sn string, from, to time.Time) []piece {
	since, now := s.media.since[sn], s.now()
	if from.Before(since) {
		from = since
	}
	if to.After(now) {
		to = now
	}
	var out []piece
	for n := from.Unix() / recordingPiece; n*recordingPiece <= to.Unix(); n++ {
		st := time.Unix(n*recordingPiece, 0)
		en := st.Add(recordingPiece * time.Second)
		if en.After(now) || st.Before(since) || !en.After(from) || hashOf(sn, "rec", strconv.FormatInt(n, 10))%12 == 0 {
			continue
		}
		out = append(out, piece{st, en})
	}
	return out
}

type videoItem struct {
	IpcID     string `json:"ipc_id"`
	URL       string `json:"url"`
	StartTime int64  `json:"start_time"`
	EndTime   int64  `json:"end_time"`
}

type videoListData struct {
	TotalCount int         `json:"total_count"`
	VideoList  []videoItem `json:"video_list"`
}

// videoList is 000 §5.3.4: at most 3600 s between start_time and end_time
// (5021), every file overlapping the range, 5013 when there is none. The
// URLs are written "http: //host/..." as in the document's example (NOTES
// 29): a faithful fake keeps the vendor's defect for the client to cope with.
func (s *Server) videoList(q *request) (int, any) {
	from, to, ok := timeRange(q)
	if !ok || !hasShop(q) || !hasDevice(q) {
		return codeInvalidParam, nil
	}
	if to.Sub(from) > videoListMaxRange*time.Second {
		return codeRangeTooLong, nil
	}
	d, code := s.liveDevice(q)
	if code != codeOK {
		return code, nil
	}
	ps := s.pieces(d.SN, from, to)
	if len(ps) == 0 {
		return codeNoData, nil
	}
	items := make([]videoItem, len(ps))
	for i, p := range ps {
		items[i] = videoItem{IpcID: d.IpcID, StartTime: p.start.Unix(), EndTime: p.end.Unix(),
			URL: spaced(q.base) + "/VIDEO/IPC/" + d.SN + "/" + fileKey(d.SN, p.start.Unix())}
	}
	return codeOK, videoListData{TotalCount: len(items), VideoList: items}
}

// spaced turns http://host into "http: //host", 000's printed form.
func spaced(base string) string {
	for _, p := range []string{"https:", "http:"} {
		if len(base) > len(p) && base[:len(p)] == p {
			return p + " " + base[len(p):]
		}
	}
	return base
}

func fileKey(sn string, n int64) string {
	h := sha256.Sum256([]byte(sn + "/file/" + strconv.FormatInt(n, 10)))
	return fmt.Sprintf("%X", h[:16])
}

type motionItem struct {
	Source     string `json:"source"` // a string, as §5.3.5's example (NOTES 30)
	DetectTime int64  `json:"detect_time"`
	URL        string `json:"url"`
}

type motionData struct {
	TotalNum  int          `json:"total_num"`
	VideoList []motionItem `json:"video_list"`
}

// motions are the detections in [from, to]: in about a third of the
// recorded files, one detection at a hashed second, of a hashed source.
func (s *Server) motions(sn string, from, to time.Time) []motionItem {
	var out []motionItem
	for _, p := range s.pieces(sn, from.Add(-recordingPiece*time.Second), to) {
		n := p.start.Unix() / recordingPiece
		h := hashOf(sn, "motion", strconv.FormatInt(n, 10))
		if h%3 != 0 {
			continue
		}
		at := p.start.Add(time.Duration(h>>8%recordingPiece) * time.Second)
		if at.Before(from) || at.After(to) {
			continue
		}
		out = append(out, motionItem{Source: strconv.Itoa(int(h>>20%3) + 1), DetectTime: at.Unix()})
	}
	return out
}

// motionList is 000 §5.3.5: paged (page_num from 1, page_size default 10,
// at most 100: more is 5020), total_num counting every detection in the
// range; a range with none is 5013. The document sets no range limit.
func (s *Server) motionList(q *request) (int, any) {
	from, to, ok := timeRange(q)
	if !ok || !hasShop(q) || !hasDevice(q) {
		return codeInvalidParam, nil
	}
	page, size := 1, 10
	if v := q.params["page_num"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return codeInvalidParam, nil
		}
		page = n
	}
	if v := q.params["page_size"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > motionMaxPageSize {
			return codeInvalidParam, nil
		}
		size = n
	}
	d, code := s.liveDevice(q)
	if code != codeOK {
		return code, nil
	}
	all := s.motions(d.SN, from, to)
	if len(all) == 0 {
		return codeNoData, nil
	}
	for i := range all {
		all[i].URL = spaced(q.base) + "/VIDEO/IPC/" + d.SN + "/" + fileKey(d.SN, all[i].DetectTime)
	}
	lo := min((page-1)*size, len(all))
	hi := min(lo+size, len(all))
	return codeOK, motionData{TotalNum: len(all), VideoList: all[lo:hi]}
}

type snapshotData struct {
	SnapshotURL string `json:"snapshot_url"`
}

// playbackSnapshot is 000 §5.3.6: a picture of the recording at time; a
// time with no recording is 5013.
func (s *Server) playbackSnapshot(q *request) (int, any) {
	t, err := strconv.ParseInt(q.params["time"], 10, 64)
	if err != nil || t <= 0 {
		return codeInvalidParam, nil
	}
	d, code := s.liveDevice(q)
	if code != codeOK {
		return code, nil
	}
	at := time.Unix(t, 0)
	if len(s.pieces(d.SN, at, at)) == 0 {
		return codeNoData, nil
	}
	return codeOK, snapshotData{s.signedURL(q.base, snapshotPath(d.SN, t), snapshotTTL)}
}

// liveSnapshot is 000 §5.3.7: a picture now, valid for a day; an offline
// camera is 5011.
func (s *Server) liveSnapshot(q *request) (int, any) {
	d, code := s.liveDevice(q)
	if code != codeOK {
		return code, nil
	}
	if !d.Online {
		return codeDeviceComm, nil
	}
	return codeOK, snapshotData{s.signedURL(q.base, snapshotPath(d.SN, s.now().Unix()), snapshotTTL)}
}

// newStreamID is a 19-digit id like 000's 1219130724381102080.
func newStreamID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return strconv.FormatUint(1e18+binary.BigEndian.Uint64(b)%(9e18), 10)
}
