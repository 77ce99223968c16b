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
	"os"
	"path/filepath"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/auth"
	"storelens/internal/cameras"
	"storelens/internal/demo"
	"storelens/internal/handlers"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/netguard"
	"storelens/internal/secrets"
	"storelens/internal/tlsutil"
	"storelens/internal/vendors"
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

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	st, err := models.Open(ctx, filepath.Join(cfg.DataDir, "storelens.db"), models.Options{Logger: log})
	if err != nil {
		return err
	}
	defer st.Close()
	key, err := secrets.LoadKey(filepath.Join(cfg.DataDir, "secret.key"), cfg.SecretKey)
	if err != nil {
		return err
	}
	box, err := secrets.New(key)
	if err != nil {
		return err
	}
	hasher := auth.NewHasher(auth.Default, 4)

	fresh, err := firstAdmin(ctx, st, hasher, cfg.AdminPassword, stdout)
	if err != nil {
		return err
	}
	demoOn, err := demoMode(ctx, st, cfg.Demo, fresh)
	if err != nil {
		return err
	}
	var env *demo.Env
	var extraCA [][]byte
	if pem, err := tlsutil.ReadPEM(cfg.VendorCA); err != nil {
		return fmt.Errorf("--vendor-ca: %w", err)
	} else if pem != nil {
		extraCA = append(extraCA, pem)
	}
	if demoOn {
		if env, err = demo.Start(ctx, cfg.DataDir, log); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer func() {
			c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := env.Close(c); err != nil {
				log.Warn("demo simulators did not stop cleanly", "err", err)
			}
		}()
		extraCA = append(extraCA, env.CA)
	}
	// One outbound policy for every address that came from outside
	// (internal/netguard); its refusal counts are the Health tab's.
	guard := netguard.New(netguard.Options{Log: log.With("area", "netguard")})
	vendorHTTP, err := vendorClient(guard, extraCA...)
	if err != nil {
		return err
	}
	registry := vendors.NewRegistry(vendorHTTP)
	registry.Register(sunmicloud.Name, sunmicloud.Label, sunmicloud.New)
	registry.Register(sunmilan.Name, sunmilan.Label, sunmilan.NewAccount)
	registry.Register(senselink.Name, senselink.Label, senselink.New)
	acc := &accounts.Service{Store: st, Box: box, Registry: registry}
	cams := &cameras.Service{Store: st, Accounts: acc, HTTP: vendorHTTP, Guard: guard, MediaHosts: cfg.MediaHosts}

	if env != nil {
		logins, err := demo.Seed(ctx, st, acc, cams, hasher, env)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		for _, l := range logins {
			fmt.Fprintf(stdout, "  demo %s: user %s  password %s\n", l.Role, l.Username, l.Password)
		}
	}
	w := &wiring{ctx: ctx, cfg: cfg, log: log, store: st, accounts: acc, cameras: cams, registry: registry,
		vendorHTTP: vendorHTTP, hasher: hasher, demo: env, guard: guard}
	areas, err := w.areas()
	if err != nil {
		return err
	}
	defer w.close()

	bundle, err := i18n.Load()
	if err != nil {
		return err
	}
	sessions := handlers.NewSessions(st, cfg.SecureCookies, cfg.SessionIdle, cfg.SessionLifetime)
	h := handlers.New(handlers.Deps{
		Store: st, Sessions: sessions, I18n: bundle, Hasher: hasher, Throttle: auth.NewThrottle(nil),
		Accounts: acc, Cameras: cams, Registry: registry, Log: log, TrustedProxies: cfg.TrustedProxies,
		SecureCookies: cfg.SecureCookies, Demo: demoOn, VendorTimeout: cfg.VendorTimeout,
		Faces: areas.faces, Events: areas.events, Traffic: areas.traffic, Video: areas.video, Devices: areas.devices,
	})
	srv := &http.Server{
		Addr: cfg.Addr, Handler: h,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		// Long enough for a slow vendor behind a page; streams lift it per request.
		WriteTimeout: cfg.VendorTimeout + 40*time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	go sweepSessions(ctx, st, log)
	fmt.Fprintf(stdout, "StoreLens is serving on http://%s\n", ln.Addr())
	if demoOn {
		fmt.Fprintf(stdout, "  demo mode: simulated Sunmi cloud at %s\n", env.SunmiURL)
		if env.Devices != nil {
			fmt.Fprintf(stdout, "  demo mode: simulated LAN camera at %s (discovery on udp %s), SenseLink at %s\n",
				env.Devices.LAN.Addr(), env.Devices.Discovery.Addr(), env.Devices.SenseLinkURL)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
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
