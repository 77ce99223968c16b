package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"storelens/internal/models"
	"storelens/internal/video"
	videoview "storelens/web/templates/video"
)

// The clips of a Sunmi camera on the LAN (003 getCurVideos), on its
// recordings page. Live and playback of LAN cameras are the video area's
// own routes (video.go): the service makes their RTSP into HLS.

// lanClips is the clips section of the recordings page.
func (s *Server) lanClips(c *gin.Context, cam models.Camera, href string) *videoview.LANClips {
	v := &videoview.LANClips{Action: href + "/clips", Done: c.Query("clip") == "1", Error: c.GetString(keyClipError)}
	clips, err := s.Video.Service.Clips(c.Request.Context(), cam)
	if err != nil {
		s.logger(c).Error("video: clips", "camera", cam.ID, "err", err)
		v.Error = loc(c).T("video.stream_failed")
		return v
	}
	tz := zone(currentShop(c).Timezone)
	now := s.Store.Now()
	for _, k := range clips {
		label := fmt.Sprintf("%s (−%d s / +%d s)", k.CreatedAt.In(tz).Format("2006-01-02 15:04:05"), k.Preceding, k.Following)
		v.Clips = append(v.Clips, videoview.Clip{Label: label, Href: href + "/clips/" + strconv.FormatUint(uint64(k.ID), 10),
			Ready: !now.Before(k.ReadyAt)})
	}
	return v
}

// CutClip asks the camera for a clip around now, then shows the list.
func (s *Server) CutClip(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	pre, err1 := strconv.Atoi(c.PostForm("preceding"))
	fol, err2 := strconv.Atoi(c.PostForm("following"))
	if !video.IsLAN(*cam) {
		s.notFound(c)
		return
	}
	href := cameraHref(sh.ID, cam.ID)
	if err1 == nil && err2 == nil {
		ctx, cancel := s.vendorCtx(c)
		defer cancel()
		_, err := s.Video.Service.CutClip(ctx, actor(c), *cam, pre, fol)
		if err == nil {
			c.Redirect(http.StatusSeeOther, href+"/recordings?clip=1#clips")
			return
		}
		if !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		err1 = err
	}
	msg := loc(c).T("video.clip_invalid")
	if err1 != nil && isVendorSide(err1) {
		msg = vendorMessage(loc(c), err1)
	}
	// The refusal shows in the clips section of the day's page.
	c.Request.URL.RawQuery = ""
	c.Set(keyClipError, msg)
	s.Recordings(c)
}

const keyClipError = "clip_error"

// ClipFile downloads a clip through the camera's pinned connection.
func (s *Server) ClipFile(c *gin.Context) {
	cam := currentCamera(c)
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || !video.IsLAN(*cam) {
		s.notFound(c)
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	clip, ct, body, err := s.Video.Service.ClipFile(ctx, *cam, uint(id))
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
		return
	case errors.Is(err, video.ErrClipNotReady):
		c.String(http.StatusConflict, loc(c).T("video.clip_pending"))
		return
	case err != nil:
		s.videoError(c, err)
		return
	}
	name := fmt.Sprintf("%s-clip-%s.flv", cam.SN, clip.CreatedAt.In(zone(currentShop(c).Timezone)).Format("20060102-150405"))
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, ct, body)
}
