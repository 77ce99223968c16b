package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// lanVideoCamera adds and activates the simulated LAN camera in shop A and
// returns its camera path (/shops/A/cameras/N).
func lanVideoCamera(t *testing.T, d *devicesApp, b *browser) string {
	t.Helper()
	page := d.addCamera(t, b)
	if r := b.post(page+"/activate", nil); r.status != http.StatusSeeOther {
		t.Fatalf("activate: %d", r.status)
	}
	return strings.TrimSuffix(page, "/lan")
}

// A LAN camera's live view: HLS (no FLV player), the RTSP URL never in a
// page or playlist, one RTSP session for two viewers, a TEARDOWN at the
// camera when they are gone; another shop's manager gets 404s.
func TestLANCameraLive(t *testing.T) {
	d := newDevicesApp(t)
	admin := d.login("admin", adminPW)
	cam := lanVideoCamera(t, d, admin)
	admin.get(cam+"/lan").has(t, `data-testid="lan-live"`, cam+"/live", cam+"/recordings")

	r := admin.get(cam + "/live?q=1")
	r.has(t, `data-mode="hls"`, `data-hls="`+cam+`/live/1/hls/"`, `data-testid="snapshot"`, `data-testid="fullscreen"`, `data-testid="quality-0"`)
	if r := admin.post(cam+"/live/1/start", nil); r.status != http.StatusOK {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	for _, view := range []string{"viewer-0001", "viewer-0002"} {
		pl := admin.get(cam + "/live/1/hls/" + view + "/index.m3u8")
		if pl.status != 200 || !strings.Contains(pl.body, "r/") {
			t.Fatalf("playlist %d\n%s", pl.status, pl.body)
		}
		pl.lacks(t, "rtsp", d.cam.RTSPAddr(), "sdp")
		media := lastLine(pl.body)
		mp := admin.get(cam + "/live/1/hls/" + view + "/" + media)
		if mp.status != 200 {
			t.Fatalf("media playlist %d", mp.status)
		}
		seg := admin.get(cam + "/live/1/hls/" + view + "/r/" + lastLine(mp.body))
		if seg.status != 200 || seg.header.Get("Content-Type") != "video/mp2t" {
			t.Fatalf("segment %d %s", seg.status, seg.header.Get("Content-Type"))
		}
	}
	if n := d.cam.RTSPPlaying(); n != 1 || d.cam.CallsTo("/media/getLiveStream") != 1 { // 高清 only so far
		t.Fatalf("%d RTSP sessions, %d getLiveStream calls for two viewers", n, d.cam.CallsTo("/media/getLiveStream"))
	}
	if r := admin.get(cam + "/live/1/hls/viewer-0001/r/..%2Fsecret.ts"); r.status != http.StatusNotFound {
		t.Fatalf("odd file name: %d", r.status)
	}
	// The camera refusing: its code in the reader's language, then a
	// retry works.
	d.cam.SetFault("/media/getLiveStream", lansim.Fault{Code: 232, Times: 3}) // a read: tried three times
	if r := admin.post(cam+"/live/0/start", nil); r.status != http.StatusBadGateway || !strings.Contains(r.body, "232") {
		t.Fatalf("refused start: %d %s", r.status, r.body)
	}
	if r := admin.post(cam+"/live/0/start", nil); r.status != http.StatusOK {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
	snap := admin.get(cam + "/snapshot")
	if snap.status != 200 || snap.header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("snapshot %d %s", snap.status, snap.header.Get("Content-Type"))
	}

	// Another shop's manager: every stream URL of this camera is a 404.
	d.addUser("mgrb", managerPW, models.RoleManager, d.shopB.ID)
	other := d.login("mgrb", managerPW)
	for _, p := range []string{"/live", "/live/1/hls/viewer-0003/index.m3u8", "/live/1/hls/viewer-0001/r/x.ts", "/recordings", "/snapshot", "/clips/1"} {
		if r := other.get(cam + p); r.status != http.StatusNotFound {
			t.Errorf("%s for another shop's manager: %d", p, r.status)
		}
	}
	if r := other.post(cam+"/live/1/start", nil); r.status != http.StatusNotFound {
		t.Errorf("start for another shop's manager: %d", r.status)
	}

	// The viewers stop asking: after their TTL and the linger, TEARDOWN.
	deadline := time.Now().Add(15 * time.Second)
	for d.cam.RTSPPlaying() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("still playing at the camera: %+v", d.cam.RTSPLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if log := d.cam.RTSPLog(); log[len(log)-1].Reason != "TEARDOWN" {
		t.Fatalf("stop %+v", log)
	}
}

// A day of one-minute records makes the timeline; a recording plays as
// HLS through a playback RTSP session; clips are cut, listed and
// downloaded once ready; a refused clip says why.
func TestLANCameraRecordingsAndClips(t *testing.T) {
	d := newDevicesApp(t)
	admin := d.login("admin", adminPW)
	cam := lanVideoCamera(t, d, admin)
	tz, _ := time.LoadLocation(d.shopA.Timezone)
	if d.shopA.Timezone == "" || tz == nil {
		tz, _ = time.LoadLocation("Asia/Shanghai") // the shops' default
	}
	now := time.Now().In(tz)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, tz).AddDate(0, 0, -1)
	d.cam.SetRecorded(lansim.Span{From: day.Add(9 * time.Hour).Unix(), To: day.Add(12 * time.Hour).Unix()})

	r := admin.get(cam + "/recordings?date=" + day.Format("2006-01-02"))
	r.has(t, `data-testid="recording"`, `data-mode="hls"`, "09:00–12:00", `data-testid="clip-form"`, `data-testid="clips-empty"`)
	r.lacks(t, `data-testid="snapshot-form"`, ".flv", "auth_key")
	from, to := day.Add(10*time.Hour).Unix(), day.Add(10*time.Hour+time.Minute).Unix()
	q := fmt.Sprintf("?from=%d&to=%d&view=viewer-pb01", from, to)
	if r := admin.post(cam+"/playback/start"+q, nil); r.status != 200 {
		t.Fatalf("playback start %d %s", r.status, r.body)
	}
	pl := admin.get(cam + "/playback/hls/viewer-pb01/index.m3u8" + q)
	if pl.status != 200 || !strings.Contains(pl.body, "r/") {
		t.Fatalf("playback playlist %d %s", pl.status, pl.body)
	}
	if log := d.cam.RTSPLog(); len(log) == 0 || log[len(log)-1].Stream != "pb" {
		t.Fatalf("camera log %+v", log)
	}
	// Outside the recorded hours: the camera's 230, in the page's words.
	q = fmt.Sprintf("?from=%d&to=%d&view=viewer-pb02", day.Add(20*time.Hour).Unix(), day.Add(20*time.Hour+time.Minute).Unix())
	if r := admin.post(cam+"/playback/start"+q, nil); r.status != http.StatusBadGateway || !strings.Contains(r.body, "230") {
		t.Fatalf("no recording: %d %s", r.status, r.body)
	}

	// Clips.
	r = admin.post(cam+"/clips", url.Values{"preceding": {"8"}, "following": {"0"}})
	if r.status != http.StatusSeeOther || d.cam.CallsTo("/media/getCurVideos") != 1 {
		t.Fatalf("cut: %d %s", r.status, r.body)
	}
	list := admin.get(cam + "/recordings?clip=1")
	list.has(t, `data-testid="clip-asked"`, `data-testid="clip-pending"`, "−8 s / +0 s")
	list.lacks(t, "video_slicer")
	clips, _ := d.st.LANClips(context.Background(), mustCameraID(t, d), 10)
	if len(clips) != 1 {
		t.Fatalf("%d clips stored", len(clips))
	}
	href := fmt.Sprintf("%s/clips/%d", cam, clips[0].ID)
	if r := admin.get(href); r.status != http.StatusConflict {
		t.Fatalf("clip before it is ready: %d", r.status)
	}
	time.Sleep(time.Until(clips[0].ReadyAt) + 100*time.Millisecond)
	admin.get(cam+"/recordings").has(t, `data-testid="clip-download"`, href)
	dl := admin.get(href)
	if dl.status != 200 || dl.header.Get("Content-Type") != "video/x-flv" || !strings.HasPrefix(dl.body, "FLV") {
		t.Fatalf("clip download %d %s", dl.status, dl.header.Get("Content-Type"))
	}
	// Not 0/4/8: refused here, nothing sent; an SD card out: the camera's 237.
	admin.post(cam+"/clips", url.Values{"preceding": {"5"}, "following": {"0"}}).has(t, `data-testid="clips-error"`)
	d.cam.Update(func(s *lansim.State) { s.SDStatus = 0 })
	admin.lang = "zh-CN"
	r = admin.post(cam+"/clips", url.Values{"preceding": {"4"}, "following": {"4"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "237") || !strings.Contains(r.body, "视频片段") {
		t.Fatalf("refused clip: %d", r.status)
	}
	if n := d.cam.CallsTo("/media/getCurVideos"); n != 2 {
		t.Fatalf("%d clip calls", n)
	}
}

func mustCameraID(t *testing.T, d *devicesApp) uint {
	c, err := d.st.CameraBySN(context.Background(), sunmilan.Name, "C201D8BS00188")
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

var uriLine = regexp.MustCompile(`(?m)^[^#\s].*$`)

func lastLine(pl string) string {
	m := uriLine.FindAllString(pl, -1)
	if len(m) == 0 {
		return ""
	}
	return strings.TrimSpace(m[len(m)-1])
}
