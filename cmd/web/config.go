package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"storelens/internal/models"
)

// config is everything the server reads at start: flags, with environment
// variables for secrets (and for flags, as STORELENS_<FLAG>).
type config struct {
	Addr           string
	DataDir        string
	DatabaseURL    string // --database / STORELENS_DATABASE_URL: "" = SQLite in DataDir
	Demo           string // auto, on, off
	LogLevel       slog.Level
	LogFormat      string
	TrustedProxies []string
	SecureCookies  bool
	SessionIdle    time.Duration
	// DrainWait is how long a stopping server keeps serving with /readyz
	// at 503, for a load balancer's health check to take it out.
	DrainWait       time.Duration
	SessionLifetime time.Duration
	VendorTimeout   time.Duration
	VendorCA        string   // extra PEM roots for vendor HTTPS (simulators, private gateways)
	MediaHosts      []string // domain suffixes of the vendors' media (CDN) hosts stream URLs may name
	// PublicURL is the address browsers, cameras and vendors reach this
	// server at (scheme, host, optional path prefix); nil when not set.
	// It is the base of every callback handed to a camera or vendor.
	PublicURL *url.URL
	// InstanceURL is this instance's own address as the other instances
	// reach it ("" on one instance): they relay their dials to the shops
	// whose connector tunnels it holds through it.
	InstanceURL string
	// PhotoMemory is the photo pipeline's memory budget in bytes: the
	// photos being decoded at once never need more (photos.Options.Memory).
	PhotoMemory int64

	AdminPassword string // STORELENS_ADMIN_PASSWORD: the first admin's password
	SecretKey     string // STORELENS_SECRET_KEY: base64 key for vendor secrets
}

// loadConfig parses args, with STORELENS_* environment defaults read
// through getenv (so tests pass a map, not the process environment).
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	env := func(name, def string) string {
		if v := getenv("STORELENS_" + name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("storelens", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", env("ADDR", "127.0.0.1:8080"), "address to listen on")
	fs.StringVar(&c.DataDir, "data-dir", env("DATA_DIR", "./data"), "directory for the database, key and photos")
	fs.StringVar(&c.DatabaseURL, "database", env("DATABASE_URL", ""), "empty for the embedded SQLite in the data directory, or a postgres://user:password@host/dbname URL")
	fs.StringVar(&c.Demo, "demo", env("DEMO", "auto"), "demo mode: auto (on for an empty data directory; never with --database), on, off")
	level := fs.String("log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", env("LOG_FORMAT", "text"), "text or json")
	proxies := fs.String("trusted-proxies", env("TRUSTED_PROXIES", ""), "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", env("SECURE_COOKIES", "") == "1", "force the Secure flag on every cookie (a TLS proxy that sends no X-Forwarded-Proto); without it cookies are Secure when --public-url is https or a trusted proxy says https")
	fs.DurationVar(&c.SessionIdle, "session-idle", 2*time.Hour, "sign out after this long without a request")
	fs.DurationVar(&c.SessionLifetime, "session-lifetime", 12*time.Hour, "sign out this long after signing in")
	drain := fs.String("drain-wait", env("DRAIN_WAIT", "0s"), "on SIGTERM, keep serving this long with /readyz answering 503 before stopping (behind a load balancer that polls /readyz, e.g. 10s)")
	fs.DurationVar(&c.VendorTimeout, "vendor-timeout", 20*time.Second, "longest wait for a vendor while a person waits")
	fs.StringVar(&c.VendorCA, "vendor-ca", env("VENDOR_CA", ""), "PEM file of extra roots trusted for vendor HTTPS")
	mediaHosts := fs.String("media-hosts", env("MEDIA_HOSTS", ""), "comma-separated domain suffixes of the vendors' media (CDN) hosts that live and playback URLs may name besides the account's base URL host")
	publicURL := fs.String("public-url", env("PUBLIC_URL", ""), "the address cameras, vendors and browsers reach this server at, e.g. https://storelens.example.com")
	instanceURL := fs.String("instance-url", env("INSTANCE_URL", ""), "several instances: this instance's own address as the other instances reach it, e.g. http://10.0.0.5:8080, so they reach the shops whose connector tunnels land here; empty on one instance")
	photoMemory := fs.String("photo-memory", env("PHOTO_MEMORY", "256MB"), "memory for decoding uploaded photos at once, e.g. 256MB or 1GB (a number alone is MB)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var errs []error
	if c.DatabaseURL != "" && !models.IsPostgresURL(c.DatabaseURL) {
		errs = append(errs, errors.New("--database: must be empty (the embedded SQLite) or start with postgres:// or postgresql://"))
	}
	if *publicURL != "" {
		u, err := parsePublicURL(*publicURL)
		if err != nil {
			errs = append(errs, fmt.Errorf("--public-url: %w", err))
		}
		c.PublicURL = u
	}
	if *instanceURL != "" {
		if u, err := parsePublicURL(*instanceURL); err != nil {
			errs = append(errs, fmt.Errorf("--instance-url: %w", err))
		} else {
			c.InstanceURL = u.String()
		}
	}
	if n, err := parseMemory(*photoMemory); err != nil {
		errs = append(errs, fmt.Errorf("--photo-memory: %w", err))
	} else {
		c.PhotoMemory = n
	}
	if d, err := time.ParseDuration(*drain); err != nil || d < 0 || d > 5*time.Minute {
		errs = append(errs, fmt.Errorf("--drain-wait %q: a duration from 0s to 5m", *drain))
	} else {
		c.DrainWait = d
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: %w", c.Addr, err))
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		errs = append(errs, fmt.Errorf("--log-level %q: %w", *level, err))
	}
	if c.Demo != "auto" && c.Demo != "on" && c.Demo != "off" {
		errs = append(errs, fmt.Errorf("--demo %q: want auto, on or off", c.Demo))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	for _, h := range strings.Split(*mediaHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			if strings.ContainsAny(h, "/:@ ") {
				errs = append(errs, fmt.Errorf("--media-hosts: %q is not a domain suffix", h))
				continue
			}
			c.MediaHosts = append(c.MediaHosts, h)
		}
	}
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("--trusted-proxies: %q is neither an address nor a CIDR", p))
				continue
			}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if c.SessionIdle <= 0 || c.SessionLifetime <= 0 {
		errs = append(errs, errors.New("session timeouts must be positive"))
	}
	c.AdminPassword = getenv("STORELENS_ADMIN_PASSWORD")
	c.SecretKey = getenv("STORELENS_SECRET_KEY")
	return c, errors.Join(errs...)
}

// parsePublicURL accepts an absolute http or https URL with a host and no
// query or fragment; a trailing slash is dropped so callbacks join cleanly.
func parsePublicURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: want an http:// or https:// URL", raw)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q: want scheme://host[:port][/path] with no user, query or fragment", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// minPhotoMemory is the smallest photo budget accepted: a 12-megapixel
// phone photo needs about 31 MB, so less would refuse ordinary photos.
const minPhotoMemory = 32 << 20

// parseMemory reads a size such as 256MB, 512MiB, 1GB or 256 (megabytes);
// K, M and G are powers of 1024, as in the messages that report them.
func parseMemory(s string) (int64, error) {
	num := strings.TrimSpace(s)
	unit := int64(1 << 20)
	upper := strings.ToUpper(num)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"KIB", 1 << 10}, {"KB", 1 << 10}, {"K", 1 << 10}, {"MIB", 1 << 20}, {"MB", 1 << 20}, {"M", 1 << 20},
		{"GIB", 1 << 30}, {"GB", 1 << 30}, {"G", 1 << 30}} {
		if strings.HasSuffix(upper, u.suffix) {
			num, unit = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.n
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<50)/unit {
		return 0, fmt.Errorf("%q: want a size such as 256MB or 1GB", s)
	}
	if n*unit < minPhotoMemory {
		return 0, fmt.Errorf("%q: at least 32MB (a 12-megapixel photo needs about 31MB)", s)
	}
	return n * unit, nil
}
