package sim_test

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors/sunmicloud/sim"
)

// mediaFixture runs on the real clock (streams are paced by it); requests
// keep 000's example timestamp, so the skew window is off.
func mediaFixture(t *testing.T) (*sim.Server, *httptest.Server, caller) {
	t.Helper()
	s := sim.New(sim.Options{MaxSkew: -1})
	populate(s)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts, newCaller(t, ts)
}

type streamData struct {
	URL      string `json:"url"`
	HLSURL   string `json:"hls_url"`
	ClientID string `json:"client_id"`
}

func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestAuthKeyTypeA signs a URL by hand the Alibaba CDN "type A" way:
// md5("/snapshot/C101P98200023/1581333970.jpg-4102444800-abc123-0-cdnsecret").
func TestAuthKeyTypeA(t *testing.T) {
	s, ts, _ := mediaFixture(t)
	s.SetCDNKey("cdnsecret")
	path := "/snapshot/" + snD1 + "/1581333970.jpg"
	sum := md5.Sum([]byte(path + "-4102444800-abc123-0-cdnsecret"))
	good := "4102444800-abc123-0-" + hex.EncodeToString(sum[:])
	if st, b := get(t, ts.URL+path+"?auth_key="+good); st != 200 || len(b) < 100 {
		t.Fatalf("hand-signed URL: %d", st)
	}
	expired := md5.Sum([]byte(path + "-1581333970-abc123-0-cdnsecret"))
	for name, key := range map[string]string{
		"missing": "", "forged": "4102444800-abc123-0-00000000000000000000000000000000",
		"other path": "4102444800-abc123-0-" + hex.EncodeToString(md5.New().Sum(nil)),
		"expired":    "1581333970-abc123-0-" + hex.EncodeToString(expired[:]),
	} {
		if st, _ := get(t, ts.URL+path+"?auth_key="+url.QueryEscape(key)); st != http.StatusForbidden {
			t.Errorf("%s key: HTTP %d, want 403", name, st)
		}
	}
	if s.MediaStats().Refused != 4 {
		t.Fatalf("refused %d", s.MediaStats().Refused)
	}
}

func TestLiveStartStreamStop(t *testing.T) {
	s, _, c := mediaFixture(t)
	shop := map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1, "resolution": "1"}
	r := c.post("/media/live/start", shop)
	expect(t, r, 200, 0, "succeed")
	d := decode[streamData](t, r.Data)
	if !strings.Contains(d.URL, ".flv?auth_key=") || !strings.Contains(d.HLSURL, ".m3u8?auth_key=") {
		t.Fatalf("urls %+v", d)
	}
	if !s.LiveActive(snD1, 1) || s.LiveActive(snD1, 0) {
		t.Fatal("the stream is per resolution")
	}
	resp, err := http.Get(d.URL)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/x-flv" {
		t.Fatalf("flv: %v %v", resp, err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	head := make([]byte, 13)
	if _, err := io.ReadFull(br, head); err != nil || string(head[:3]) != "FLV" {
		t.Fatalf("header %q %v", head, err)
	}
	// Tags: metadata, the AVC sequence header, then a keyframe first.
	var types []byte
	var firstFrame []byte
	for len(types) < 3 {
		h := make([]byte, 11)
		if _, err := io.ReadFull(br, h); err != nil {
			t.Fatal(err)
		}
		body := make([]byte, int(h[1])<<16|int(h[2])<<8|int(h[3])+4)
		if _, err := io.ReadFull(br, body); err != nil {
			t.Fatal(err)
		}
		types = append(types, h[0])
		firstFrame = body
	}
	if types[0] != 18 || types[1] != 9 || firstFrame[0] != 0x17 || firstFrame[1] != 1 {
		t.Fatalf("tags %v, first frame %x", types, firstFrame[:2])
	}
	// HLS: a sliding window whose segments are signed, fetched once each.
	st, pl := get(t, d.HLSURL)
	if st != 200 || !strings.Contains(string(pl), "#EXT-X-MEDIA-SEQUENCE:0") || strings.Contains(string(pl), "ENDLIST") {
		t.Fatalf("playlist %d\n%s", st, pl)
	}
	var seg string
	for _, l := range strings.Split(string(pl), "\n") {
		if strings.HasSuffix(strings.SplitN(l, "?", 2)[0], ".ts") {
			seg = l
		}
	}
	base, _ := url.Parse(d.HLSURL)
	su, _ := base.Parse(seg)
	if st, b := get(t, su.String()); st != 200 || len(b)%188 != 0 || b[0] != 0x47 {
		t.Fatalf("segment %s: %d", seg, st)
	}
	if st, _ := get(t, strings.Replace(su.String(), "auth_key=", "auth_key=1", 1)); st != 403 {
		t.Fatalf("tampered segment key: %d", st)
	}

	expect(t, c.post("/media/live/stop", shop), 200, 0, "succeed")
	done := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, br); done <- err }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the FLV response did not end at stop")
	}
	if st, _ := get(t, d.HLSURL); st != 404 {
		t.Fatalf("playlist after stop: %d", st)
	}
	log := s.MediaLog()
	if len(log) != 2 || log[0].Op != "live.start" || log[1].Op != "live.stop" || log[1].SN != snD1 || log[1].Resolution != 1 {
		t.Fatalf("log %+v", log)
	}
	if st := s.MediaStats(); st.FLVConnects != 1 || st.SegmentFetches != 1 || st.PlaylistFetches != 1 || st.Refused != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLiveErrors(t *testing.T) {
	_, _, c := mediaFixture(t)
	expect(t, c.post("/media/live/start", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1, "resolution": "2"}), 200, 5020, "")
	expect(t, c.post("/media/live/start", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD2}), 200, 5011, "与设备通讯错误")
	expect(t, c.post("/media/live/start", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": "NOPE"}), 200, 5501, "ipc设备不存在")
	expect(t, c.post("/media/live/start", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory}), 200, 5510, "")
	expect(t, c.post("/media/live/start", map[string]string{"sunmi_shop_no": shop1}), 200, 5020, "")
}

func TestURLExpiry(t *testing.T) {
	s, _, c := mediaFixture(t)
	s.SetURLTTL(1500 * time.Millisecond)
	r := c.post("/media/live/start", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1})
	d := decode[streamData](t, r.Data)
	resp, err := http.Get(d.URL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	// The CDN session ends with its auth_key (second-granular: 1-2 s).
	start := time.Now()
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("stream ran %s past its key", el)
	}
	if st, _ := get(t, d.URL); st != 403 {
		t.Fatalf("expired URL: %d", st)
	}
}

type videoList struct {
	TotalCount int `json:"total_count"`
	VideoList  []struct {
		URL       string `json:"url"`
		StartTime int64  `json:"start_time"`
		EndTime   int64  `json:"end_time"`
	} `json:"video_list"`
}

func TestVideoList(t *testing.T) {
	s, _, c := mediaFixture(t)
	end := time.Now().Add(-time.Hour).Truncate(time.Hour)
	p := map[string]string{"sunmi_shop_no": shop1, "ipc_id": idD1,
		"start_time": strconv.FormatInt(end.Add(-time.Hour).Unix(), 10), "end_time": strconv.FormatInt(end.Unix(), 10)}
	r := c.post("/media/video/getList", p)
	expect(t, r, 200, 0, "succeed")
	l := decode[videoList](t, r.Data)
	// Twelve 5-minute files an hour, one in about twelve missing, and the
	// file that starts at the range's end instant.
	if l.TotalCount != len(l.VideoList) || l.TotalCount < 8 || l.TotalCount > 13 {
		t.Fatalf("%d files", l.TotalCount)
	}
	if !strings.HasPrefix(l.VideoList[0].URL, "http: //") || l.VideoList[0].EndTime-l.VideoList[0].StartTime != 300 {
		t.Fatalf("item %+v", l.VideoList[0])
	}
	p["end_time"] = strconv.FormatInt(end.Unix()+1, 10) // 3601 s
	expect(t, c.post("/media/video/getList", p), 200, 5021, "非法参数(时间区间超限)")
	s.SetRecordingSince(snD1, time.Now())
	p["end_time"] = strconv.FormatInt(end.Unix(), 10)
	expect(t, c.post("/media/video/getList", p), 200, 5013, "")
}

type motionList struct {
	TotalNum  int `json:"total_num"`
	VideoList []struct {
		Source     string `json:"source"`
		DetectTime int64  `json:"detect_time"`
	} `json:"video_list"`
}

func TestMotionListPaging(t *testing.T) {
	_, _, c := mediaFixture(t)
	day := time.Now().Add(-48 * time.Hour)
	p := map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1, "start_time": strconv.FormatInt(day.Unix(), 10),
		"end_time": strconv.FormatInt(day.Add(24*time.Hour).Unix(), 10), "page_size": "30"}
	first := decode[motionList](t, c.post("/media/motionDetection/getList", p).Data)
	if first.TotalNum < 40 || len(first.VideoList) != 30 {
		t.Fatalf("total %d, page %d", first.TotalNum, len(first.VideoList))
	}
	seen := 0
	for page := 1; page <= (first.TotalNum+29)/30; page++ {
		p["page_num"] = strconv.Itoa(page)
		l := decode[motionList](t, c.post("/media/motionDetection/getList", p).Data)
		for _, m := range l.VideoList {
			if m.Source != "1" && m.Source != "2" && m.Source != "3" {
				t.Fatalf("source %q", m.Source)
			}
		}
		seen += len(l.VideoList)
	}
	if seen != first.TotalNum {
		t.Fatalf("pages held %d of %d", seen, first.TotalNum)
	}
	p["page_size"] = "101"
	expect(t, c.post("/media/motionDetection/getList", p), 200, 5020, "")
	p["page_size"], p["page_num"] = "10", "0"
	expect(t, c.post("/media/motionDetection/getList", p), 200, 5020, "")
}

func TestPlaybackAndSnapshots(t *testing.T) {
	s, _, c := mediaFixture(t)
	from := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
	p := map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1,
		"start_time": strconv.FormatInt(from.Unix(), 10), "end_time": strconv.FormatInt(from.Add(20*time.Minute).Unix(), 10)}
	r := c.post("/media/playback/start", p)
	expect(t, r, 200, 0, "succeed")
	d := decode[streamData](t, r.Data)
	if !strings.HasPrefix(d.ClientID, "SAAS-OpenAPI_") {
		t.Fatalf("client_id %q", d.ClientID)
	}
	st, pl := get(t, d.HLSURL)
	if st != 200 || !strings.Contains(string(pl), "#EXT-X-ENDLIST") || strings.Count(string(pl), "#EXTINF") != 1200 {
		t.Fatalf("VOD playlist %d, %d segments", st, strings.Count(string(pl), "#EXTINF"))
	}
	expect(t, c.post("/media/playback/stop", map[string]string{"client_id": d.ClientID}), 200, 0, "succeed")
	expect(t, c.post("/media/playback/stop", map[string]string{"client_id": d.ClientID}), 200, 5020, "")
	if st, _ := get(t, d.HLSURL); st != 404 {
		t.Fatalf("playlist after stop: %d", st)
	}
	log := s.MediaLog()
	if len(log) != 2 || log[0].Op != "playback.start" || log[1].Op != "playback.stop" || log[1].ClientID != d.ClientID {
		t.Fatalf("log %+v", log)
	}
	p["end_time"] = strconv.FormatInt(from.Add(time.Hour+time.Second).Unix(), 10)
	expect(t, c.post("/media/playback/start", p), 200, 5021, "")
	future := time.Now().Add(time.Hour)
	p["start_time"], p["end_time"] = strconv.FormatInt(future.Unix(), 10), strconv.FormatInt(future.Add(time.Minute).Unix(), 10)
	expect(t, c.post("/media/playback/start", p), 200, 5087, "无匹配数据")

	r = c.post("/media/live/getSnapshot", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1})
	expect(t, r, 200, 0, "succeed")
	snap := decode[struct {
		SnapshotURL string `json:"snapshot_url"`
	}](t, r.Data)
	if st, b := get(t, snap.SnapshotURL); st != 200 || b[0] != 0xff || b[1] != 0xd8 {
		t.Fatalf("snapshot %d", st)
	}
	expect(t, c.post("/media/live/getSnapshot", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD2}), 200, 5011, "与设备端通讯错误")
	at := strconv.FormatInt(from.Add(7*time.Minute).Unix(), 10)
	r = c.post("/media/playback/getSnapshot", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1, "time": at})
	if r.Code != 0 && r.Code != 5013 { // 5013 if that file is one of the gaps
		t.Fatalf("playback snapshot code %d", r.Code)
	}
	expect(t, c.post("/media/playback/getSnapshot", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1,
		"time": strconv.FormatInt(future.Unix(), 10)}), 200, 5013, "")
}
