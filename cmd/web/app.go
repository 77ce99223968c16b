package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/auth"
	"storelens/internal/cameras"
	"storelens/internal/connectors"
	"storelens/internal/datadir"
	"storelens/internal/demo"
	"storelens/internal/handlers"
	"storelens/internal/i18n"
	"storelens/internal/leader"
	"storelens/internal/lifecycle"
	"storelens/internal/models"
	"storelens/internal/netguard"
	"storelens/internal/reqlog"
	"storelens/internal/secrets"
	"storelens/internal/tlsutil"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
	"storelens/internal/vendors/opretail"
	"storelens/internal/vendors/senselink"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmilan"
)

// run starts the server and blocks until ctx ends, then shuts down
// gracefully: requests in flight finish before the database closes.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(args, getenv, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "storelens:", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	if err := serve(ctx, cfg, log, stdout); err != nil {
		log.Error("storelens stopped", "err", err)
		return 1
	}
	return 0
}

// newLogger writes text or JSON lines; every line logged with a request's
// context carries that request's id (reqlog).
func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(reqlog.NewHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(reqlog.NewHandler(slog.NewTextHandler(w, opts)))
}

// serve runs the server's life cycle, in this order:
//
//  1. environment: the database, the secret key, the first admin and, in
//     demo mode, the vendor simulators (they stand for clouds and cameras
//     outside this server, so they are up before anything talks to them);
//  2. wiring (build): the vendor registry, fixed from here on, every service,
//     the demo's seed data and the handlers; background work is only added
//     to a lifecycle.Group, nothing starts;
//  3. start: the group starts its tasks in the order they were added;
//  4. serve HTTP until ctx ends;
//  5. stop: HTTP first (requests in flight finish), then the tasks in the
//     reverse order, each waited for, then the simulators and the database.
func serve(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	env, err := openEnv(ctx, cfg, log, stdout)
	if err != nil {
		return err
	}
	defer env.close(log)
	a, err := build(ctx, cfg, log, env, stdout)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	a.listen.Store(ln.Addr().String())
	if err := a.tasks.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	defer func() {
		if err := a.tasks.Stop(); err != nil {
			log.Warn("background work did not stop cleanly", "err", err)
		}
	}()
	fmt.Fprintf(stdout, "StoreLens is serving on http://%s\n", ln.Addr())
	if env.demo != nil {
		fmt.Fprintf(stdout, "  demo mode: simulated Sunmi cloud at %s\n", env.demo.SunmiURL)
		if d := env.demo.Devices; d != nil {
			fmt.Fprintf(stdout, "  demo mode: simulated LAN camera at %s (discovery on udp %s), SenseLink at %s\n",
				d.LAN.Addr(), d.Discovery.Addr(), d.SenseLinkURL)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- a.srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.draining.Store(true)
	if cfg.DrainWait > 0 {
		log.Info("draining: /readyz answers 503, still serving", "for", cfg.DrainWait)
		time.Sleep(cfg.DrainWait)
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopping background work")
	return nil
}

// env is what the server runs in: its database and key, and in demo mode
// the simulated vendors.
type env struct {
	store *models.Store
	box   *secrets.Box
	// deviceKey signs the sign-in device cookies.
	deviceKey []byte
	// relayKey signs the instances' relay requests to each other.
	relayKey []byte
	hasher   *auth.Hasher
	demoOn   bool
	demo     *demo.Env // nil unless in demo mode
	extraCA  [][]byte  // --vendor-ca and the demo simulators' certificate
}

func openEnv(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) (_ *env, err error) {
	// The data directory 0700, its database and key 0600 (fixed if looser).
	if err := datadir.Prepare(cfg.DataDir, log); err != nil {
		return nil, err
	}
	e := &env{hasher: auth.NewHasher(auth.Default, 4)}
	defer func() {
		if err != nil {
			e.close(log)
		}
	}()
	if e.store, err = models.Open(ctx, filepath.Join(cfg.DataDir, "storelens.db"), models.Options{Logger: log, DatabaseURL: cfg.DatabaseURL}); err != nil {
		return nil, err
	}
	key, err := secrets.LoadKey(filepath.Join(cfg.DataDir, "secret.key"), cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	if err := datadir.Check(cfg.DataDir, log); err != nil {
		return nil, err
	}
	// Signs the sign-in device cookies; derived, so no new secret is stored.
	if e.deviceKey, err = secrets.Derive(key, "device-cookie"); err != nil {
		return nil, err
	}
	// The same on every instance: they share the secret key.
	if e.relayKey, err = secrets.Derive(key, "connector-relay"); err != nil {
		return nil, err
	}
	if e.box, err = secrets.New(key); err != nil {
		return nil, err
	}
	fresh, err := firstAdmin(ctx, e.store, e.hasher, cfg.AdminPassword, stdout)
	if err != nil {
		return nil, err
	}
	// On PostgreSQL, auto never turns the demo on: an empty shared database
	// is a new chain being set up, not someone trying StoreLens out.
	if e.demoOn, err = demoMode(ctx, e.store, cfg.Demo, fresh && cfg.DatabaseURL == ""); err != nil {
		return nil, err
	}
	if pem, err := tlsutil.ReadPEM(cfg.VendorCA); err != nil {
		return nil, fmt.Errorf("--vendor-ca: %w", err)
	} else if pem != nil {
		e.extraCA = append(e.extraCA, pem)
	}
	if e.demoOn {
		if e.demo, err = demo.Start(ctx, cfg.DataDir, log); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		e.extraCA = append(e.extraCA, e.demo.CA)
	}
	return e, nil
}

// close stops the simulators and closes the database.
func (e *env) close(log *slog.Logger) {
	if e.demo != nil {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.demo.Close(c); err != nil {
			log.Warn("demo simulators did not stop cleanly", "err", err)
		}
	}
	if e.store != nil {
		e.store.Close()
	}
}

// app is the wired server: its HTTP server and its background work, which
// has not started yet.
type app struct {
	srv *http.Server
	// draining turns /readyz to 503 when the server starts stopping.
	draining *atomic.Bool
	tasks    *lifecycle.Group
	listen   *listenAddr
}

// listenAddr is the server's listening address, known once it listens.
type listenAddr struct {
	mu   sync.Mutex
	addr string
}

func (l *listenAddr) Store(a string) { l.mu.Lock(); l.addr = a; l.mu.Unlock() }

func (l *listenAddr) Load() string { l.mu.Lock(); defer l.mu.Unlock(); return l.addr }

// registry is every vendor StoreLens speaks to, fixed before any service
// is built (vendors.Registry cannot change afterwards).
func registry(hc *http.Client, guard *netguard.Guard, hub *connectors.Hub) *vendors.Registry {
	// A SenseLink server may sit inside a shop (chain mode: through its
	// connector).
	inShop := &shopHTTP{base: hc, dial: lanDial(guard, hub)}
	return vendors.NewRegistry(hc,
		vendors.Vendor{Name: sunmicloud.Name, Label: sunmicloud.Label, New: sunmicloud.New},
		vendors.Vendor{Name: sunmilan.Name, Label: sunmilan.Label, New: sunmilan.ShopFactory(lanDial(guard, hub))},
		vendors.Vendor{Name: senselink.Name, Label: senselink.Label, New: inShop.factory(senselink.New)},
		vendors.Vendor{Name: opretail.Name, Label: opretail.Label, New: opretail.New},
	)
}

// lanDial is the dialer of a LAN camera of a shop: through the shop's
// on-site connector when it has one paired (chain mode), otherwise the
// guard, allowed to reach only the camera's recorded address.
func lanDial(guard *netguard.Guard, hub *connectors.Hub) func(shop uint, address string) sunmilan.DialFunc {
	return func(shop uint, address string) sunmilan.DialFunc {
		return hub.LANDial(shop, guard.DialContext(netguard.LANCamera(shop, address)))
	}
}

// build wires every service and handler. It starts no goroutine of its
// own: background work is added to the returned app's tasks (a test checks
// this, TestBuildStartsNothing).
func build(ctx context.Context, cfg config, log *slog.Logger, e *env, stdout io.Writer) (*app, error) {
	// One outbound policy for every address that came from outside
	// (internal/netguard); its refusal counts are the Health tab's.
	guard := netguard.New(netguard.Options{Log: log.With("area", "netguard")})
	vendorHTTP, err := vendorClient(guard, e.extraCA...)
	if err != nil {
		return nil, err
	}
	st := e.store
	// Chain mode: the shops' on-site connectors (their tunnels end when the
	// task stops).
	hub := &connectors.Hub{Store: st, Log: log.With("area", "connectors"), InstanceURL: cfg.InstanceURL, RelayKey: e.relayKey}
	acc := &accounts.Service{Store: st, Box: e.box, Registry: registry(vendorHTTP, guard, hub),
		Extra: traffic.OpRetailLogins(st, e.box)}
	cams := &cameras.Service{Store: st, Accounts: acc, HTTP: vendorHTTP, Guard: guard, MediaHosts: cfg.MediaHosts}
	tasks := lifecycle.New(log.With("area", "lifecycle"))
	// Work that runs once across instances runs on its leader (package
	// leader); with the embedded SQLite there is one instance, which leads.
	var elect leader.Elector = leader.Alone{}
	if cfg.DatabaseURL != "" {
		elect = &leader.Postgres{URL: cfg.DatabaseURL, Log: log.With("area", "leader")}
	}
	tasks.Add(leader.Loop(elect, "session sweep", func(ctx context.Context) { sweepSessions(ctx, st, log) }))
	tasks.Add(lifecycle.Loop("connector tunnels", func(ctx context.Context) { _ = hub.Run(ctx) }))

	w := &wiring{ctx: ctx, cfg: cfg, log: log, store: st, accounts: acc, cameras: cams, registry: acc.Registry,
		vendorHTTP: vendorHTTP, hasher: e.hasher, demo: e.demo, tasks: tasks, guard: guard, connectors: hub, listen: &listenAddr{}, draining: &atomic.Bool{}, elect: elect, deviceKey: e.deviceKey}
	if e.demo != nil {
		logins, err := demo.Seed(ctx, st, acc, cams, e.hasher, e.demo)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		for _, l := range logins {
			fmt.Fprintf(stdout, "  demo %s: user %s  password %s\n", l.Role, l.Username, l.Password)
		}
	}
	areas, err := w.areas()
	if err != nil {
		return nil, err
	}
	bundle, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	publicHTTPS := cfg.PublicURL != nil && cfg.PublicURL.Scheme == "https"
	sessions := handlers.NewSessions(st, cfg.SecureCookies || publicHTTPS, cfg.SessionIdle, cfg.SessionLifetime)
	h := handlers.New(handlers.Deps{
		Store: st, Sessions: sessions, I18n: bundle, Hasher: e.hasher, Throttle: auth.NewStoredThrottle(st, nil),
		Accounts: acc, Cameras: cams, Registry: acc.Registry, Log: log, TrustedProxies: cfg.TrustedProxies,
		SecureCookies: cfg.SecureCookies, PublicHTTPS: publicHTTPS, DeviceKey: e.deviceKey, Demo: e.demoOn, VendorTimeout: cfg.VendorTimeout,
		Connectors: hub, Draining: w.draining, Alerts: areas.alerts,
		Faces: areas.faces, Events: areas.events, Traffic: areas.traffic, Video: areas.video, Devices: areas.devices,
	})
	srv := &http.Server{
		Addr: cfg.Addr, Handler: h,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		// Long enough for a slow vendor behind a page; streams lift it per request.
		WriteTimeout: cfg.VendorTimeout + 40*time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return &app{srv: srv, tasks: tasks, listen: w.listen, draining: w.draining}, nil
}

// vendorClient is the one HTTP client for vendor APIs: bounded, with the
// system roots plus any extra ones (the demo simulators' certificate).
func vendorClient(guard *netguard.Guard, extraCA ...[]byte) (*http.Client, error) {
	pool, err := tlsutil.Pool(extraCA...)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 16
	// Base URLs are an admin's, but what they resolve to is checked: never
	// metadata, link-local, multicast or unspecified addresses. No proxy:
	// it would dial for us, unchecked.
	tr.DialContext = guard.DialContext(netguard.VendorAPI())
	tr.Proxy = nil
	tr.ResponseHeaderTimeout = 20 * time.Second
	return &http.Client{Transport: tr, Timeout: 60 * time.Second,
		// A vendor API never redirects a signed POST; refuse rather than follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// firstAdmin creates the admin on an empty database and prints its sign-in
// once. There is no default password: it comes from the environment or is
// random. It reports whether the database was empty.
func firstAdmin(ctx context.Context, st *models.Store, h *auth.Hasher, envPassword string, stdout io.Writer) (bool, error) {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	pw, fromEnv := envPassword, envPassword != ""
	if !fromEnv {
		pw = auth.RandomPassword(16)
	} else if err := auth.CheckPolicy(pw); err != nil {
		return false, fmt.Errorf("STORELENS_ADMIN_PASSWORD: %w", err)
	}
	hash, err := h.Hash(ctx, pw)
	if err != nil {
		return false, err
	}
	if err := st.CreateUser(ctx, &models.User{Username: "admin", DisplayName: "Administrator", Role: models.RoleAdmin, PasswordHash: hash}, nil); err != nil {
		return false, err
	}
	fmt.Fprintln(stdout, "────────────────────────────────────────────────────────")
	if fromEnv {
		fmt.Fprintln(stdout, "  First start: admin sign-in  user admin  password from STORELENS_ADMIN_PASSWORD")
	} else {
		fmt.Fprintf(stdout, "  First start: admin sign-in  user admin  password %s\n", pw)
		fmt.Fprintln(stdout, "  (shown once; change it under your name in the top bar)")
	}
	fmt.Fprintln(stdout, "────────────────────────────────────────────────────────")
	return true, nil
}

// demoMode decides whether this run is a demo: asked for, or (auto) a data
// directory that started empty and so was marked a demo then.
func demoMode(ctx context.Context, st *models.Store, flag string, fresh bool) (bool, error) {
	const key = "demo.mode"
	switch flag {
	case "off":
		return false, nil
	case "on":
		return true, st.SetSetting(ctx, key, "1")
	}
	if fresh {
		return true, st.SetSetting(ctx, key, "1")
	}
	v, err := st.Setting(ctx, key)
	return v == "1", err
}

// sweepSessions deletes expired sessions hourly.
func sweepSessions(ctx context.Context, st *models.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := st.Sessions().DeleteExpired(ctx); err != nil {
				log.Warn("session sweep failed", "err", err)
			}
		}
	}
}
