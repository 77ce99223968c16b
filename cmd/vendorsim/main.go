// Command vendorsim runs the vendor simulators as one process on loopback,
// seeded with the demo company, and prints their URLs and credentials. Point
// a StoreLens vendor account at them (and start the server with
// --vendor-ca <the printed certificate file>) to try a non-demo install.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"storelens/internal/auth"
	"storelens/internal/demo"
	"storelens/internal/tlsutil"
	"storelens/internal/vendors/sunmicloud/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vendorsim:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("vendorsim", flag.ContinueOnError)
	sunmiAddr := fs.String("sunmi-addr", "127.0.0.1:9101", "loopback address of the Sunmi cloud simulator")
	useTLS := fs.Bool("tls", true, "serve HTTPS with a fresh self-signed certificate (as the real APIs do)")
	certOut := fs.String("cert-out", "vendorsim-cert.pem", "where to write that certificate, for the server's --vendor-ca")
	appID := fs.String("app-id", demo.DemoAppID, "the simulated app_id")
	secret := fs.String("secret", "", "its secret key (random when empty)")
	lanAddr := fs.String("lan-addr", "127.0.0.1:9102", "loopback address of the simulated Sunmi LAN camera (HTTPS)")
	discoveryAddr := fs.String("discovery-addr", "127.0.0.1:10001", "loopback UDP address where the LAN camera answers discovery")
	senselinkAddr := fs.String("senselink-addr", "127.0.0.1:9103", "loopback address of the SenseLink simulator")
	opretailAddr := fs.String("opretail-addr", "127.0.0.1:9104", "loopback address of the OpRetail simulator")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, a := range []string{*sunmiAddr, *lanAddr, *discoveryAddr, *senselinkAddr, *opretailAddr} {
		if err := loopbackOnly(a); err != nil {
			return err
		}
	}
	if *secret == "" {
		*secret = auth.RandomPassword(24)
	}
	s := sim.New(sim.Options{})
	demo.SeedSunmi(s, *appID, *secret)
	demo.SeedSunmiTraffic(s) // the passengerFlow endpoints answer the demo's days

	ln, err := net.Listen("tcp", *sunmiAddr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	scheme := "http"
	var simCert *tls.Certificate
	if *useTLS {
		cert, pem, err := tlsutil.SelfSigned("StoreLens vendorsim")
		if err != nil {
			return err
		}
		simCert = &cert
		if err := os.WriteFile(*certOut, pem, 0o644); err != nil {
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	fmt.Fprintf(out, "Sunmi cloud simulator\n  base URL   %s://%s/openapi\n  app_id     %s\n  secret key %s\n  company    %s (shops 560279010301-560279010304)\n",
		scheme, ln.Addr(), *appID, *secret, demo.DemoCompanyNo)
	if *useTLS {
		fmt.Fprintf(out, "  certificate written to %s (start storelens with --vendor-ca %s)\n", *certOut, *certOut)
	}
	stopDevices, err := serveDevices(out, *lanAddr, *discoveryAddr, *senselinkAddr, simCert)
	if err != nil {
		return err
	}
	defer stopDevices()
	stopOpRetail, err := serveOpRetail(out, *opretailAddr, simCert)
	if err != nil {
		return err
	}
	defer stopOpRetail()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loopbackOnly keeps the simulators off real networks (the network rule).
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address: the simulators listen on 127.0.0.1 or ::1 only", addr)
	}
	return nil
}
