package handlers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/reqlog"
)

// Gin context keys.
const (
	keyUser    = "user"
	keyShop    = "shop"
	keyCamera  = "camera"
	keyAccount = "account"
	keyTarget  = "target_user"
	keyLog     = "log"
)

// requestLog gives each request an id, sent back as X-Request-ID: the
// trusted proxy's X-Request-ID when it sent a well-formed one, else a new
// one. The id goes into the request's context (reqlog: every line logged
// with that context carries it) and onto the request's logger; the request
// is logged when it ends. A client that went away before the answer was
// complete is logged at info level, whatever status was set.
func (s *Server) requestLog(c *gin.Context) {
	id := c.GetHeader(reqlog.Header)
	if !reqlog.Valid(id) || !s.fromTrustedProxy(c.Request) {
		id = reqlog.NewID()
	}
	c.Header(reqlog.Header, id)
	c.Request = c.Request.WithContext(reqlog.WithID(c.Request.Context(), id))
	log := s.Log.With(reqlog.Key, id)
	c.Set(keyLog, log)
	start := time.Now()
	c.Next()
	level := slog.LevelInfo
	status := c.Writer.Status()
	gone := clientGone(c)
	switch {
	case gone:
	case status >= 500:
		level = slog.LevelError
	case isStatic(c.Request.URL.Path) && status < 400:
		level = slog.LevelDebug
	}
	attrs := []any{"method", c.Request.Method, "path", c.Request.URL.Path, "status", status,
		"duration_ms", time.Since(start).Milliseconds(), "ip", c.ClientIP()}
	if gone {
		attrs = append(attrs, "client_gone", true)
	}
	if u, ok := c.Get(keyUser); ok {
		attrs = append(attrs, "user", u.(*models.User).Username)
	}
	if len(c.Errors) > 0 {
		attrs = append(attrs, "err", c.Errors.String())
	}
	log.Log(c.Request.Context(), level, "request", attrs...)
}

// clientGone reports whether the request ended because the client went
// away: its context was canceled, or an error recorded on it says so.
func clientGone(c *gin.Context) bool {
	if errors.Is(c.Request.Context().Err(), context.Canceled) {
		return true
	}
	for _, e := range c.Errors {
		if reqlog.ClientGone(e.Err) {
			return true
		}
	}
	return false
}

// logGone logs at info level that the client went away during what.
func (s *Server) logGone(c *gin.Context, what string, err error, attrs ...any) {
	s.logger(c).Info(what+": client went away", append(attrs, "err", err)...)
}

func (s *Server) logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(keyLog); ok {
		return l.(*slog.Logger)
	}
	return s.Log
}

// recovery turns a panic into the 500 page and logs the stack.
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if rec := recover(); rec != nil {
			if err, ok := rec.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(rec) // the client went away mid-stream: let net/http handle it
			}
			s.logger(c).Error("panic", "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				s.errorPage(c, http.StatusInternalServerError)
			}
			c.Abort()
		}
	}()
	c.Next()
}

// securityHeaders sets a strict CSP (no inline script or style), forbids
// framing and sniffing, and keeps referrers on our own origin; HSTS when the
// request is effectively https (transport.go).
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "+
		"media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "+
		"form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.isHTTPS(c.Request) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// localize picks the request's language and puts its localizer in the
// request context for templates.
func (s *Server) localize(c *gin.Context) {
	loc := s.I18n.Pick(c.Request)
	c.Request = c.Request.WithContext(i18n.WithLocalizer(c.Request.Context(), loc))
	c.Header("Content-Language", loc.Lang)
	c.Next()
}

func loc(c *gin.Context) *i18n.Localizer { return i18n.From(c.Request.Context()) }

// crossOrigin refuses state-changing requests from other sites, using the
// browser's Sec-Fetch-Site / Origin headers (Go's CrossOriginProtection).
func (s *Server) crossOrigin(c *gin.Context) {
	if err := s.cop.Check(c.Request); err != nil {
		s.logger(c).Warn("cross-origin request refused", "path", c.Request.URL.Path, "origin", c.GetHeader("Origin"))
		s.errorPage(c, http.StatusForbidden)
		c.Abort()
		return
	}
	c.Next()
}

// requireUser loads the signed-in user, or sends the browser to sign in. A
// session made before a password change or a disable no longer counts.
func (s *Server) requireUser(c *gin.Context) {
	ctx := c.Request.Context()
	uid := s.Sessions.GetInt(ctx, sessUserID)
	if uid > 0 {
		u, err := s.Store.UserByID(ctx, uint(uid))
		if err == nil && !u.Disabled && u.SessionVersion == s.Sessions.GetInt(ctx, sessVersion) {
			c.Set(keyUser, &u)
			c.Next()
			return
		}
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			s.fail(c, err)
			return
		}
		_ = s.Sessions.Destroy(ctx)
	}
	next := c.Request.URL.RequestURI()
	if c.Request.Method != http.MethodGet {
		next = "/"
	}
	c.Redirect(http.StatusSeeOther, "/login?next="+urlQueryEscape(next))
	c.Abort()
}

func currentUser(c *gin.Context) *models.User {
	return c.MustGet(keyUser).(*models.User)
}

func scope(c *gin.Context) models.Scope { return models.ScopeFor(currentUser(c)) }

func (s *Server) requireAdmin(c *gin.Context) {
	if !currentUser(c).IsAdmin() {
		s.errorPage(c, http.StatusForbidden)
		c.Abort()
		return
	}
	c.Next()
}

// paramID reads a numeric path parameter; anything else is a 404.
func (s *Server) paramID(c *gin.Context, name string) (uint, bool) {
	n, err := strconv.ParseUint(c.Param(name), 10, 32)
	if err != nil || n == 0 {
		s.notFound(c)
		c.Abort()
		return 0, false
	}
	return uint(n), true
}

// loadShop is the one place that decides whether the user may see a shop:
// a shop outside the user's scope is a 404, exactly like a missing one.
func (s *Server) loadShop(c *gin.Context) {
	id, ok := s.paramID(c, "shop")
	if !ok {
		return
	}
	sh, err := s.Store.Shop(c.Request.Context(), scope(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(keyShop, &sh)
	c.Next()
}

func currentShop(c *gin.Context) *models.Shop { return c.MustGet(keyShop).(*models.Shop) }

// loadCamera loads a camera of the already authorised shop.
func (s *Server) loadCamera(c *gin.Context) {
	id, ok := s.paramID(c, "camera")
	if !ok {
		return
	}
	cam, err := s.Store.Camera(c.Request.Context(), currentShop(c).ID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(keyCamera, &cam)
	c.Next()
}

func currentCamera(c *gin.Context) *models.Camera { return c.MustGet(keyCamera).(*models.Camera) }

// serveStatic serves embedded files, without directory listings, with a
// short cache (file names are not fingerprinted).
func serveStatic(fsys fs.FS) gin.HandlerFunc {
	fileServer := http.FileServerFS(fsys)
	return func(c *gin.Context) {
		p := c.Param("file")
		if strings.HasSuffix(p, "/") {
			c.Status(http.StatusNotFound)
			return
		}
		c.Header("Cache-Control", "public, max-age=300")
		req := c.Request.Clone(c.Request.Context())
		req.URL.Path = p
		fileServer.ServeHTTP(c.Writer, req)
	}
}
