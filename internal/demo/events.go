package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/tlsutil"
	pushsim "storelens/internal/vendors/senselink/push/sim"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// demoRoster is the faces the demo cameras know: regulars, staff and two
// VIPs, with names registered as a custom attribute (003 addFaceInfoItem).
// When the faces area seeds the demo's enrollments, this list should come
// from there.
var demoRoster = []lansim.Person{
	{FaceID: "1001", CloudFaceID: "8798765401", Name: "王丽", Group: "vip", Gender: 2, Age: 34},
	{FaceID: "1002", CloudFaceID: "8798765402", Name: "陈建国", Group: "vip", Gender: 1, Age: 52},
	{FaceID: "1003", CloudFaceID: "8798765403", Name: "李娜", Group: "regular", Gender: 2, Age: 27},
	{FaceID: "1004", CloudFaceID: "8798765404", Name: "张伟", Group: "regular", Gender: 1, Age: 31},
	{FaceID: "1005", CloudFaceID: "8798765405", Name: "刘洋", Group: "regular", Gender: 1, Age: 24},
	{FaceID: "1006", CloudFaceID: "8798765406", Name: "赵敏", Group: "regular", Gender: 2, Age: 41},
	{FaceID: "1007", CloudFaceID: "8798765407", Name: "孙浩", Group: "regular", Gender: 1, Age: 19},
	{FaceID: "1008", CloudFaceID: "8798765408", Name: "周婷", Group: "regular", Gender: 2, Age: 58},
	{FaceID: "1009", CloudFaceID: "8798765409", Name: "吴店员", Group: "employee", Gender: 2, Age: 23},
	{FaceID: "1010", CloudFaceID: "8798765410", Name: "杨店长", Group: "employee", Gender: 1, Age: 38},
}

// The demo SenseLink company's terminal whose records it pushes: the
// warehouse gate (devices.go), in the shop linked to the account
// (DemoSenseLinkShop).
const demoSenseGate = "SKP-d00676f238a65e5e7d29b576dee360fd"

// EventSims are the demo's event simulators: one Sunmi camera simulator per
// online demo camera (each its own channel port, API port and certificate,
// as each camera is its own device on the shop's LAN), the demo's LAN
// camera (the devices area's simulator, whose delivery a shop admin
// chooses on its record once it is added to a shop) and a SenseLink
// server with a face terminal.
type EventSims struct {
	st      *models.Store
	lan     *lansim.Camera // the demo's LAN camera (DemoLANSN), nil without one
	lanPort int            // its message channel's port on 127.0.0.1
	mu      sync.Mutex
	cams    []*lansim.Camera
	doors   map[uint]*lansim.Camera   // shop -> its door camera (faces)
	byShop  map[uint][]*lansim.Camera // shop -> all its cameras
	sense   *pushsim.Server
	cancel  context.CancelFunc
	gens    []func(context.Context) // the cameras' event generators, run by Generate
	rnd     *rand.Rand
}

// StartEvents starts the event simulators for the demo shops in the
// database (they stand for cameras outside this server: their listeners are
// up when it returns) and returns the sources of the simulated cloud
// cameras, built in process (a deployment's sources are its records). The
// simulated devices publish nothing until Generate runs. The first shop's
// cameras use the message channel, the second's post webhooks to callback
// (when the server's address is known; the channel otherwise), the third's
// the channel. The LAN camera delivers as its record chooses, and the
// SenseLink company's terminals push to the shop linked to its account.
func (e *Env) StartEvents(ctx context.Context, st *models.Store, callback string, log *slog.Logger) (*EventSims, []events.SourceConfig, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &EventSims{st: st, doors: map[uint]*lansim.Camera{}, byShop: map[uint][]*lansim.Camera{}, cancel: cancel,
		rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 4))}
	logf := func(f string, a ...any) { log.Debug(fmt.Sprintf(f, a...), "sim", "events") }
	var list []events.SourceConfig
	for i, ds := range demoShops(time.Now()) {
		for _, d := range ds.Cameras {
			if !d.Online {
				continue
			}
			cam, err := st.AnyCameraBySN(ctx, d.SN)
			if errors.Is(err, models.ErrNotFound) {
				continue // unbound or deleted in this demo: no events from it
			} else if err != nil {
				cancel()
				return nil, nil, err
			}
			src, err := s.startCamera(ctx, e, cam, d.Model, i == 1 && callback != "", callback, logf)
			if err != nil {
				s.Close()
				return nil, nil, err
			}
			list = append(list, src)
		}
	}
	if e.Devices != nil && e.Devices.SenseLinkPush != nil {
		s.startSenseLink(ctx, e.Devices)
	}
	if e.Devices != nil && e.Devices.LAN != nil {
		if err := s.startLAN(ctx, e.Devices.LAN); err != nil {
			s.Close()
			return nil, nil, err
		}
	}
	return s, list, nil
}

// startLAN serves the demo LAN camera's message channel and runs its event
// generator. Its events go nowhere until a shop admin chooses its delivery
// (events.Sources builds the source from the camera's record).
func (s *EventSims) startLAN(ctx context.Context, c *lansim.Camera) error {
	addr, err := c.ListenChannel("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.lan, s.lanPort = c, addr.(*net.TCPAddr).Port
	s.addGenerator(func(ctx context.Context) {
		c.Generate(ctx, lansim.Generator{Roster: demoRoster, Every: 60 * time.Second})
	})
	return nil
}

// ChannelPort is the message channel's port of the demo's LAN camera (0
// for any other camera: its record or 10021 says).
func (s *EventSims) ChannelPort(sn string) int {
	if s.lan != nil && sn == DemoLANSN {
		return s.lanPort
	}
	return 0
}

// lanShop is the shop the demo's LAN camera is in now (0: none).
func (s *EventSims) lanShop(ctx context.Context) uint {
	if s.lan == nil {
		return 0
	}
	cam, err := s.st.CameraBySN(ctx, sunmilan.Name, DemoLANSN)
	if err != nil {
		return 0
	}
	return cam.ShopID
}

func (s *EventSims) startCamera(ctx context.Context, e *Env, cam models.Camera, model string, webhook bool, callback string,
	logf func(string, ...any)) (events.SourceConfig, error) {
	cert, pem, err := tlsutil.SelfSigned("Sunmi camera " + cam.SN)
	if err != nil {
		return events.SourceConfig{}, err
	}
	// The cloud cameras' LAN side: activated, with the demo app's secret.
	c, err := lansim.New(lansim.Options{SN: cam.SN, Model: model, AppID: e.SunmiAppID, Secret: e.SunmiSecret,
		ActivationCode: e.SunmiSecret, Activated: true, Certificate: &cert, Logf: logf})
	if err != nil {
		return events.SourceConfig{}, err
	}
	api, err := c.Start("127.0.0.1:0")
	if err != nil {
		c.Close()
		return events.SourceConfig{}, err
	}
	base := "https://" + api
	src := events.SourceConfig{Name: cam.Name, SN: cam.SN, ShopID: cam.ShopID, AppID: e.SunmiAppID, Secret: e.SunmiSecret, CAPEM: string(pem)}
	if webhook {
		src.Kind, src.APIURL, src.Callback = events.KindSunmiWebhook, base, callback
	} else {
		addr, err := c.ListenChannel("127.0.0.1:0")
		if err != nil {
			c.Close()
			return events.SourceConfig{}, err
		}
		src.Kind, src.Addr = events.KindSunmiChannel, addr.String()
	}
	s.mu.Lock()
	s.cams = append(s.cams, c)
	s.byShop[cam.ShopID] = append(s.byShop[cam.ShopID], c)
	every := 60 * time.Second
	if model == "FM020" {
		s.doors[cam.ShopID] = c
		every = 15 * time.Second
	}
	s.mu.Unlock()
	s.addGenerator(func(ctx context.Context) {
		c.Generate(ctx, lansim.Generator{Roster: demoRoster, Every: every})
	})
	return src, nil
}

// startSenseLink has the demo SenseLink company's terminals recognise
// people now and then. Its records reach the shop linked to the demo
// account through that link: the events pipeline follows the shops'
// SenseLink accounts and opens one push per account, with the account's
// sealed credentials.
func (s *EventSims) startSenseLink(ctx context.Context, d *DevicesEnv) {
	staff := pushsim.Group{ID: 1, Name: "默认组", Type: 1}
	guests := pushsim.Group{ID: 3, Name: "访客", Type: 2}
	people := []pushsim.Person{{UserID: 55591, Name: "杨店长", Type: 1, Group: staff}, {UserID: 55592, Name: "吴店员", Type: 1, Group: staff},
		{UserID: 60001, Name: "供应商 黄先生", Type: 2, Group: guests}}
	devices := []pushsim.Device{{SN: demoSenseGate, Name: "仓库 闸机"}}
	s.sense = d.SenseLinkPush
	s.addGenerator(func(ctx context.Context) {
		s.sense.Generate(ctx, devices, people, 50*time.Second)
	})
}

// SenseLinkPushURL is the record push server of a SenseLink API base: the
// demo company serves its push beside its API ("" for any other base: the
// port 9000 rule).
func (e *Env) SenseLinkPushURL(base string) string {
	if e.Devices == nil || e.Devices.SenseLinkURL == "" || strings.TrimRight(base, "/") != e.Devices.SenseLinkURL {
		return ""
	}
	return "wss" + strings.TrimPrefix(e.Devices.SenseLinkURL, "https")
}

// Shops are the shops with demo cameras.
func (s *EventSims) Shops() []uint {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]uint, 0, len(s.byShop)+1)
	for id := range s.byShop {
		out = append(out, id)
	}
	if id := s.lanShop(context.Background()); id != 0 && s.byShop[id] == nil {
		out = append(out, id)
	}
	for i := 1; i < len(out); i++ { // small: insertion sort keeps the select stable
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Emit has a camera of the shop produce an event now, through its real
// delivery (message channel or webhook).
func (s *EventSims) Emit(ctx context.Context, shopID uint, kind, name string) error {
	lanHere := s.lanShop(ctx) == shopID
	s.mu.Lock()
	defer s.mu.Unlock()
	door := s.doors[shopID]
	all := s.byShop[shopID]
	if lanHere {
		all = append(append([]*lansim.Camera(nil), all...), s.lan)
		if door == nil {
			door = s.lan // an FM020 at the door
		}
	}
	if len(all) == 0 {
		return fmt.Errorf("demo: shop %d has no demo cameras", shopID)
	}
	switch kind {
	case "motion":
		all[s.rnd.IntN(len(all))].Emit(lansim.Spec{Motion: lansim.Motion(1 + s.rnd.IntN(4))})
		return nil
	case "vip", "visitor":
		if door == nil {
			return fmt.Errorf("demo: shop %d has no face camera", shopID)
		}
	default:
		return fmt.Errorf("demo: unknown event kind %q", kind)
	}
	var p *lansim.Person
	switch {
	case kind == "vip" && name == "":
		var vips []lansim.Person
		for _, r := range demoRoster {
			if r.Group == "vip" {
				vips = append(vips, r)
			}
		}
		v := vips[s.rnd.IntN(len(vips))]
		p = &v
	case name != "":
		h := fnv.New32a()
		h.Write([]byte(name))
		group := "regular"
		if kind == "vip" {
			group = "vip"
		}
		p = &lansim.Person{FaceID: strconv.Itoa(int(2000 + h.Sum32()%7000)), Name: name, Group: group, Gender: 1 + int(h.Sum32()%2), Age: 20 + int(h.Sum32()%40)}
	}
	door.Emit(lansim.Spec{Face: true, Person: p})
	return nil
}

// addGenerator adds one simulated device's event generator.
func (s *EventSims) addGenerator(g func(context.Context)) {
	s.mu.Lock()
	s.gens = append(s.gens, g)
	s.mu.Unlock()
}

// Generate runs every simulated camera's event generator until ctx ends,
// and returns when all have stopped. The server starts it with its other
// background work, last (cmd/web areas).
func (s *EventSims) Generate(ctx context.Context) {
	s.mu.Lock()
	gens := slices.Clone(s.gens)
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, g := range gens {
		wg.Go(func() { g(ctx) })
	}
	wg.Wait()
}

// Close stops the simulators (after Generate has returned).
func (s *EventSims) Close() error {
	s.cancel()
	s.mu.Lock()
	cams := append([]*lansim.Camera(nil), s.cams...)
	s.mu.Unlock()
	for _, c := range cams {
		c.Close()
	}
	if s.sense != nil {
		s.sense.DropAll()
	}
	return nil
}
