package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/i18n"
	"storelens/internal/live"
	"storelens/internal/vendors"
	"storelens/internal/video"
	videoview "storelens/web/templates/video"
)

// LivePage is a camera's live view: the player, quality, snapshot, full
// screen, viewer count. ?q= picks the quality, ?mode=hls the HLS fallback.
func (s *Server) LivePage(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	q := vendors.QualitySuper
	if c.Query("q") == "1" {
		q = vendors.QualityHigh
	}
	href := cameraHref(sh.ID, cam.ID)
	base := fmt.Sprintf("%s/live/%d", href, q)
	v := videoview.LiveView{
		ShopName: sh.Name, ShopHref: shopHref(sh.ID), CameraName: cam.Name, CameraHref: href, Online: cam.Online,
		Quality: int(q), SuperHref: href + "/live?q=0", HighHref: href + "/live?q=1",
		Mode: c.DefaultQuery("mode", "flv"), Player: videoview.Player{
			Start: base + "/start", WS: base + "/ws", HLS: base + "/hls/", Viewers: base + "/viewers",
		},
		SnapshotHref: href + "/snapshot", RecordingsHref: href + "/recordings",
	}
	if cam.ScreenshotURL != "" {
		v.Player.Poster = screenshotHref(sh.ID, cam.ID)
	}
	if v.Mode != "hls" {
		v.Mode = "flv"
	}
	if video.IsLAN(*cam) { // RTSP, made HLS here: no FLV
		v.Mode, v.CameraHref = "hls", lanHref(sh.ID, cam.ID)
	}
	s.render(c, http.StatusOK, videoview.Live(v))
}

// VideoWall is a shop's cameras as tiles: the online ones play muted as
// the wall opens, any plays on click.
func (s *Server) VideoWall(c *gin.Context) {
	sh := currentShop(c)
	cams, err := s.Store.Cameras(c.Request.Context(), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := videoview.WallView{Header: s.shopHeader(c, sh, "video"), CamerasHref: shopHref(sh.ID)}
	for _, cam := range cams {
		href := cameraHref(sh.ID, cam.ID)
		base := href + "/live/1" // 高清: a wall of tiles needs no 超清
		t := videoview.Tile{Name: cam.Name, Href: href + "/live", Online: cam.Online, Mode: "flv", Autoplay: cam.Online,
			Player: videoview.Player{Start: base + "/start", WS: base + "/ws", HLS: base + "/hls/", Viewers: base + "/viewers"}}
		if cam.ScreenshotURL != "" {
			t.Player.Poster = screenshotHref(sh.ID, cam.ID)
		}
		if video.IsLAN(cam) {
			t.Mode = "hls"
		}
		v.Tiles = append(v.Tiles, t)
	}
	s.render(c, http.StatusOK, videoview.Wall(v))
}

// Recordings is a camera's day: the timeline of recorded video and motion
// detections, a player for them and a snapshot at a chosen time. The
// recordings are paged by day of the shop's time zone (?date=, the day
// picker, previous and next day), each day's list shown whole.
func (s *Server) Recordings(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	tz := zone(sh.Timezone)
	now := time.Now().In(tz)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, tz)
	day, dateErr := recordingsDay(loc(c), c.Query("date"), today)
	href := cameraHref(sh.ID, cam.ID)
	v := videoview.RecordingsView{ShopName: sh.Name, ShopHref: shopHref(sh.ID), CameraName: cam.Name, CameraHref: href,
		Date: day.Format("2006-01-02"), Max: now.Format("2006-01-02"), Action: href + "/recordings",
		PlaybackStart: href + "/playback/start", PlaybackWS: href + "/playback/ws", PlaybackHLS: href + "/playback/hls/",
		SnapshotHref: href + "/snapshot", LiveHref: href + "/live", PlaybackMode: "flv", DateError: dateErr,
		DayLabel: dayLabel(loc(c), day), Zone: tz.String()}
	// Days are calendar days of the shop: AddDate keeps midnight across a
	// change of the clocks, where adding 24 hours would not.
	prev := day.AddDate(0, 0, -1)
	v.PrevHref, v.PrevLabel = href+"/recordings?date="+prev.Format("2006-01-02"), dayLabel(loc(c), prev)
	if day.Before(today) {
		next := day.AddDate(0, 0, 1)
		v.NextHref, v.NextLabel = href+"/recordings?date="+next.Format("2006-01-02"), dayLabel(loc(c), next)
		v.TodayHref = href + "/recordings"
	}
	if video.IsLAN(*cam) {
		v.PlaybackMode, v.NoSnapshotAt, v.CameraHref = "hls", true, lanHref(sh.ID, cam.ID)
		v.LAN = s.lanClips(c, *cam, href)
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	end := day.AddDate(0, 0, 1)
	if end.After(now) {
		end = now
	}
	d, err := s.Video.Service.Day(ctx, *sh, *cam, day, end)
	if err != nil {
		if !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		v.Error = vendorMessage(loc(c), err)
	}
	v.Spans, v.Motions = daySpans(d, day, tz), dayMotions(d, day, tz)
	status := http.StatusOK
	if c.GetString(keyClipError) != "" || dateErr != "" { // a refused clip (video_lan.go), a bad date
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, videoview.RecordingsPage(v))
}

// recordingsDay is the day ?date= names in the shop's zone: today when
// none is given, and today with a message for a date that is not one or
// is still to come.
func recordingsDay(l *i18n.Localizer, q string, today time.Time) (time.Time, string) {
	if q == "" {
		return today, ""
	}
	day, err := time.ParseInLocation("2006-01-02", q, today.Location())
	switch {
	case err != nil:
		return today, l.Tf("ux.video.bad_date", map[string]any{"Date": q})
	case day.After(today):
		return today, l.T("ux.video.future_date")
	}
	return day, ""
}

// dayLabel names a day in the reader's language: "Sat 5 Dec 2026",
// "2026年12月5日 周六".
func dayLabel(l *i18n.Localizer, day time.Time) string {
	wd := l.T("ux.video.weekday." + strconv.Itoa(int(day.Weekday())))
	mon := l.T("ux.video.month." + strconv.Itoa(int(day.Month())))
	return l.Tf("ux.video.day_label", map[string]any{"Weekday": wd, "Day": day.Day(), "Month": mon,
		"MonthNum": int(day.Month()), "Year": day.Year()})
}

// daySpans joins back-to-back recordings into spans of the timeline.
func daySpans(d video.Day, day time.Time, tz *time.Location) []videoview.Span {
	var out []videoview.Span
	// A calendar day of the shop: 23 or 25 hours when the clocks change.
	length := day.AddDate(0, 0, 1).Unix() - day.Unix()
	for _, r := range d.Recordings {
		from, to := max(r.Start.Unix()-day.Unix(), 0), min(r.End.Unix()-day.Unix(), length)
		if from >= to {
			continue // touches the day only at its edge (a vendor's range is inclusive): another day's
		}
		if n := len(out); n > 0 && out[n-1].To >= from {
			out[n-1].To = max(out[n-1].To, to)
			out[n-1].Label = clock(day, out[n-1].From, tz) + "–" + clock(day, out[n-1].To, tz)
			out[n-1].EndUnix = day.Unix() + out[n-1].To
			continue
		}
		out = append(out, videoview.Span{From: from, To: to, StartUnix: day.Unix() + from, EndUnix: day.Unix() + to,
			Label: clock(day, from, tz) + "–" + clock(day, to, tz)})
	}
	return out
}

func dayMotions(d video.Day, day time.Time, tz *time.Location) []videoview.MotionMark {
	out := make([]videoview.MotionMark, 0, len(d.Motions))
	for _, m := range d.Motions {
		off := m.At.Unix() - day.Unix()
		out = append(out, videoview.MotionMark{At: off, Unix: m.At.Unix(), Clock: clock(day, off, tz), Source: int(m.Source)})
	}
	return out
}

func clock(day time.Time, off int64, tz *time.Location) string {
	if off >= 86400 {
		return "24:00"
	}
	return day.Add(time.Duration(off) * time.Second).In(tz).Format("15:04")
}

// playbackRange reads ?from= and ?to= (Unix seconds) of a playback.
func playbackRange(c *gin.Context) (time.Time, time.Time, bool) {
	from, err1 := strconv.ParseInt(c.Query("from"), 10, 64)
	to, err2 := strconv.ParseInt(c.Query("to"), 10, 64)
	if err1 != nil || err2 != nil || from <= 0 || to <= from {
		return time.Time{}, time.Time{}, false
	}
	if to-from > int64(video.MaxPlayback/time.Second) {
		to = from + int64(video.MaxPlayback/time.Second)
	}
	return time.Unix(from, 0), time.Unix(to, 0), true
}

// playbackSession opens viewer's playback of the requested range.
func (s *Server) playbackSession(c *gin.Context, viewer string) (*live.Session, bool) {
	from, to, ok := playbackRange(c)
	if !ok {
		c.String(http.StatusUnprocessableEntity, loc(c).T("video.bad_time"))
		return nil, false
	}
	sess, err := s.Video.Service.Playback(c.Request.Context(), *currentShop(c), *currentCamera(c), from, to, viewer)
	if err != nil {
		s.videoError(c, err)
		return nil, false
	}
	return sess, true
}

// PlaybackStart checks that the vendor has the recording, for the page to
// show a refusal before the player connects. The check's session is the
// viewer's own (its view id), ended by the linger if unused.
func (s *Server) PlaybackStart(c *gin.Context) {
	view := c.Query("view")
	if !live.ValidView(view) {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": loc(c).T("video.bad_time")})
		return
	}
	sess, ok := s.playbackSession(c, view)
	if !ok {
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	if _, err := sess.Ready(ctx); err != nil {
		c.JSON(http.StatusBadGateway, gin.H{"error": s.errorText(c, err)})
		return
	}
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

// PlaybackWS streams a recording as FLV over a websocket; the session is
// the viewer's own (?view=), stopped at the vendor when they leave.
func (s *Server) PlaybackWS(c *gin.Context) {
	view := c.Query("view")
	if !live.ValidView(view) {
		s.notFound(c)
		return
	}
	if sess, ok := s.playbackSession(c, view); ok {
		s.serveWS(c, sess)
	}
}

// PlaybackHLS answers the playback's playlist.
func (s *Server) PlaybackHLS(c *gin.Context) {
	view := c.Param("view")
	if !live.ValidView(view) {
		s.notFound(c)
		return
	}
	sess, ok := s.playbackSession(c, view)
	if !ok {
		return
	}
	if err := sess.ServeHLSPlaylist(c.Writer, c.Request, view); err != nil {
		s.videoError(c, err)
	}
}

// PlaybackHLSResource answers a resource of a running playback.
func (s *Server) PlaybackHLSResource(c *gin.Context) {
	view := c.Param("view")
	if !live.ValidView(view) {
		s.notFound(c)
		return
	}
	sess, found := s.Video.Live.Lookup(video.PlaybackKey(currentCamera(c).ID, view))
	if !found {
		s.notFound(c)
		return
	}
	if err := sess.ServeHLSResource(c.Writer, c.Request, view, c.Param("token")); err != nil {
		s.videoError(c, err)
	}
}

// streamLabel names a session in the reader's language: "收银台 · 直播 · 高清",
// "收银台 · 回放 10:00:00".
func streamLabel(c *gin.Context, in live.Info) string {
	l := loc(c)
	if in.Kind == "playback" {
		return in.Name + " · " + l.T("video.playback") + " " + in.From.Local().Format("15:04:05")
	}
	q := l.T("video.quality_super")
	if in.Quality == vendors.QualityHigh {
		q = l.T("video.quality_high")
	}
	return in.Name + " · " + l.T("video.live") + " · " + q
}

// StreamStatus shows the running vendor streams and, in demo mode, the
// simulated vendor's log of starts and stops.
func (s *Server) StreamStatus(c *gin.Context) {
	var v videoview.StatusView
	for _, st := range s.Video.Live.Sessions() {
		row := videoview.StreamRow{Label: streamLabel(c, st.Info), Kind: st.Kind, Viewers: st.Viewers, Restarts: st.Restarts,
			Started: st.Started.Local().Format("15:04:05"), Expires: "—"}
		if !st.Expires.IsZero() {
			row.Expires = st.Expires.Local().Format("15:04:05")
		}
		v.Streams = append(v.Streams, row)
	}
	if s.Video.SimLog != nil {
		v.Demo = true
		v.SimLog = s.Video.SimLog()
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, videoview.Status(v))
}
