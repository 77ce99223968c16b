package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"storelens/internal/accounts"
	"storelens/internal/cameras"
	"storelens/internal/connectors"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/reqlog"
	"storelens/internal/vendors"
	"storelens/web/templates/layout"
)

// Session keys.
const (
	sessUserID  = "uid"
	sessVersion = "sv"
	sessFlash   = "flash"
)

// render writes a full page. templ.Handler buffers, so a failing component
// yields a clean 500 rather than half a page under a 200.
func (s *Server) render(c *gin.Context, status int, cmp templ.Component) {
	ctx := layout.WithFrame(c.Request.Context(), s.frame(c))
	templ.Handler(cmp, templ.WithStatus(status), templ.WithErrorHandler(func(r *http.Request, err error) http.Handler {
		s.logger(c).Error("render failed", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "internal error", http.StatusInternalServerError)
		})
	})).ServeHTTP(c.Writer, c.Request.WithContext(ctx))
}

// frame gathers what the page frame shows: the viewer, the path for the
// language switch, and the one-time flash.
func (s *Server) frame(c *gin.Context) layout.Frame {
	f := layout.Frame{Path: c.Request.URL.RequestURI(), Demo: s.Demo}
	if u, ok := c.Get(keyUser); ok {
		user := u.(*models.User)
		f.Viewer = &layout.Viewer{Username: user.Username, DisplayName: user.DisplayName, IsAdmin: user.IsAdmin()}
		f.Nav = s.nav
		if user.IsAdmin() {
			f.Nav = append(append([]layout.NavItem{}, s.nav...), s.adminNav...)
		}
		if flash := s.Sessions.PopString(c.Request.Context(), sessFlash); flash != "" {
			kind, text, _ := strings.Cut(flash, "|")
			f.Flash = &layout.Flash{Kind: kind, Text: text}
		}
	}
	return f
}

// flash keeps a message for the next page.
func (s *Server) flash(c *gin.Context, ok bool, text string) {
	kind := "ok"
	if !ok {
		kind = "error"
	}
	s.Sessions.Put(c.Request.Context(), sessFlash, kind+"|"+text)
}

// redirect answers a successful POST (POST/redirect/GET).
func redirect(c *gin.Context, to string) {
	c.Redirect(http.StatusSeeOther, to)
}

// fail is the one place that maps an error to a page: not found (or not
// yours) is a 404, anything unexpected a 500 with the detail only in the log.
func (s *Server) fail(c *gin.Context, err error) {
	_ = c.Error(err)
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.errorPage(c, http.StatusNotFound)
	case reqlog.ClientGone(err):
		s.logGone(c, "request", err, "path", c.Request.URL.Path)
		c.Status(499) // nothing to render
	default:
		s.logger(c).Error("request failed", "path", c.Request.URL.Path, "err", err)
		s.errorPage(c, http.StatusInternalServerError)
	}
	c.Abort()
}

func (s *Server) notFound(c *gin.Context) { s.errorPage(c, http.StatusNotFound) }

// errorPage renders the error page of status, or a short text for clients
// that do not want HTML.
func (s *Server) errorPage(c *gin.Context, status int) {
	l := loc(c)
	key := map[int]string{
		http.StatusForbidden:           "error.403",
		http.StatusNotFound:            "error.404",
		http.StatusMethodNotAllowed:    "error.405",
		http.StatusInternalServerError: "error.500",
	}[status]
	if key == "" {
		key = "error.500"
	}
	if !strings.Contains(c.GetHeader("Accept"), "text/html") && c.GetHeader("Accept") != "" {
		c.String(status, l.T(key+".title"))
		return
	}
	s.render(c, status, layout.ErrorPage(status, l.T(key+".title"), l.T(key+".text")))
}

// actor is the signed-in user as the audit log records them.
func actor(c *gin.Context) models.Actor {
	a := models.Actor{IP: c.ClientIP()}
	if u, ok := c.Get(keyUser); ok {
		user := u.(*models.User)
		a.UserID, a.Username = user.ID, user.Username
	}
	return a
}

// vendorMessage says in the user's language what went wrong at a vendor,
// with the vendor's own code for support.
func vendorMessage(l *i18n.Localizer, err error) string {
	var ve *vendors.Error
	var rf *connectors.Refused
	switch {
	case errors.As(err, &rf): // before ve: a refused dial is wrapped as the vendor's silence
		return l.Tf("edge3.err.refused", map[string]any{"Addr": rf.Addr, "Why": refusedWhy(l, rf.Reason)})
	case errors.Is(err, connectors.ErrOffline):
		return l.T("edge3.err.offline")
	case errors.As(err, &ve):
		return describeVendorError(l, ve)
	case errors.Is(err, cameras.ErrNotLinked):
		return l.T("cameras.not_linked")
	case errors.Is(err, accounts.ErrSecretUnreadable):
		return l.T("vendor.secret_unreadable")
	case errors.Is(err, vendors.ErrUnsupported):
		return l.T("vendor.unsupported")
	case errors.Is(err, context.DeadlineExceeded):
		return l.T("vendor.error.unavailable")
	}
	return l.T("vendor.error.other")
}

// isVendorSide reports whether err is a vendor's refusal or silence, or a
// shop or account not set up: things the page explains with vendorMessage,
// rather than faults of ours.
func isVendorSide(err error) bool {
	var ve *vendors.Error
	var rf *connectors.Refused
	return errors.As(err, &ve) || errors.As(err, &rf) || errors.Is(err, connectors.ErrOffline) || errors.Is(err, cameras.ErrNotLinked) || errors.Is(err, accounts.ErrSecretUnreadable) ||
		errors.Is(err, vendors.ErrUnsupported) || errors.Is(err, context.DeadlineExceeded)
}

// refusedWhy words an on-site connector's refusal reason (edge.Reason*).
func refusedWhy(l *i18n.Localizer, reason string) string {
	if msg := l.T("edge3.why." + reason); !strings.HasPrefix(msg, "edge3.why.") {
		return msg
	}
	return l.T("edge3.why.other")
}

// describeVendorError renders a vendor error, also one read back from the
// database with vendors.ParseCompact.
func describeVendorError(l *i18n.Localizer, ve *vendors.Error) string {
	msg := l.T("vendor.error." + string(ve.Kind))
	if strings.HasPrefix(msg, "vendor.error.") {
		msg = l.T("vendor.error.other")
	}
	switch {
	case ve.Code != 0 && ve.Msg != "":
		msg += " " + l.Tf("vendor.code_msg", map[string]any{"Code": ve.Code, "Msg": ve.Msg})
	case ve.Code != 0:
		msg += " " + l.Tf("vendor.code", map[string]any{"Code": ve.Code})
	case ve.Kind == vendors.KindOther && ve.Msg != "":
		msg += " (" + ve.Msg + ")"
	}
	return msg
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
