package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"storelens/internal/auth"
	"storelens/internal/demo"
	opsim "storelens/internal/vendors/opretail/sim"
)

// serveOpRetail starts the OpRetail simulator with the demo's department and
// a fresh developer key and user, prints what to type into StoreLens's
// OpRetail settings, and returns a stop function. cert, when set, is the
// certificate written for --vendor-ca.
func serveOpRetail(out io.Writer, addr string, cert *tls.Certificate) (func(), error) {
	s := opsim.New(opsim.Options{})
	key, secret := "VENDORSIM-OPRETAIL", auth.RandomPassword(24)
	user, passwd := "vendorsim@opretail", auth.RandomPassword(16)
	demo.SeedOpRetail(s, key, secret, user, passwd)
	base, stop, err := serveLoopback(out, "opretail", addr, s, cert)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "OpRetail simulator\n  base URL   %s/cloud.api\n  akey       %s\n  secret     %s\n  user       %s\n  password   %s\n  department %s\n",
		base, key, secret, user, passwd, demo.OpRetailDepartment)
	return stop, nil
}

// serveLoopback serves h on addr, over TLS with cert when set, and returns
// its base URL and a stop function. name prefixes a serving error.
func serveLoopback(out io.Writer, name, addr string, h http.Handler, cert *tls.Certificate) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	scheme := "http"
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(out, name+" simulator:", err)
		}
	}()
	return scheme + "://" + ln.Addr().String(), func() { srv.Close() }, nil
}
