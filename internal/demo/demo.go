// Package demo runs StoreLens without a vendor account: it starts the
// vendor simulators inside the process on loopback, seeds a demo company
// into them and into the database, and points the demo vendor accounts at
// this run's simulators. Each capability adds its simulators and seed data
// here, so `make run` shows every feature working.
package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"storelens/internal/auth"
	"storelens/internal/tlsutil"
	"storelens/internal/vendors/sunmicloud/sim"
)

// Env is the running simulators of one demo run.
type Env struct {
	// SunmiURL is the Sunmi cloud simulator's API base URL.
	SunmiURL string
	// SunmiAppID and SunmiSecret are the demo app's credentials there.
	SunmiAppID, SunmiSecret string
	// CA is the PEM certificate the simulators serve; vendor clients trust it.
	CA []byte
	// Sunmi is the Sunmi cloud simulator.
	Sunmi *sim.Server
	// Traffic is the traffic area's simulators (traffic.go).
	Traffic *TrafficEnv
	// Devices are the LAN camera and SenseLink simulators (devices.go).
	Devices *DevicesEnv
	// Alerts is the simulated WeCom and DingTalk groups (alerts.go).
	Alerts *AlertsEnv

	dir     string
	servers []*http.Server
	log     *slog.Logger
}

// Start starts the simulators on 127.0.0.1, restoring their state from
// dataDir/demo (or seeding the demo company on the first run).
func Start(ctx context.Context, dataDir string, log *slog.Logger) (*Env, error) {
	dir := filepath.Join(dataDir, "demo")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cert, certPEM, err := tlsutil.SelfSigned("StoreLens demo simulators")
	if err != nil {
		return nil, err
	}
	e := &Env{CA: certPEM, dir: dir, log: log, Sunmi: sim.New(sim.Options{Logf: func(f string, a ...any) {
		log.Debug(fmt.Sprintf(f, a...), "sim", "sunmicloud")
	}})}
	if err := e.loadOrSeedSunmi(); err != nil {
		return nil, err
	}
	if err := e.startTraffic(cert); err != nil {
		return nil, err
	}
	url, err := e.serve(cert, e.Sunmi)
	if err != nil {
		return nil, err
	}
	e.SunmiURL = url + "/openapi"
	if e.Devices, err = startDevices(e, cert); err != nil {
		return nil, err
	}
	if e.Alerts, err = startAlerts(e, cert); err != nil {
		return nil, err
	}
	return e, nil
}

// serve runs h over TLS on a free loopback port and returns its base URL.
func (e *Env) serve(cert tls.Certificate, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	e.servers = append(e.servers, srv)
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("demo simulator stopped", "err", err)
		}
	}()
	return "https://" + ln.Addr().String(), nil
}

func (e *Env) sunmiFile() string { return filepath.Join(e.dir, "sunmicloud.json") }

func (e *Env) loadOrSeedSunmi() error {
	b, err := os.ReadFile(e.sunmiFile())
	switch {
	case err == nil:
		if err := e.Sunmi.Restore(b); err != nil {
			return fmt.Errorf("demo: restore %s: %w", e.sunmiFile(), err)
		}
		creds, err := readCreds(e.dir)
		if err != nil {
			return err
		}
		e.SunmiAppID, e.SunmiSecret = creds.AppID, creds.Secret
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	e.SunmiAppID, e.SunmiSecret = DemoAppID, auth.RandomPassword(24)
	SeedSunmi(e.Sunmi, e.SunmiAppID, e.SunmiSecret)
	if err := writeCreds(e.dir, creds{AppID: e.SunmiAppID, Secret: e.SunmiSecret}); err != nil {
		return err
	}
	return e.Save()
}

// Save writes the simulators' state, so renames and binds survive a restart.
func (e *Env) Save() error {
	b, err := e.Sunmi.Snapshot()
	if err != nil {
		return err
	}
	tmp := e.sunmiFile() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, e.sunmiFile())
}

// Close saves the state and stops the simulators.
func (e *Env) Close(ctx context.Context) error {
	err := e.Save()
	if e.Devices != nil {
		err = errors.Join(err, e.Devices.close())
	}
	err = errors.Join(err, e.Alerts.close()) // the mail server (alerts_channels.go)
	for _, s := range e.servers {
		err = errors.Join(err, s.Shutdown(ctx))
	}
	return err
}
