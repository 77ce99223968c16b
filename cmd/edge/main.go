// Command storelens-edge is a shop's on-site connector (issue 15). Run it
// on any Linux box in the shop with the command the shop's "On-site
// connector" page shows:
//
//	storelens-edge --server https://central.example --pair CODE --data-dir /var/lib/storelens-edge
//
// It pairs once (the code is single use), keeps its ed25519 key 0600 in
// the data directory, then keeps one outbound tunnel to the central server
// and dials, for it, only addresses inside --allow on 003's ports.
package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"storelens/internal/connectors/edge"
	"storelens/internal/vendors/sunmilan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("storelens-edge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "the central StoreLens server, https://...")
	pair := fs.String("pair", "", "one-time pairing code from the shop's On-site connector page")
	dataDir := fs.String("data-dir", "/var/lib/storelens-edge", "where the connector keeps its key (0700)")
	allow := fs.String("allow", "", "LAN ranges the connector may dial, comma-separated CIDRs (default: the subnets of this box's interfaces)")
	ports := fs.String("ports", "", "extra TCP ports it may dial besides 003's and 004's 80, 443, 554, 9000 and 10021 (comma-separated)")
	ca := fs.String("ca", "", "PEM file of an extra CA that signs the central server's certificate")
	discTarget := fs.String("discovery-target", "", "where 003's discovery requests go (default 255.255.255.255:10001)")
	discListen := fs.String("discovery-listen", "", "where discovery answers are received (default 0.0.0.0:10001)")
	status := fs.String("status", "127.0.0.1:7081", "loopback address of the local status page (JSON); empty: none")
	hookListen := fs.String("hook-listen", ":7082", "where the shop's cameras post their webhooks (the edge's LAN side); empty: no receiver")
	hookURL := fs.String("hook-url", "", "the callback cameras are given (default: http://<this box's LAN address>:<port of --hook-listen>/hooks/sunmi-ipc)")
	queueMax := fs.Int("queue-max", edge.DefaultQueueMax, "most webhook posts kept while the central server is unreachable (then posts are refused and the central alerted)")
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, "storelens-edge", edge.Version)
		return 0
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "storelens-edge:", err)
		return code
	}
	if *server == "" {
		return fail(2, errors.New("--server is required"))
	}
	explicit := *allow != ""
	var policy *edge.Policy
	extra, err := edge.ParsePorts(*ports)
	if err != nil {
		return fail(2, err)
	}
	portList := append(append([]int(nil), edge.DefaultPorts...), extra...)
	if explicit {
		pf, err := edge.ParseAllow(*allow)
		if err != nil {
			return fail(2, err)
		}
		policy = edge.NewPolicy(pf, true, portList)
	} else {
		pf, err := edge.InterfaceRanges()
		if err != nil {
			return fail(1, err)
		}
		policy = edge.NewPolicy(pf, false, portList)
	}
	log.Info("dial policy", "allow", policy.Allow, "ports", portList)
	var pool *x509.CertPool
	if *ca != "" {
		b, err := os.ReadFile(*ca)
		if err != nil {
			return fail(2, fmt.Errorf("--ca: %w", err))
		}
		if pool, err = x509.SystemCertPool(); err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(b) {
			return fail(2, fmt.Errorf("--ca: %s holds no PEM certificate", *ca))
		}
	}
	if *queueMax < 1 {
		return fail(2, fmt.Errorf("--queue-max %d: at least 1", *queueMax))
	}
	e, err := edge.New(edge.Config{Server: *server, DataDir: *dataDir, Policy: policy, RootCAs: pool, Log: log,
		Discovery: sunmilan.DiscoverOptions{Target: *discTarget, Listen: *discListen}})
	if err != nil {
		return fail(1, err)
	}
	if strings.HasPrefix(*server, "http://") {
		log.Warn("--server is plain http: the tunnel is not encrypted (use https outside tests)")
	}
	if *status != "" {
		ap, err := netip.ParseAddrPort(*status)
		if err != nil || !ap.Addr().IsLoopback() {
			return fail(2, fmt.Errorf("--status %q: a loopback host:port (127.0.0.1:7081)", *status))
		}
		ln, err := net.Listen("tcp", ap.String())
		if err != nil {
			return fail(1, fmt.Errorf("--status: %w", err))
		}
		srv := &http.Server{Handler: e.StatusHandler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		log.Info("status page", "url", "http://"+ln.Addr().String()+"/")
	}
	if *pair != "" && edge.PairedWith(*dataDir, *pair) {
		log.Info("--pair: this code was used by this box already; connecting with its key")
	} else if *pair != "" {
		rep, err := e.Pair(ctx, *pair)
		if err != nil {
			return fail(1, err)
		}
		fmt.Fprintf(stdout, "paired: connector %d of shop %d; the key stays in %s\n", rep.Connector, rep.Shop, *dataDir)
	}
	var hookLn net.Listener
	var queue *edge.Queue
	if *hookListen != "" {
		if hookLn, err = net.Listen("tcp", *hookListen); err != nil {
			return fail(1, fmt.Errorf("--hook-listen: %w", err))
		}
		defer hookLn.Close()
		if *hookURL == "" {
			if *hookURL, err = edge.HookURL(hookLn.Addr(), policy); err != nil {
				return fail(1, fmt.Errorf("--hook-listen: %w; give --hook-url", err))
			}
		}
		if queue, err = edge.OpenQueue(*dataDir, *queueMax); err != nil {
			return fail(1, err)
		}
		defer queue.Close()
	}
	if queue != nil {
		e.UseQueue(queue, *hookURL)
	}
	if hookLn != nil {
		srv := &http.Server{Handler: e.HookHandler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
		go func() { _ = srv.Serve(hookLn) }()
		defer srv.Close()
		log.Info("webhook receiver", "listen", hookLn.Addr().String(), "callback", *hookURL, "queued", queue.Depth(), "queue_max", queue.Max())
	}
	if err := e.Run(ctx); err != nil {
		return fail(1, err)
	}
	return 0
}
