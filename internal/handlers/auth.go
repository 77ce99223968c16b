package handlers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/auth"
	"storelens/internal/i18n"
	"storelens/internal/models"
	authview "storelens/web/templates/auth"
)

// LoginForm shows the sign-in page.
func (s *Server) LoginForm(c *gin.Context) {
	s.render(c, http.StatusOK, authview.Login(authview.LoginView{Next: safeNext(c.Query("next"))}))
}

// dummyHash is checked when the user name is unknown, so a miss costs the
// same time as a wrong password and does not reveal which names exist.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c3RvcmVsZW5zLWR1bW15$4Ae+M2u7d1m2RXdN4JJvm5y2j8Q7ymwK2Ehd2O5qfZU"

// Login checks a user name and password and starts a new session. Guessing
// is slowed, never locked out (auth.Throttle): the counters are the account
// on this client, this client, or this browser's device cookie for the
// account. A throttled attempt is answered 429 with Retry-After and is not
// checked at all; every wait a failure imposes is audited.
func (s *Server) Login(c *gin.Context) {
	ctx := c.Request.Context()
	l := loc(c)
	username := strings.TrimSpace(c.PostForm("username"))
	password := c.PostForm("password")
	view := authview.LoginView{Username: username, Next: safeNext(c.PostForm("next"))}
	ip := c.ClientIP()
	attempt := auth.Attempt{Account: username, Addr: ip, Device: s.deviceFor(c, username)}
	wait, err := s.Throttle.Wait(ctx, attempt)
	if err != nil {
		s.fail(c, err)
		return
	}
	if wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(secs))
		view.Error = throttledMessage(l, secs)
		s.render(c, http.StatusTooManyRequests, authview.Login(view))
		return
	}
	u, err := s.Store.UserByUsername(ctx, username)
	hash := u.PasswordHash
	if err != nil {
		if !errors.Is(err, models.ErrNotFound) {
			s.fail(c, err)
			return
		}
		hash = dummyHash
	}
	ok, stale, verr := s.Hasher.Verify(ctx, password, hash)
	if err != nil || verr != nil || !ok {
		delays, terr := s.Throttle.Fail(ctx, attempt)
		_ = s.Store.Audit(ctx, models.AuditEntry{Username: username, Action: "auth.login_failed", IP: ip})
		for _, d := range delays {
			if aerr := s.Store.Audit(ctx, models.AuditEntry{Username: username, Action: "auth.throttled", IP: ip,
				TargetType: "signin", TargetID: d.Counter,
				Detail: fmt.Sprintf("%s: %d failures in %s; next attempt checked after %s (%s)", d.Counter, d.Failures,
					auth.ThrottleWindow, d.Wait, d.Until.UTC().Format(time.RFC3339))}); aerr != nil && terr == nil {
				terr = aerr
			}
		}
		if terr != nil {
			s.fail(c, terr)
			return
		}
		view.Error = l.T("login.failed")
		s.render(c, http.StatusUnauthorized, authview.Login(view))
		return
	}
	if u.Disabled {
		view.Error = l.T("login.disabled")
		s.render(c, http.StatusForbidden, authview.Login(view))
		return
	}
	if err := s.Throttle.Succeed(ctx, attempt); err != nil {
		s.fail(c, err)
		return
	}
	if stale {
		if h, err := s.Hasher.Hash(ctx, password); err == nil {
			_ = s.Store.UpgradePasswordHash(ctx, u.ID, h)
		}
	}
	// A new token at sign-in: a session id planted before cannot be used.
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.fail(c, err)
		return
	}
	s.Sessions.Put(ctx, sessUserID, int(u.ID))
	s.Sessions.Put(ctx, sessVersion, u.SessionVersion)
	if err := s.Store.Audit(ctx, models.AuditEntry{UserID: &u.ID, Username: u.Username, Action: "auth.login", IP: ip}); err != nil {
		s.fail(c, err)
		return
	}
	s.setDeviceCookie(c, u.Username)
	redirect(c, view.Next)
}

// throttledMessage says when the next attempt will be checked: in seconds,
// or in minutes past two minutes.
func throttledMessage(l *i18n.Localizer, secs int) string {
	if secs >= 120 {
		return l.Tf("security.throttled_minutes", map[string]any{"Minutes": (secs + 59) / 60})
	}
	return l.Tf("security.throttled_seconds", map[string]any{"Seconds": secs})
}

// Logout ends the session.
func (s *Server) Logout(c *gin.Context) {
	a := actor(c)
	if err := s.Sessions.Destroy(c.Request.Context()); err != nil {
		s.fail(c, err)
		return
	}
	_ = s.Store.Audit(c.Request.Context(), a.Entry("auth.logout", "", "", ""))
	redirect(c, "/login")
}

// SetLanguage remembers the chosen language in a cookie for a year.
func (s *Server) SetLanguage(c *gin.Context) {
	lang := c.PostForm("lang")
	if !s.I18n.Supported(lang) {
		lang = i18n.Chinese.String()
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: i18n.CookieName, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookie(c.Request)})
	redirect(c, safeNext(c.PostForm("next")))
}

// PasswordForm shows the change-my-password page.
func (s *Server) PasswordForm(c *gin.Context) {
	s.render(c, http.StatusOK, authview.ChangePassword(authview.PasswordView{}))
}

// ChangePassword sets a new password for the signed-in user. Every other
// session of the user ends; this one continues under a new token.
func (s *Server) ChangePassword(c *gin.Context) {
	ctx := c.Request.Context()
	l := loc(c)
	u := currentUser(c)
	cur, pw, confirm := c.PostForm("current"), c.PostForm("new"), c.PostForm("confirm")
	errs := map[string][]string{}
	if ok, _, _ := s.Hasher.Verify(ctx, cur, u.PasswordHash); !ok {
		errs["current"] = append(errs["current"], l.T("password.wrong_current"))
	}
	if err := auth.CheckPolicy(pw); err != nil {
		errs["new"] = append(errs["new"], l.T("password.too_short"))
	}
	if pw != confirm {
		errs["confirm"] = append(errs["confirm"], l.T("password.mismatch"))
	}
	if len(errs) > 0 {
		s.render(c, http.StatusUnprocessableEntity, authview.ChangePassword(authview.PasswordView{Errors: errs}))
		return
	}
	hash, err := s.Hasher.Hash(ctx, pw)
	if err != nil {
		s.fail(c, err)
		return
	}
	version, err := s.Store.SetPassword(ctx, u.ID, hash)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.fail(c, err)
		return
	}
	s.Sessions.Put(ctx, sessVersion, version)
	if err := s.Store.Audit(ctx, actor(c).Entry("user.password", "user", u.Username, "own password changed")); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.T("password.changed"))
	redirect(c, "/")
}

// Health answers 200 while the process serves requests: a liveness check,
// which reads nothing (a load balancer or supervisor that restarted the
// process because the shared database is down would only add restarts).
func (s *Server) Health(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.String(http.StatusOK, "ok")
}

// Ready answers 200 when the database answers and every migration is
// applied and the server is not stopping (Deps.Draining): a readiness check, for a load balancer to send this instance
// work. The reason stays in the log; the body says only which part failed.
func (s *Server) Ready(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if s.Draining != nil && s.Draining.Load() {
		c.String(http.StatusServiceUnavailable, "draining")
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		s.logger(c).Error("readiness: database unavailable", "err", err)
		c.String(http.StatusServiceUnavailable, "database unavailable")
		return
	}
	if err := s.Store.Ready(ctx); err != nil {
		s.logger(c).Error("readiness: migrations not applied", "err", err)
		c.String(http.StatusServiceUnavailable, "migrations not applied")
		return
	}
	c.String(http.StatusOK, "ready")
}
