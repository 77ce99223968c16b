// Package handlers holds the Gin handlers of StoreLens: one file per area,
// every route in router.go. Handlers stay thin: bind and validate, call a
// service or a model query, render a templ view.
package handlers

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"storelens/internal/connectors"
	"sync/atomic"
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
	// Draining is set when the server is stopping: /readyz answers 503 so
	// a load balancer sends new work elsewhere while requests finish.
	Draining *atomic.Bool
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
	// SecureCookies forces the Secure flag on every cookie (--secure-cookies:
	// a TLS proxy that sends no X-Forwarded-Proto). Without it cookies are
	// Secure exactly when the request is effectively https (transport.go).
	SecureCookies bool
	// PublicHTTPS says browsers reach this server over https (--public-url
	// is https): every request is then effectively https.
	PublicHTTPS bool
	// DeviceKey signs the sign-in device cookies (derived from the secret
	// key by secrets.Derive); empty, a random key for this process.
	DeviceKey []byte
	// Demo shows the demo badge in the top bar.
	Demo bool
	// VendorTimeout bounds a vendor call made while a person waits.
	VendorTimeout time.Duration

	// Connectors is chain mode's hub of on-site connectors (nil: no tab,
	// no pairing or tunnel endpoints).
	Connectors *connectors.Hub

	// The product's areas (see register* in router.go).
	Faces   FacesDeps
	Events  EventsDeps
	Traffic TrafficDeps
	Video   VideoDeps
	Devices DevicesDeps
	// Alerts is issue 17's channels (nil Service: no alerts pages).
	Alerts AlertsDeps
}

// Server is the set of handlers.
type Server struct {
	Deps
	cop *http.CrossOriginProtection
	// proxies are TrustedProxies parsed, for X-Forwarded-Proto.
	proxies []netip.Prefix
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
	if len(d.DeviceKey) == 0 {
		d.DeviceKey = make([]byte, 32)
		rand.Read(d.DeviceKey)
	}
	s := &Server{Deps: d, cop: http.NewCrossOriginProtection(), proxies: parseProxies(d.TrustedProxies)}
	engine := s.router()
	sessions := d.Sessions.LoadAndSave(streamable(engine))
	return s.secureCookies(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Static files and health checks need no session (and no DB read).
		if isStatic(r.URL.Path) {
			engine.ServeHTTP(w, r)
			return
		}
		sessions.ServeHTTP(w, r)
	}))
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
