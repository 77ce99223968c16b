package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/live"
	"storelens/internal/models"
	"storelens/internal/reqlog"
	"storelens/internal/vendors"
	"storelens/internal/video"
	"storelens/web/templates/layout"
	videoview "storelens/web/templates/video"
)

// VideoDeps is what the video area needs, built in cmd/web.
type VideoDeps struct {
	Service *video.Service // nil: the area is off
	Live    *live.Manager
	// SimLog, in demo mode, reads the simulated vendor's starts and stops
	// for the stream status page.
	SimLog func() []videoview.SimEvent
}

// registerVideo adds the video area's routes, navigation and shop tabs.
func (s *Server) registerVideo(rt routes) {
	if s.Video.Service == nil {
		return
	}
	s.shopTabs = append(s.shopTabs, shopTab{Key: "tab.video", Path: "/wall", Name: "video",
		Show: func(sh *models.Shop) bool { return sh.HasSunmi() }})
	s.adminNav = append(s.adminNav, layout.NavItem{Href: "/video/streams", Key: "nav.streams", Section: "streams"})

	rt.shop.GET("/wall", s.VideoWall)
	cam := rt.camera
	cam.GET("/live", s.LivePage)
	live := cam.Group("/live/:q", s.loadQuality)
	live.POST("/start", s.LiveStart)
	live.GET("/ws", s.LiveWS)
	live.GET("/flv", s.LiveFLV)
	live.GET("/hls/:view/index.m3u8", s.LiveHLS)
	live.GET("/hls/:view/r/:token", s.LiveHLSResource)
	live.GET("/viewers", s.LiveViewers)
	cam.GET("/snapshot", s.SnapshotImage)
	cam.GET("/recordings", s.Recordings)
	cam.POST("/clips", s.CutClip)
	cam.GET("/clips/:id", s.ClipFile)
	cam.POST("/playback/start", s.PlaybackStart)
	cam.GET("/playback/ws", s.PlaybackWS)
	cam.GET("/playback/hls/:view/index.m3u8", s.PlaybackHLS)
	cam.GET("/playback/hls/:view/r/:token", s.PlaybackHLSResource)
	rt.admin.GET("/video/streams", s.StreamStatus)
}

const keyQuality = "video_quality"

// loadQuality reads :q, the vendor's resolution (0 超清, 1 高清).
func (s *Server) loadQuality(c *gin.Context) {
	n, err := strconv.Atoi(c.Param("q"))
	if err != nil || !vendors.Quality(n).Valid() {
		s.notFound(c)
		c.Abort()
		return
	}
	c.Set(keyQuality, vendors.Quality(n))
	c.Next()
}

func quality(c *gin.Context) vendors.Quality { return c.MustGet(keyQuality).(vendors.Quality) }

// liveSession returns the camera's shared session at the request's quality.
func (s *Server) liveSession(c *gin.Context) (*live.Session, error) {
	return s.Video.Service.Live(c.Request.Context(), *currentShop(c), *currentCamera(c), quality(c))
}

// videoError answers a failed stream request: the vendor's reason in the
// reader's language (502) for what the vendor refused, 404 for a stream
// that is gone, else the generic failure.
func (s *Server) videoError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, live.ErrUnknownResource) || errors.Is(err, live.ErrClosed):
		c.String(http.StatusNotFound, loc(c).T("error.404.title"))
	case errors.Is(err, live.ErrNoHLS):
		c.String(http.StatusBadGateway, loc(c).T("video.no_hls"))
	case isVendorSide(err):
		s.logger(c).Warn("video: vendor refused", "camera", currentCamera(c).ID, "err", err)
		c.String(http.StatusBadGateway, vendorMessage(loc(c), err))
	case reqlog.ClientGone(err):
		s.logGone(c, "video", err, "camera", currentCamera(c).ID)
		c.Status(499)
	default:
		s.logger(c).Error("video: stream failed", "camera", currentCamera(c).ID, "err", err)
		c.String(http.StatusBadGateway, loc(c).T("video.stream_failed"))
	}
	c.Abort()
}

// LiveStart starts (or joins) the vendor stream before the player
// connects, so that a refusal shows as a message in the page.
func (s *Server) LiveStart(c *gin.Context) {
	sess, err := s.liveSession(c)
	if err == nil {
		ctx, cancel := s.vendorCtx(c)
		defer cancel()
		_, err = sess.Ready(ctx)
	}
	if err != nil {
		c.JSON(http.StatusBadGateway, gin.H{"error": s.errorText(c, err)})
		return
	}
	c.JSON(http.StatusOK, gin.H{"viewers": sess.Viewers()})
}

// errorText is the person's message for a failed start.
func (s *Server) errorText(c *gin.Context, err error) string {
	if isVendorSide(err) {
		s.logger(c).Warn("video: vendor refused", "camera", currentCamera(c).ID, "err", err)
		return vendorMessage(loc(c), err)
	}
	if reqlog.ClientGone(err) {
		s.logGone(c, "video: start", err, "camera", currentCamera(c).ID)
		return loc(c).T("video.stream_failed")
	}
	s.logger(c).Error("video: start failed", "camera", currentCamera(c).ID, "err", err)
	return loc(c).T("video.stream_failed")
}

// LiveWS streams live FLV over a websocket (what the pages use).
func (s *Server) LiveWS(c *gin.Context) {
	sess, err := s.liveSession(c)
	if err != nil {
		s.videoError(c, err)
		return
	}
	s.serveWS(c, sess)
}

// serveWS upgrades, makes sure the vendor stream runs (a refusal closes
// the socket with code 4001 and the message), then streams.
func (s *Server) serveWS(c *gin.Context, sess *live.Session) {
	conn, err := live.UpgradeFLV(c.Writer, c.Request)
	if err != nil {
		return // the upgrader has answered
	}
	ctx, cancel := s.vendorCtx(c)
	_, err = sess.Ready(ctx)
	cancel()
	if err != nil {
		live.CloseWithError(conn, s.errorText(c, err))
		return
	}
	switch err := sess.ServeFLVWebsocket(conn); {
	case errors.Is(err, live.ErrSlowViewer):
		s.logger(c).Info("video: slow viewer dropped", "camera", currentCamera(c).ID)
	case reqlog.ClientGone(err):
		s.logGone(c, "video", err, "camera", currentCamera(c).ID)
	}
}

// LiveFLV streams live FLV over plain HTTP (one connection per viewer).
func (s *Server) LiveFLV(c *gin.Context) {
	sess, err := s.liveSession(c)
	if err == nil {
		ctx, cancel := s.vendorCtx(c)
		_, err = sess.Ready(ctx)
		cancel()
	}
	if err != nil {
		s.videoError(c, err)
		return
	}
	if err := sess.ServeFLV(c.Writer, c.Request); reqlog.ClientGone(err) {
		s.logGone(c, "video", err, "camera", currentCamera(c).ID)
	}
}

// LiveHLS answers the live playlist, rewritten to come through us.
func (s *Server) LiveHLS(c *gin.Context) {
	view := c.Param("view")
	if !live.ValidView(view) {
		s.notFound(c)
		return
	}
	sess, err := s.liveSession(c)
	if err == nil {
		err = sess.ServeHLSPlaylist(c.Writer, c.Request, view)
	}
	if err != nil {
		s.videoError(c, err)
	}
}

// LiveHLSResource answers a segment (or child playlist, key, init section)
// of the live session: only while the session runs, only a URL its vendor
// playlists named.
func (s *Server) LiveHLSResource(c *gin.Context) {
	sess, ok := s.Video.Live.Lookup(video.LiveKey(currentCamera(c).ID, quality(c)))
	if !ok || !live.ValidView(c.Param("view")) {
		s.notFound(c)
		return
	}
	if err := sess.ServeHLSResource(c.Writer, c.Request, c.Param("view"), c.Param("token")); err != nil {
		s.videoError(c, err)
	}
}

// LiveViewers says how many people watch the camera at this quality.
func (s *Server) LiveViewers(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"viewers": s.Video.Live.Viewers(video.LiveKey(currentCamera(c).ID, quality(c)))})
}

// SnapshotImage downloads a picture of the camera: now, or at ?date=
// and ?time= (the shop's time zone) of a recording.
func (s *Server) SnapshotImage(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	var at *time.Time
	if c.Query("date") != "" || c.Query("time") != "" {
		t, err := time.ParseInLocation("2006-01-02 15:04:05", c.Query("date")+" "+normalizeClock(c.Query("time")), zone(sh.Timezone))
		if err != nil {
			c.String(http.StatusUnprocessableEntity, loc(c).T("video.bad_time"))
			return
		}
		at = &t
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	ct, body, err := s.Video.Service.Snapshot(ctx, *sh, *cam, at)
	if err != nil {
		s.videoError(c, err)
		return
	}
	stamp := time.Now()
	if at != nil {
		stamp = *at
	}
	name := cam.SN + "-" + stamp.In(zone(sh.Timezone)).Format("20060102-150405") + ".jpg"
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, ct, body)
}

// normalizeClock accepts HH:MM as HH:MM:00.
func normalizeClock(s string) string {
	if len(s) == 5 {
		return s + ":00"
	}
	return s
}
