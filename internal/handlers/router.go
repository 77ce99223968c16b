package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"storelens/web/static"
	"storelens/web/templates/layout"
)

func isStatic(path string) bool {
	return strings.HasPrefix(path, "/static/") || path == "/healthz" || path == "/readyz" || path == "/favicon.ico"
}

// router builds every route, grouped by who may use it.
func (s *Server) router() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = true
	// Believe X-Forwarded-For only from proxies named in the config.
	if err := r.SetTrustedProxies(s.TrustedProxies); err != nil {
		panic(err) // checked at config load; a bad list here is a wiring bug
	}
	r.Use(s.requestLog, s.recovery, s.securityHeaders, s.localize, s.crossOrigin)
	r.NoRoute(s.notFound)
	r.NoMethod(func(c *gin.Context) { s.errorPage(c, http.StatusMethodNotAllowed) })

	r.GET("/static/*file", serveStatic(static.FS))
	r.GET("/favicon.ico", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/static/img/icon.svg") })
	r.GET("/healthz", s.Health)
	r.GET("/readyz", s.Ready)
	r.GET("/login", s.LoginForm)
	r.POST("/login", s.Login)
	r.POST("/lang", s.SetLanguage)

	s.nav = []layout.NavItem{{Href: "/", Key: "nav.home", Section: "home"}, {Href: "/shops", Key: "nav.shops", Section: "shops"}}
	s.adminNav = []layout.NavItem{{Href: "/settings/vendors", Key: "nav.vendors", Section: "vendors"},
		{Href: "/users", Key: "nav.users", Section: "users"}, {Href: "/audit", Key: "nav.audit", Section: "audit"}}
	s.shopTabs = []shopTab{{Key: "tab.cameras", Path: "", Name: "cameras"}}

	u := r.Group("/", s.requireUser)
	u.POST("/logout", s.Logout)
	u.GET("/", s.Home)
	u.GET("/account/password", s.PasswordForm)
	u.POST("/account/password", s.ChangePassword)
	u.GET("/shops", s.ListShops)

	admin := u.Group("/", s.requireAdmin)
	admin.GET("/shops/new", s.NewShop)
	admin.POST("/shops", s.CreateShop)

	shop := u.Group("/shops/:shop", s.loadShop)
	shop.GET("", s.ShowShop)
	shop.POST("/cameras/sync", s.SyncCameras)
	shop.GET("/cameras/bind", s.BindForm)
	shop.POST("/cameras/bind", s.Bind)
	cam := shop.Group("/cameras/:camera", s.loadCamera)
	cam.GET("", s.ShowCamera)
	cam.POST("/rename", s.RenameCamera)
	cam.GET("/unbind", s.UnbindForm)
	cam.POST("/unbind", s.Unbind)
	cam.GET("/screenshot", s.Screenshot)

	shopAdmin := shop.Group("", s.requireAdmin)
	shopAdmin.GET("/edit", s.EditShop)
	shopAdmin.POST("", s.UpdateShop)
	shopAdmin.GET("/delete", s.DeleteShopForm)
	shopAdmin.POST("/delete", s.DeleteShop)

	admin.GET("/settings/vendors", s.ListAccounts)
	admin.GET("/settings/vendors/new", s.NewAccount)
	admin.POST("/settings/vendors", s.CreateAccount)
	acc := admin.Group("/settings/vendors/:account", s.loadAccount)
	acc.GET("/edit", s.EditAccount)
	acc.POST("", s.UpdateAccount)
	acc.POST("/test", s.TestAccount)
	acc.GET("/delete", s.DeleteAccountForm)
	acc.POST("/delete", s.DeleteAccount)
	acc.GET("/devices", s.AccountDevices)

	admin.GET("/users", s.ListUsers)
	admin.GET("/users/new", s.NewUser)
	admin.POST("/users", s.CreateUser)
	usr := admin.Group("/users/:user", s.loadUser)
	usr.GET("/edit", s.EditUser)
	usr.POST("", s.UpdateUser)
	usr.POST("/password", s.ResetPassword)

	admin.GET("/audit", s.AuditLog)
	admin.GET("/audit/export.csv", s.AuditExport)

	// The product's areas, each in its own file: routes, navigation, tabs.
	rt := routes{user: u, admin: admin, shop: shop, shopAdmin: shopAdmin, camera: cam, engine: r}
	s.registerFaces(rt)
	s.registerEvents(rt)
	s.registerTraffic(rt)
	s.registerVideo(rt)
	s.registerDevices(rt)
	s.registerConnectors(rt)
	s.registerAlerts(rt)
	s.registerExports(rt)
	return r
}

// routes are the groups an area hangs its routes on, by who may use them.
type routes struct {
	engine    *gin.Engine      // no sign-in (vendor callbacks; they check their own signatures)
	user      *gin.RouterGroup // any signed-in user
	admin     *gin.RouterGroup // admins
	shop      *gin.RouterGroup // /shops/:shop, the shop authorised by loadShop
	shopAdmin *gin.RouterGroup // /shops/:shop for admins
	camera    *gin.RouterGroup // /shops/:shop/cameras/:camera, authorised
}
