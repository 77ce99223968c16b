package demo

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"storelens/internal/connectors"
	"storelens/internal/connectors/edge"
	"storelens/internal/lifecycle"
	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// The demo's chain shop (issue 15): a shop whose LAN camera is reached
// only through its on-site connector. The camera simulator listens on
// 127.0.0.2 (the "shop LAN"); the shop has a paired connector, so the
// central never dials it directly (connectors.Hub.LANDial); an edge runs
// in process (ChainEdge, a task of the server's life cycle) allowed only
// 127.0.0.2, and is the camera's webhook receiver: its events reach the
// central through the edge's queue.
const (
	DemoChainSN  = "C201D8BS00377"
	demoChainMAC = "0C25766F5377"
	// DemoChainShop is the chain shop's name.
	DemoChainShop = "鲜果时光 苏州加盟店"

	settingChainShop   = "demo.chain_shop"
	settingChainCamera = "demo.chain_camera"
)

// startChain starts the chain shop's camera on 127.0.0.2 (none when that
// address is not here: the demo then has no chain shop).
func startChain(e *Env, d *DevicesEnv, cert tls.Certificate) error {
	cam, err := lansim.New(lansim.Options{SN: DemoChainSN, Model: "FM020", MAC: demoChainMAC, Firmware: "1.6.3", Name: "门口 FM020",
		AppID: d.LANAppID, Secret: d.LANSecret, ActivationCode: d.LANActivation, Certificate: &cert, Activated: true,
		Logf: func(f string, a ...any) { e.log.Debug(fmt.Sprintf(f, a...), "sim", "sunmilan-chain") }})
	if err != nil {
		return err
	}
	if b, err := os.ReadFile(d.file("sunmilan-chain.json")); err == nil {
		var st lansim.State
		if err := json.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("demo: restore the chain camera: %w", err)
		}
		cam.SetState(st)
	}
	if cam.State().Flow == nil {
		cam.SetPeopleFlow(lansim.FlowProfile{Seed: 377, Size: 14, Opens: 9, Closes: 21, Since: time.Now().AddDate(0, 0, -demoHistory)})
	}
	if _, err := cam.Start("127.0.0.2:0"); err != nil {
		e.log.Warn("demo: 127.0.0.2 is not available: no chain shop", "err", err)
		cam.Close()
		return nil
	}
	if _, err := cam.StartRTSP("127.0.0.2:0"); err != nil {
		cam.Close()
		return err
	}
	seedLANRecordings(cam, time.Now())
	disc, err := lansim.ListenDiscovery("127.0.0.2:0", cam)
	if err != nil {
		cam.Close()
		return err
	}
	d.Chain, d.chainDiscovery = cam, disc
	d.stop = append(d.stop, cam.Close, disc.Close)
	return nil
}

func (d *DevicesEnv) saveChain() error {
	if d.Chain == nil {
		return nil
	}
	b, err := json.Marshal(d.Chain.State())
	if err != nil {
		return err
	}
	return os.WriteFile(d.file("sunmilan-chain.json"), b, 0o600)
}

func (d *DevicesEnv) edgeDir() string { return d.file("edge") }

// seedChain makes the chain shop, its camera (webhook delivery) and its
// connector, paired with the in-process edge's key, on the first run; on
// every run it points the camera at this run's address.
func seedChain(ctx context.Context, st *models.Store, d *DevicesEnv) error {
	if d.Chain == nil {
		return nil
	}
	shopID, err := chainShopID(ctx, st)
	if err != nil || shopID == 0 {
		return err
	}
	key, err := edge.LoadOrCreateKey(d.edgeDir())
	if err != nil {
		return err
	}
	pub := base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	if c, err := st.ShopConnector(ctx, shopID); err != nil || c.PublicKey != pub {
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		// The pairing an admin does on the tab, without the HTTP round trip.
		code := "DEMO-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		if err := st.CreateConnectorCode(ctx, &models.ConnectorCode{ShopID: shopID, CodeHash: connectors.HashCode(code),
			CreatedBy: "demo", ExpiresAt: st.Now().Add(time.Hour)}); err != nil {
			return err
		}
		if _, _, err := st.PairConnector(ctx, connectors.HashCode(code), pub, "demo-edge"); err != nil {
			return err
		}
	}
	if cam, err := st.CameraBySN(ctx, sunmilan.Name, DemoChainSN); err == nil {
		cam.Address = d.Chain.Addr()
		return st.UpdateLANCamera(ctx, &cam)
	}
	if done, err := st.Setting(ctx, settingChainCamera); err != nil || done != "" {
		return err // added once, removed by a user since
	}
	accStr, err := st.Setting(ctx, settingLANAccount)
	if err != nil {
		return err
	}
	accID, err := strconv.ParseUint(accStr, 10, 32)
	if err != nil {
		return fmt.Errorf("demo: LAN account setting %q: %w", accStr, err)
	}
	// The seed reads the simulator's certificate directly (it is not the
	// central's dialer: that one never dials this shop's LAN).
	fp, err := sunmilan.FetchFingerprint(ctx, d.Chain.Addr(), nil, nil)
	if err != nil {
		return err
	}
	acc := uint(accID)
	cam := models.Camera{ShopID: shopID, Vendor: sunmilan.Name, SN: DemoChainSN, Name: "门口 FM020", Model: "FM020",
		MAC: demoChainMAC, Firmware: "1.6.3", LANAccountID: &acc, Address: d.Chain.Addr(), CertFingerprint: fp,
		Activated: true, NetworkMode: "LAN", Online: true}
	if err := st.AddLANCamera(ctx, &cam); err != nil {
		return err
	}
	if err := st.SetCameraEventDelivery(ctx, cam.ID, "webhook", 0); err != nil {
		return err
	}
	return st.SetSetting(ctx, settingChainCamera, "1")
}

// chainShopID is the chain shop, made on the first run (0: a user deleted it).
func chainShopID(ctx context.Context, st *models.Store) (uint, error) {
	s, err := st.Setting(ctx, settingChainShop)
	if err != nil {
		return 0, err
	}
	if s != "" {
		id, _ := strconv.ParseUint(s, 10, 32)
		if _, err := st.Shop(ctx, models.AllShops(), uint(id)); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return 0, nil
			}
			return 0, err
		}
		return uint(id), nil
	}
	sh := models.Shop{Name: DemoChainShop, City: "苏州", Address: "苏州市姑苏区观前街 88 号", Timezone: "Asia/Shanghai"}
	if err := st.CreateShop(ctx, &sh); err != nil {
		return 0, err
	}
	return sh.ID, st.SetSetting(ctx, settingChainShop, strconv.FormatUint(uint64(sh.ID), 10))
}

// ChainEdge is the chain shop's on-site connector as a task of the
// server's life cycle: its webhook receiver on 127.0.0.2 and its queue in
// the demo directory, its tunnel to server() (the central's own address,
// known once it listens; "" leaves it off), and the camera's event
// generator. A demo
// without the chain camera has none (ok false).
func ChainEdge(env *Env, server func() string, log *slog.Logger) (lifecycle.Task, bool) {
	if env == nil || env.Devices == nil || env.Devices.Chain == nil {
		return lifecycle.Task{}, false
	}
	d := env.Devices
	var (
		cancel context.CancelFunc
		wg     sync.WaitGroup
		srv    *http.Server
		q      *edge.Queue
	)
	start := func(ctx context.Context) error {
		url := server()
		if url == "" {
			log.Warn("demo connector: the server's address is not known; not started")
			return nil
		}
		ports := append([]int(nil), edge.DefaultPorts...)
		for _, a := range []string{d.Chain.Addr(), d.Chain.RTSPAddr()} {
			if _, p, err := net.SplitHostPort(a); err == nil {
				n, _ := strconv.Atoi(p)
				ports = append(ports, n)
			}
		}
		policy := edge.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, true, ports)
		// The same port as last run when it is free: the camera keeps its
		// subscription (its callback) across restarts.
		keep := filepath.Join(d.edgeDir(), "hook-addr")
		ln, err := net.Listen("tcp", "127.0.0.2:0")
		if b, rerr := os.ReadFile(keep); rerr == nil {
			if l2, err2 := net.Listen("tcp", strings.TrimSpace(string(b))); err2 == nil {
				if err == nil {
					ln.Close()
				}
				ln, err = l2, nil
			}
		}
		if err != nil {
			return err
		}
		_ = os.WriteFile(keep, []byte(ln.Addr().String()), 0o600)
		hook, err := edge.HookURL(ln.Addr(), policy)
		if err != nil {
			ln.Close()
			return err
		}
		if q, err = edge.OpenQueue(d.edgeDir(), 0); err != nil {
			ln.Close()
			return err
		}
		e, err := edge.New(edge.Config{Server: url, DataDir: d.edgeDir(), Policy: policy, Log: log, Queue: q, HookURL: hook,
			Discovery: sunmilan.DiscoverOptions{Target: d.chainDiscovery.Addr(), Listen: "127.0.0.2:0", Requests: 2,
				Interval: 200 * time.Millisecond, Window: time.Second}})
		if err != nil {
			ln.Close()
			q.Close()
			return err
		}
		srv = &http.Server{Handler: e.HookHandler(), ReadHeaderTimeout: 10 * time.Second}
		ctx, cancel = context.WithCancel(ctx)
		wg.Add(3)
		go func() { defer wg.Done(); _ = srv.Serve(ln) }()
		go func() {
			defer wg.Done()
			if err := e.Run(ctx); err != nil {
				log.Warn("demo connector stopped", "err", err)
			}
		}()
		go func() {
			defer wg.Done()
			d.Chain.Generate(ctx, lansim.Generator{Roster: demoRoster, Every: 90 * time.Second})
		}()
		return nil
	}
	stop := func() error {
		if cancel == nil {
			return nil
		}
		cancel()
		err := srv.Close()
		wg.Wait()
		return errors.Join(err, q.Close())
	}
	return lifecycle.Task{Name: "demo on-site connector", Start: start, Stop: stop}, true
}
