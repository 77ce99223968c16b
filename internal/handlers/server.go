// Package handlers holds the Gin handlers of StoreLens: one file per area,
// every route in router.go. Handlers stay thin: bind and validate, call a
// service or a model query, render a templ view.
package handlers

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"storelens/internal/accounts"
	"storelens/internal/auth"
	"storelens/internal/cameras"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/web/templates/layout"
)

// Deps is what the handlers need, built in main.
type Deps struct {
	Store    *models.Store
	Sessions *scs.SessionManager
	I18n     *i18n.Bundle
	Hasher   *auth.Hasher
	Throttle *auth.Throttle
	Accounts *accounts.Service
	Cameras  *cameras.Service
	Registry *vendors.Registry
	Log      *slog.Logger
	// TrustedProxies are the addresses whose X-Forwarded-For is believed;
	// empty trusts none, so a client cannot fake its address.
	TrustedProxies []string
	// SecureCookies marks cookies Secure (behind TLS).
	SecureCookies bool
	// Demo shows the demo badge in the top bar.
	Demo bool
	// VendorTimeout bounds a vendor call made while a person waits.
	VendorTimeout time.Duration

	// The product's areas (see register* in router.go).
	Faces   FacesDeps
	Events  EventsDeps
	Traffic TrafficDeps
	Video   VideoDeps
	Devices DevicesDeps
}

// Server is the set of handlers.
type Server struct {
	Deps
	cop *http.CrossOriginProtection
	// nav and adminNav are the top navigation for everyone and for admins;
	// shopTabs the tabs of a shop's pages. Each area adds its own entries
	// when it registers its routes.
	nav, adminNav []layout.NavItem
	shopTabs      []shopTab
}

// New returns the HTTP handler of the whole application: the Gin router
// wrapped in the session middleware.
func New(d Deps) http.Handler {
	if d.VendorTimeout == 0 {
		d.VendorTimeout = 20 * time.Second
	}
	s := &Server{Deps: d, cop: http.NewCrossOriginProtection()}
	engine := s.router()
	sessions := d.Sessions.LoadAndSave(streamable(engine))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Static files and health checks need no session (and no DB read).
		if isStatic(r.URL.Path) {
			engine.ServeHTTP(w, r)
			return
		}
		sessions.ServeHTTP(w, r)
	})
}

// NewSessions returns the session manager: server-side sessions in the
// database, expiring after idle or absolute timeouts.
func NewSessions(store *models.Store, secure bool, idle, lifetime time.Duration) *scs.SessionManager {
	sm := scs.New()
	sm.Store = store.Sessions()
	sm.IdleTimeout = idle
	sm.Lifetime = lifetime
	sm.Cookie.Name = "storelens_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	sm.Cookie.Persist = false // a browser session cookie; the server enforces the lifetime
	return sm
}
