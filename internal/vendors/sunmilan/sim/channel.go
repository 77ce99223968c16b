package sim

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"
)

// session is one client of the message channel.
type session struct {
	c          *notifier
	raw        net.Conn // the TCP connection, for faults that cut it dead
	tc         *tls.Conn
	wmu        sync.Mutex
	keepAlive  time.Duration
	subscribed bool
	sent       map[int64]bool // sent on this connection, not yet acknowledged
	done       chan struct{}
	once       sync.Once
}

// ListenChannel serves the message channel (003 §2) over TLS with the
// camera's certificate on addr ("127.0.0.1:0" for any free port; the real
// camera's is 10021) and returns the address.
func (c *notifier) ListenChannel(addr string) (net.Addr, error) {
	if err := loopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.listeners = append(c.listeners, ln)
	c.mu.Unlock()
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		cert := c.o.Cert()
		return &cert, nil
	}}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			raw, err := ln.Accept()
			if err != nil {
				return
			}
			s := &session{c: c, raw: raw, tc: tls.Server(raw, cfg), sent: map[int64]bool{}, done: make(chan struct{})}
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				s.serve()
			}()
		}
	}()
	return ln.Addr(), nil
}

func (s *session) close() {
	s.once.Do(func() {
		close(s.done)
		s.raw.Close()
	})
}

func (s *session) write(b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.tc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := s.tc.Write(b)
	return err
}

func (s *session) reply(typ byte, v any) error {
	var b []byte
	if v != nil {
		b, _ = json.Marshal(v)
	}
	return s.write(encode(typ, b, false))
}

func (s *session) serve() {
	c := s.c
	defer func() {
		c.mu.Lock()
		delete(c.sessions, s)
		c.mu.Unlock()
		s.close()
	}()
	c.mu.Lock()
	c.sessions[s] = struct{}{}
	c.mu.Unlock()
	r := bufio.NewReader(s.tc)

	// CONNECT first, within 10 s (003 §2.2).
	_ = s.tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, payload, err := decode(r)
	if err != nil || typ != pConnect {
		c.o.Logf("sim camera %s: first frame not a CONNECT: %v", c.o.SN, err)
		return
	}
	code, keep := c.checkConnect(payload)
	_ = s.reply(pConnAck, map[string]int{"code": code})
	if code != 0 {
		return
	}
	s.keepAlive = time.Duration(keep) * time.Second
	go s.writer()
	for {
		// NOTES.md item 42: three keep-alive periods without a frame end
		// the connection.
		_ = s.tc.SetReadDeadline(time.Now().Add(3 * s.keepAlive))
		typ, payload, err := decode(r)
		if err != nil {
			if errors.Is(err, errFrame) {
				c.o.Logf("sim camera %s: bad frame from client, closing", c.o.SN)
			}
			return
		}
		if typ == pPingReq && c.isStalled() {
			continue // a stalled camera does not answer heartbeats
		}
		switch typ {
		case pPingReq:
			if s.reply(pPingResp, nil) != nil {
				return
			}
		case pSubscribe, pUnsubscribe:
			code, list := c.checkEventList(payload)
			if code == 0 {
				c.mu.Lock()
				for _, e := range list {
					c.topics[e] = typ == pSubscribe
				}
				s.subscribed = typ == pSubscribe || s.subscribed
				c.mu.Unlock()
			}
			ackType := byte(pSubAck)
			if typ == pUnsubscribe {
				ackType = pUnsubAck
			}
			if s.reply(ackType, map[string]int{"code": code}) != nil {
				return
			}
			c.signal()
		case pPubAck:
			var a struct {
				EventID json.Number `json:"event_id"`
			}
			if json.Unmarshal(payload, &a) != nil {
				return
			}
			id, err := a.EventID.Int64()
			if err != nil {
				return
			}
			c.ack(s, id)
		case pDisconnect:
			return
		default:
			c.o.Logf("sim camera %s: unexpected packet %d from client, closing", c.o.SN, typ)
			return
		}
	}
}

// checkConnect verifies a CONNECT payload (003 §2.2, NOTES.md item 41:
// every field but sign is signed as its string value) and returns the
// CONNACK code and the keep-alive. Codes (NOTES.md item 37, our table): 1
// unknown app or bad sign, 2 a parameter missing or malformed, 3 timestamp
// outside the window.
func (c *notifier) checkConnect(payload []byte) (int, int) {
	c.mu.Lock()
	forced := c.faults.ConnAckCode
	c.faults.ConnAckCode = 0
	c.mu.Unlock()
	if forced != 0 {
		return forced, 0
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil {
		return 2, 0
	}
	params := map[string]string{}
	for k, v := range m {
		params[k] = scalar(v)
	}
	for _, k := range []string{"app_id", "timestamp", "random", "sign", "keep_alive"} {
		if params[k] == "" {
			return 2, 0
		}
	}
	keep, err := strconv.Atoi(params["keep_alive"])
	if err != nil || keep < 1 || keep > 3600 {
		return 2, 0
	}
	if params["app_id"] != c.o.AppID || !equalFold(sign(params, c.o.Secret), params["sign"]) {
		return 1, 0
	}
	if !validRandom(params["random"]) {
		return 2, 0
	}
	if !c.fresh(params["timestamp"]) {
		return 3, 0
	}
	return 0, keep
}

// checkEventList reads a SUBSCRIBE/UNSUBSCRIBE payload (003 §2.4). Codes:
// 2 malformed, 310 an unknown event type, 311 an event this model does not
// publish (face_recog_event on an FM010, NOTES.md item 45).
func (c *notifier) checkEventList(payload []byte) (int, []string) {
	var p struct {
		EventList []string `json:"event_list"`
	}
	if json.Unmarshal(payload, &p) != nil || len(p.EventList) == 0 {
		return 2, nil
	}
	for _, e := range p.EventList {
		if e != FaceRecog && e != DynamicDetect {
			return 310, nil
		}
		if e == FaceRecog && c.o.Model == "FM010" {
			return 311, nil
		}
	}
	return 0, p.EventList
}

func (c *notifier) ack(s *session, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(s.sent, id)
	c.acked[id] = true
	for i, ev := range c.outbox {
		if ev.id == id {
			c.outbox = append(c.outbox[:i], c.outbox[i+1:]...)
			break
		}
	}
	close(c.wake)
	c.wake = make(chan struct{})
}

func (c *notifier) isStalled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.o.Now().Before(c.stalled)
}

// writer publishes the unacknowledged events in order, at most InFlight
// waiting for their PUBACK at a time (003 §2.5).
func (s *session) writer() {
	c := s.c
	if c.o.NoRedeliver {
		// Start after what earlier connections were sent.
		c.mu.Lock()
		for _, ev := range c.outbox {
			s.sent[ev.id] = true
		}
		c.mu.Unlock()
	}
	for {
		c.mu.Lock()
		wake := c.wake
		var batch []*event
		if s.subscribed {
			inFlight := 0
			for _, ev := range c.outbox {
				if s.sent[ev.id] {
					inFlight++
				}
			}
			for _, ev := range c.outbox {
				if inFlight+len(batch) >= c.o.InFlight {
					break
				}
				if !s.sent[ev.id] && c.topics[ev.typ] {
					batch = append(batch, ev)
				}
			}
		}
		f := &c.faults
		if len(batch) >= 2 && f.OutOfOrder > 0 {
			f.OutOfOrder--
			batch[0], batch[1] = batch[1], batch[0]
		}
		stall := time.Duration(0)
		if len(batch) > 0 && f.Stall > 0 {
			stall, f.Stall = f.Stall, 0
			c.stalled = c.o.Now().Add(stall)
		}
		c.mu.Unlock()
		if stall > 0 {
			select {
			case <-time.After(stall):
			case <-s.done:
				return
			}
		}
		for _, ev := range batch {
			if !s.publish(ev) {
				s.close()
				return
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-wake:
		case <-s.done:
			return
		case <-c.closed:
			return
		}
	}
}

// publish sends one PUBLISH, applying the frame faults; false ends the
// connection.
func (s *session) publish(ev *event) bool {
	c := s.c
	c.mu.Lock()
	s.sent[ev.id] = true
	f := &c.faults
	drop, corrupt, repeat := f.DropMidFrame > 0, f.CorruptCRC > 0, f.RepeatEventID > 0
	if drop {
		f.DropMidFrame--
	} else if corrupt {
		f.CorruptCRC--
	}
	if repeat {
		f.RepeatEventID--
	}
	c.mu.Unlock()
	frame := encode(pPublish, c.payload(ev, false, c.mediaBase()), corrupt && !drop)
	if drop {
		_ = s.write(frame[:len(frame)/2])
		s.raw.Close() // no close_notify: the connection just dies
		return false
	}
	if s.write(frame) != nil {
		return false
	}
	if repeat {
		return s.write(frame) == nil
	}
	return true
}

// scalar is a JSON value as the string that is signed.
func scalar(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return string(v)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 32
		}
		if 'a' <= y && y <= 'z' {
			y -= 32
		}
		if x != y {
			return false
		}
	}
	return true
}

// fresh reports whether a 10-digit timestamp is within the window.
func (c *notifier) fresh(ts string) bool {
	if len(ts) != 10 {
		return false
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := c.o.Now().Sub(time.Unix(n, 0))
	return d <= c.o.Window && d >= -c.o.Window
}

// loopback keeps the simulator off real networks.
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return errors.New("sim: " + addr + " is not a loopback address")
	}
	return nil
}
