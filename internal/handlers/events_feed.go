package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/live"
	"storelens/internal/models"
	evview "storelens/web/templates/events"
)

// feedSize is how many recent events a feed page opens with.
const feedSize = 50

// eventSet is the shops whose events the user may see.
func (s *Server) eventSet(c *gin.Context) (models.EventSet, error) {
	ids, all, err := s.Store.ShopIDs(c.Request.Context(), scope(c))
	return models.EventSet{All: all, Shops: ids}, err
}

func (s *Server) feedView(c *gin.Context, set models.EventSet, socket string, showShop bool) (evview.FeedView, error) {
	ctx := c.Request.Context()
	evs, err := s.Store.LatestEvents(ctx, set, feedSize)
	if err != nil {
		return evview.FeedView{}, err
	}
	v := evview.FeedView{Cards: s.eventCards(ctx, loc(c), evs, showShop), Socket: socket, History: "/events/history", ShowShop: showShop}
	if len(evs) > 0 {
		v.LastID = evs[0].ID
	}
	if currentUser(c).IsAdmin() {
		v.Retention = "/settings/events"
		if s.Events.Demo != nil {
			v.Demo = s.demoControls(c, set)
		}
	}
	return v, nil
}

// EventFeed is the live feed of every shop the user may see.
func (s *Server) EventFeed(c *gin.Context) {
	set, err := s.eventSet(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.feedView(c, set, "/events/live", true)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, evview.Feed(v))
}

// ShopEventFeed is one shop's live feed.
func (s *Server) ShopEventFeed(c *gin.Context) {
	sh := currentShop(c)
	v, err := s.feedView(c, models.EventSet{Shops: []uint{sh.ID}}, fmt.Sprintf("/events/live?shop=%d", sh.ID), false)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.History = fmt.Sprintf("/events/history?shop=%d", sh.ID)
	v.Settings = shopHref(sh.ID) + "/events/settings"
	s.render(c, http.StatusOK, evview.ShopFeed(s.shopHeader(c, sh, "events"), v))
}

// EventSocket is the feed's and the badge's websocket: every event of the
// user's shops (or of one of them) after the id the browser has.
func (s *Server) EventSocket(c *gin.Context) {
	set, err := s.eventSet(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if v := c.Query("shop"); v != "" {
		id, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			s.notFound(c)
			return
		}
		// The one place a shop is authorised: not in scope is a 404.
		if _, err := s.Store.Shop(c.Request.Context(), scope(c), uint(id)); err != nil {
			s.fail(c, err)
			return
		}
		set = models.EventSet{Shops: []uint{uint(id)}}
	}
	after, err := strconv.ParseInt(c.DefaultQuery("after", "0"), 10, 64)
	if err != nil || after < 0 {
		c.String(http.StatusBadRequest, "bad after")
		return
	}
	sub := live.Subscription{Set: set, Lang: loc(c).Lang, After: after, Badge: c.Query("badge") == "1"}
	if err := s.Events.Hub.Serve(c.Writer, c.Request, sub); err != nil && !errors.Is(err, live.ErrHubClosed) {
		s.logger(c).Debug("event socket not opened", "err", err)
	}
	c.Abort()
}

// loadEvent reads the :event parameter; an event of a shop outside the
// user's scope is a 404 like a missing one.
func (s *Server) loadEvent(c *gin.Context) (*models.Event, bool) {
	id, err := strconv.ParseInt(c.Param("event"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(c)
		return nil, false
	}
	ev, err := s.Store.EventInScope(c.Request.Context(), scope(c), id)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return &ev, true
}

// EventPicture serves an event's kept picture.
func (s *Server) EventPicture(c *gin.Context) {
	ev, ok := s.loadEvent(c)
	if !ok {
		return
	}
	s.servePicture(c, ev.Picture, "private, max-age=86400")
}

// servePicture answers with a kept picture (files or the database's
// blobs), with Range and If-Modified-Since as for a file. Content-addressed:
// what is behind a name never changes, so it may be cached.
func (s *Server) servePicture(c *gin.Context, name, cacheControl string) {
	b, at, err := s.Events.Service.Picture(c.Request.Context(), name)
	if err != nil {
		s.fail(c, err) // not ours or not kept: 404
		return
	}
	c.Header("Cache-Control", cacheControl)
	http.ServeContent(c.Writer, c.Request, name, at, bytes.NewReader(b))
}

// EventClip streams an event's clip from the camera; the camera's link
// (with its auth_key) stays on the server.
func (s *Server) EventClip(c *gin.Context) {
	ev, ok := s.loadEvent(c)
	if !ok {
		return
	}
	body, ct, err := s.Events.Service.OpenClip(c.Request.Context(), ev)
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			s.notFound(c)
			return
		}
		s.logger(c).Warn("event clip unavailable", "event", ev.ID, "err", err)
		c.String(http.StatusBadGateway, loc(c).T("events.clip_unavailable"))
		return
	}
	defer body.Close()
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{}) // a clip may take a while
	c.Header("Content-Type", ct)
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="event-%d.flv"`, ev.ID))
	c.Status(http.StatusOK)
	_, _ = io.Copy(c.Writer, body)
}

func (s *Server) demoControls(c *gin.Context, set models.EventSet) *evview.DemoControls {
	shops, err := s.Store.ShopBriefs(c.Request.Context(), s.Events.Demo.Shops())
	if err != nil || len(shops) == 0 {
		return nil
	}
	d := &evview.DemoControls{Action: "/events/demo"}
	for _, id := range s.Events.Demo.Shops() {
		if sh, ok := shops[id]; ok && (set.All || containsID(set.Shops, id)) {
			d.Shops = append(d.Shops, evview.Option{Value: strconv.FormatUint(uint64(id), 10), Label: sh.Name})
		}
	}
	if len(d.Shops) == 0 {
		return nil
	}
	return d
}

func containsID(ids []uint, id uint) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// EmitDemoEvent makes a demo camera produce an event now (demo mode). The
// event takes the real way: camera simulator, message channel or webhook,
// store, hub.
func (s *Server) EmitDemoEvent(c *gin.Context) {
	id, err := strconv.ParseUint(c.PostForm("shop"), 10, 32)
	kind := c.PostForm("kind")
	if err != nil || (kind != "visitor" && kind != "vip" && kind != "motion") || tooLong(text(c, "name"), 40) {
		c.String(http.StatusBadRequest, "bad demo event")
		return
	}
	if err := s.Events.Demo.Emit(c.Request.Context(), uint(id), kind, text(c, "name")); err != nil {
		s.logger(c).Warn("demo event", "err", err)
		c.String(http.StatusNotFound, err.Error())
		return
	}
	if c.GetHeader("X-Requested-With") == "fetch" {
		c.Status(http.StatusNoContent)
		return
	}
	redirect(c, safeNext(c.PostForm("next")))
}
