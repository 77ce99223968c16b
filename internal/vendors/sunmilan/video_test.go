package sunmilan

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan/sim"
)

// 003's own example replies (Video Streaming 1, 2, 3 and 5; its curly
// quotes made straight), read through the client: the RTSP URLs keep
// their path (the camera's token) and port, on the host we called.
func TestVideoDocExamples(t *testing.T) {
	replies := map[string]string{
		"/openapi/media/getLiveStream": `{"code": 0, "data": {
			"hd_live_url": "rtsp://192.168.0.1/ed98eeead4c843f898fef1c203313364/live_hd.sdp",
			"fhd_live_url": "rtsp://192.168.0.1/ed98eeead4c843f898fef1c203313364/live_fhd.sdp"}}`,
		"/openapi/media/getPlaybackStream": `{"code": 0, "data": {"playback_url": "rtsp://192.168.0.1/ed98eeead4c843f898fef1c203313364/pb.sdp"}}`,
		"/openapi/media/getRecordList": `{"code": 0, "data": {"total_num": 100, "return_num": 30, "record_list":[{"start_time": 1564565216,
			"end_time": 1564565276, "url": "https://192.168.0.1/mnt/sd-card/sunmi_video/video_plan/20190731172656_20190731172756.flv?auth_key=1564643800-efc1f64efb0d1d8fab35f0fe8c823a34"}]}}`,
		"/openapi/media/getCurVideos": `{"data": {"url":"https://10.10.63.19/mnt/sd-card/video_slicer/1585741874923_0_0.flv?auth_key=1585741878-c41f9a8751fe0c259b3d00b3842aa668"}, "code":0}`,
	}
	forms := map[string]url.Values{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		forms[r.URL.Path] = r.PostForm
		_, _ = w.Write([]byte(replies[r.URL.Path]))
	}))
	defer srv.Close()
	c, err := New(Config{Address: strings.TrimPrefix(srv.URL, "https://"), AppID: testAppID, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	live, err := c.LiveStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if live.HD != "rtsp://127.0.0.1:554/ed98eeead4c843f898fef1c203313364/live_hd.sdp" ||
		live.FHD != "rtsp://127.0.0.1:554/ed98eeead4c843f898fef1c203313364/live_fhd.sdp" {
		t.Fatalf("live %+v", live)
	}
	st, err := c.StartLive(ctx, vendors.ShopRef{}, vendors.DeviceRef{}, vendors.QualitySuper)
	if err != nil || st.RTSP != live.FHD || st.FLV != "" || st.HLS != "" {
		t.Fatalf("超清 is fhd: %+v %v", st, err)
	}
	// 003's playback request example: start_time=1564565637&end_time=1564565697.
	pb, err := c.PlaybackStream(ctx, time.Unix(1564565637, 0), time.Unix(1564565697, 0))
	if err != nil || pb != "rtsp://127.0.0.1:554/ed98eeead4c843f898fef1c203313364/pb.sdp" {
		t.Fatalf("playback %q %v", pb, err)
	}
	if f := forms["/openapi/media/getPlaybackStream"]; f.Get("start_time") != "1564565637" || f.Get("end_time") != "1564565697" || f.Get("sign") == "" {
		t.Fatalf("playback form %v", f)
	}
	// 003's record list example: page 2 of 30.
	page, err := c.RecordList(ctx, time.Unix(1564565216, 0), time.Unix(1564565697, 0), 2, 30)
	if err != nil || page.Total != 100 || len(page.Records) != 1 || page.Records[0].Start.Unix() != 1564565216 ||
		page.Records[0].End.Unix() != 1564565276 || !strings.Contains(page.Records[0].URL, "20190731172656_20190731172756.flv?auth_key=") {
		t.Fatalf("record list %+v %v", page, err)
	}
	if f := forms["/openapi/media/getRecordList"]; f.Get("page_num") != "2" || f.Get("page_size") != "30" {
		t.Fatalf("record list form %v", f)
	}
	clip, err := c.CurVideos(ctx, 0, 8)
	if err != nil || !strings.HasSuffix(clip, "1585741874923_0_0.flv?auth_key=1585741878-c41f9a8751fe0c259b3d00b3842aa668") {
		t.Fatalf("clip %q %v", clip, err)
	}
	if f := forms["/openapi/media/getCurVideos"]; f.Get("preceding") != "0" || f.Get("following") != "8" {
		t.Fatalf("clip form %v", f)
	}
}

// Refused before anything is sent: clip seconds other than 0/4/8, a range
// not forwards or over a day, page sizes over 500.
func TestVideoArgumentsChecked(t *testing.T) {
	cam, c := activated(t)
	ctx := context.Background()
	now := time.Now()
	for name, err := range map[string]error{
		"preceding 5":  func() error { _, err := c.CurVideos(ctx, 5, 0); return err }(),
		"following 12": func() error { _, err := c.CurVideos(ctx, 0, 12); return err }(),
		"backwards":    func() error { _, err := c.PlaybackStream(ctx, now, now.Add(-time.Minute)); return err }(),
		"over a day":   func() error { _, err := c.RecordList(ctx, now.Add(-25*time.Hour), now, 1, 10); return err }(),
		"page 501":     func() error { _, err := c.RecordList(ctx, now.Add(-time.Hour), now, 1, 501); return err }(),
	} {
		if vendors.KindOf(err) != vendors.KindInvalidParam {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := cam.CallsTo("/media/getCurVideos") + cam.CallsTo("/media/getRecordList") + cam.CallsTo("/media/getPlaybackStream"); n != 0 {
		t.Fatalf("%d calls sent", n)
	}
}

// Against the simulator: live URLs open over RTSP (and only fresh ones),
// a day of one-minute records comes in pages, a record file and a clip
// download through the pinned connection, a range without recording is
// 230.
func TestVideoAgainstSimulator(t *testing.T) {
	cam, c := activated(t)
	ctx := context.Background()
	if _, err := c.LiveStream(ctx); codeOf(err) != CodeLive {
		t.Fatalf("before the RTSP server runs: %v", err)
	}
	if _, err := cam.StartRTSP("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	live, err := c.LiveStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(cam.RTSPAddr(), ":")
	if !strings.HasPrefix(live.HD, "rtsp://127.0.0.1:"+port+"/") || !strings.HasSuffix(live.HD, "/live_hd.sdp") {
		t.Fatalf("hd %s (RTSP at %s)", live.HD, cam.RTSPAddr())
	}
	describe := func(raw string) error {
		u, err := base.ParseURL(raw)
		if err != nil {
			return err
		}
		tcp := gortsplib.TransportTCP
		rc := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Transport: &tcp}
		if err := rc.Start2(); err != nil {
			return err
		}
		defer rc.Close()
		_, _, err = rc.Describe(u)
		return err
	}
	if err := describe(live.FHD); err != nil {
		t.Fatalf("describe fhd: %v", err)
	}
	forged := live.HD[:strings.LastIndex(live.HD, "/")-4] + "0000/live_hd.sdp"
	if err := describe(forged); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a token the camera did not issue: %v", err)
	}

	day := time.Now().Add(-24 * time.Hour).Truncate(time.Minute)
	cam.SetRecorded(sim.Span{From: day.Unix(), To: day.Add(10 * time.Hour).Unix()}, sim.Span{From: day.Add(12*time.Hour + 30*time.Second).Unix(), To: day.Add(12*time.Hour + 150*time.Second).Unix()})
	recs, err := c.Records(ctx, day, day.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 600+3 || !recs[0].Start.Equal(day) || recs[599].End.Unix() != day.Add(10*time.Hour).Unix() {
		t.Fatalf("%d records, first %v, 600th %v", len(recs), recs[0], recs[min(599, len(recs)-1)])
	}
	if last := recs[602]; last.Start.Unix() != day.Add(12*time.Hour+120*time.Second).Unix() || last.End.Unix() != day.Add(12*time.Hour+150*time.Second).Unix() {
		t.Fatalf("cut at whole minutes: %v", recs[600:])
	}
	if cam.CallsTo("/media/getRecordList") != 2 {
		t.Fatalf("%d record list calls for 603 files", cam.CallsTo("/media/getRecordList"))
	}
	ct, body, err := c.Fetch(ctx, recs[0].URL)
	if err != nil || ct != "video/x-flv" || len(body) < 1000 {
		t.Fatalf("record file %s %d %v", ct, len(body), err)
	}
	pb, err := c.PlaybackStream(ctx, day.Add(time.Hour), day.Add(time.Hour+time.Minute))
	if err != nil || !strings.HasSuffix(pb, "/pb.sdp") {
		t.Fatalf("playback %q %v", pb, err)
	}
	if _, err := c.PlaybackStream(ctx, day.Add(11*time.Hour), day.Add(11*time.Hour+time.Minute)); codeOf(err) != CodeNoPlaybackRecord || vendors.KindOf(err) != vendors.KindNoData {
		t.Fatalf("no recording: %v", err)
	}

	clip, err := c.CurVideos(ctx, 4, 0)
	if err != nil || !strings.Contains(clip, "/mnt/sd-card/video_slicer/") {
		t.Fatalf("clip %q %v", clip, err)
	}
	if _, _, err := c.Fetch(ctx, clip); err == nil {
		t.Fatal("a clip was ready at once (003: after 4 to 12 s)")
	}
	cam.Update(func(s *sim.State) { s.SDStatus = 0 })
	if _, err := c.CurVideos(ctx, 0, 0); codeOf(err) != CodeClip {
		t.Fatalf("no SD card: %v", err)
	}
}

func codeOf(err error) int {
	var ve *vendors.Error
	if errors.As(err, &ve) {
		return ve.Code
	}
	return 0
}
