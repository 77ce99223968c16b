package sim

// The camera's notification center (003 "IPC Notification Center"),
// written from the document and checked against the adapter's hand-made
// frame and signature vectors, never imported from it:
//   - the message channel (§2) over TLS with the camera's certificate on a
//     configurable loopback port (the real camera's is 10021): it checks
//     the CONNECT signature, timestamp and fields, answers SUBSCRIBE and
//     UNSUBSCRIBE, PINGREQ, publishes its events in order with up to
//     InFlight waiting for their PUBACK, sends unacknowledged events again
//     on the next connection (NOTES.md item 43), and drops a client silent
//     for three keep-alive periods (item 42);
//   - the webhook poster (§1.3): each event, in order, as a signed
//     multipart post to every callback hook/add subscribed (hook.go),
//     retried with backoff for about a minute; only loopback callbacks are
//     posted to (the network rule);
//   - the media its events link to (pictures and clips under
//     /mnt/sd-card/, with an auth_key that expires like the camera's);
//   - a generator (generator.go) making a shop's day: people arriving with
//     exponential waits, busier at lunch and in the evening, 40% of faces
//     from the roster (named with a "name" custom attribute, NOTES.md item
//     35), the rest strangers, with motion events between.
//
// Fault knobs (one-shot, EventFaults): drop the connection half way
// through a frame, corrupt a CRC, repeat an event id, deliver a pair out
// of order, stall (answer nothing for a while), refuse the next CONNECT
// with a code.

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Event types of 003 §1.2.1 / §2.4.
const (
	FaceRecog     = "face_recog_event"
	DynamicDetect = "dynamic_detect_event"
)

// Motion is what a motion event detected, as the camera knows it; it is
// written as detect_type by the table of each transport (NOTES.md item 38):
// the channel's 1 picture, 2 voice, 3 both (003 §2.5), the webhook's
// 0 motion, 1 audio, 2 both, 3 human (003 §1.3).
type Motion int

// The motions.
const (
	MotionPicture Motion = iota + 1
	MotionSound
	MotionBoth
	MotionPerson
)

// Person is a face in the camera's library.
type Person struct {
	FaceID      string // the camera's faceid
	CloudFaceID string // the id at Sunmi Store
	Name        string // a custom attribute "name" (003 addFaceInfoItem), sent as a named key
	Group       string // group name: "stranger", "regular", "vip", "employee"...
	Gender      int    // 0 undefined, 1 male, 2 female
	Age         int
	Visits      int // arrive_times before this visit
}

// EventOptions tune a camera's notification center (all optional).
type EventOptions struct {
	// Window is how far a CONNECT's timestamp may be from the camera's
	// clock; 5 minutes if zero.
	Window time.Duration
	// NoRedeliver makes a new connection start after what the last one was
	// sent, instead of sending again every unacknowledged event (NOTES.md
	// item 43: redelivery is the default).
	NoRedeliver bool
	// InFlight is how many PUBLISHes may wait for their PUBACK; 32 if zero.
	InFlight int
	// Backlog is how many unacknowledged events the camera keeps; 20000 if
	// zero (older ones are dropped, as a camera's storage would).
	Backlog int
	// PostClient posts webhooks; one with a 5 s timeout if nil. Only
	// loopback callbacks are posted to (the network rule).
	PostClient *http.Client
}

// notifierOptions are the camera's identity as its notification center
// sees it: the same SN, app, certificate and hook subscriptions as its
// device API (events_camera.go).
type notifierOptions struct {
	EventOptions
	SN, Model, AppID, Secret string
	Cert                     func() tls.Certificate      // the camera's current certificate
	Hooks                    func(topic string) []string // hook/add's callbacks of a topic
	MediaBase                func() string               // https://host:port of the device API
	Now                      func() time.Time
	Logf                     func(format string, args ...any)
}

// EventFaults are one-shot fault knobs: each counts down as it fires.
type EventFaults struct {
	DropMidFrame  int           // cut the next n PUBLISH frames half way and drop the connection
	CorruptCRC    int           // send the next n PUBLISH frames with a wrong CRC
	RepeatEventID int           // deliver the next n events twice (same event_id)
	OutOfOrder    int           // deliver the next n pairs of events swapped
	Stall         time.Duration // the next delivery waits this long; the camera answers nothing meanwhile
	ConnAckCode   int           // refuse the next CONNECT with this code
}

// event is one event the camera produced.
type event struct {
	id     int64
	at     time.Time
	typ    string
	person *Person // face events
	motion Motion  // motion events
	pic    string  // media paths on the camera
	video  string
}

// notifier is a simulated Sunmi camera's notification center: the message
// channel (a TLS server), the webhook poster, the media files its events
// link to, and an event generator.
type notifier struct {
	o notifierOptions

	mu       sync.Mutex
	nextID   int64
	outbox   []*event // unacknowledged channel events, by id
	topics   map[string]bool
	sessions map[*session]struct{}
	acked    map[int64]bool
	posted   map[int64]bool
	faults   EventFaults
	stalled  time.Time // answer nothing until then
	wake     chan struct{}
	rnd      *rand.Rand
	visits   map[string]int

	post      chan *event
	listeners []net.Listener
	servers   []*http.Server
	closed    chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// newNotifier returns the notification center; ListenChannel serves its
// channel.
func newNotifier(o notifierOptions) *notifier {
	if o.Window <= 0 {
		o.Window = 5 * time.Minute
	}
	if o.InFlight <= 0 {
		o.InFlight = 32
	}
	if o.Backlog <= 0 {
		o.Backlog = 20000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Model == "" {
		o.Model = "FM020"
	}
	if o.PostClient == nil {
		o.PostClient = &http.Client{Timeout: 5 * time.Second}
	}
	h := fnv.New64a()
	h.Write([]byte(o.SN))
	c := &notifier{o: o, topics: map[string]bool{}, sessions: map[*session]struct{}{},
		acked: map[int64]bool{}, posted: map[int64]bool{}, wake: make(chan struct{}), visits: map[string]int{},
		rnd: rand.New(rand.NewPCG(h.Sum64(), uint64(o.Now().UnixNano()))), post: make(chan *event, 1<<16),
		closed: make(chan struct{})}
	c.wg.Add(1)
	go c.poster()
	return c
}

// SetFaults arms the fault knobs (replacing those still armed).
func (c *notifier) SetFaults(f EventFaults) {
	c.mu.Lock()
	c.faults = f
	c.mu.Unlock()
	c.signal()
}

// Spec says what event to produce: a face (Person nil for a stranger) or a
// motion.
type Spec struct {
	Face   bool
	Person *Person
	Motion Motion
}

// Emit produces an event now and returns its event_id.
func (c *notifier) Emit(s Spec) int64 {
	c.mu.Lock()
	c.nextID++
	now := c.o.Now()
	ev := &event{id: c.nextID, at: now}
	if s.Face {
		if c.o.Model == "FM010" {
			c.nextID--
			c.mu.Unlock()
			return 0 // FM010 has no face recognition (003 §1.2.1)
		}
		ev.typ = FaceRecog
		p := s.Person
		if p == nil {
			p = c.stranger()
		} else {
			cp := *p
			p = &cp
		}
		c.visits[p.FaceID]++
		p.Visits += c.visits[p.FaceID]
		ev.person = p
		ev.pic = fmt.Sprintf("/mnt/sd-card/sunmi_image/snap/%d_%d.jpg", now.UnixMilli(), ev.id)
	} else {
		ev.typ = DynamicDetect
		ev.motion = s.Motion
		if ev.motion == 0 {
			ev.motion = MotionPicture
		}
		ev.video = fmt.Sprintf("/mnt/sd-card/sunmi_video/video_detect/%d.flv", now.Unix())
	}
	if c.topics[ev.typ] {
		c.outbox = append(c.outbox, ev)
		if over := len(c.outbox) - c.o.Backlog; over > 0 {
			c.o.Logf("sim camera %s: backlog full, dropping %d events", c.o.SN, over)
			c.outbox = append([]*event(nil), c.outbox[over:]...)
		}
	}
	c.mu.Unlock()
	hooked := len(c.o.Hooks(ev.typ)) > 0
	if hooked {
		select {
		case c.post <- ev:
		default:
			c.o.Logf("sim camera %s: webhook queue full, event %d not posted", c.o.SN, ev.id)
		}
	}
	c.signal()
	return ev.id
}

// stranger makes up an unknown face (the camera files it under "stranger"
// with a local id of its own).
func (c *notifier) stranger() *Person {
	return &Person{FaceID: strconv.Itoa(300000 + c.rnd.IntN(600000)), Group: "stranger",
		Gender: 1 + c.rnd.IntN(2), Age: 16 + c.rnd.IntN(50)}
}

// signal wakes the channel writers.
func (c *notifier) signal() {
	c.mu.Lock()
	close(c.wake)
	c.wake = make(chan struct{})
	c.mu.Unlock()
}

// Acked lists the event ids acknowledged with PUBACK on the channel.
func (c *notifier) Acked() []int64 { return c.keys(c.acked) }

// Posted lists the event ids a webhook callback accepted (HTTP 200).
func (c *notifier) Posted() []int64 { return c.keys(c.posted) }

func (c *notifier) keys(m map[int64]bool) []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int64, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	return out
}

// Pending is how many channel events wait for their PUBACK.
func (c *notifier) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.outbox)
}

// Connected is how many channel sessions are subscribed.
func (c *notifier) Connected() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for s := range c.sessions {
		if s.subscribed {
			n++
		}
	}
	return n
}

// payload is the JSON of an event as the camera publishes it over via
// (003 §1.3 for the webhook, §2.5 for the channel; the same fields).
func (c *notifier) payload(ev *event, webhook bool, mediaBase string) []byte {
	m := map[string]any{"event_id": ev.id, "event_type": ev.typ, "sn": c.o.SN, "report_time": ev.at.Unix()}
	exp := ev.at.Add(24 * time.Hour).Unix()
	if ev.person != nil {
		p := ev.person
		m["faceid"], m["cloud_faceid"], m["group_name"] = p.FaceID, p.CloudFaceID, p.Group
		m["age"], m["age_range"], m["gender"], m["arrive_times"] = p.Age, ageRange(p.Age), p.Gender, p.Visits
		m["pic_url"] = mediaBase + ev.pic + "?auth_key=" + c.authKey(ev.pic, exp)
		if p.Name != "" {
			m["name"] = p.Name // a named custom attribute (NOTES.md item 35)
		}
	} else {
		code := int(ev.motion) // 1 picture, 2 voice, 3 both
		switch {
		case webhook:
			code = int(ev.motion) - 1 // 0 motion, 1 audio, 2 both, 3 human
		case ev.motion == MotionPerson:
			code = int(MotionPicture) // the channel's table has no "human"
		}
		m["detect_type"] = code
		m["video_url"] = mediaBase + ev.video + "?auth_key=" + c.authKey(ev.video, exp)
	}
	b, _ := json.Marshal(m)
	return b
}

// ageRange is the LAN table of 003 §1.3 (1: 1-6 ... 8: 55-100).
func ageRange(age int) int {
	for i, top := range []int{6, 12, 18, 28, 35, 45, 55} {
		if age <= top {
			return i + 1
		}
	}
	return 8
}

// Close stops the servers and the poster.
func (c *notifier) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.mu.Lock()
		for _, l := range c.listeners {
			l.Close()
		}
		for s := range c.sessions {
			s.raw.Close()
		}
		servers := c.servers
		c.mu.Unlock()
		for _, s := range servers {
			s.Close()
		}
	})
	c.wg.Wait()
	return nil
}
