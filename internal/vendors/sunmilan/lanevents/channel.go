package lanevents

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"strconv"
	"sync"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmisign"
)

// DefaultPort is the camera's message-channel port (003 §2.1).
const DefaultPort = 10021

// ChannelConfig is one camera's message channel.
type ChannelConfig struct {
	// Addr is the camera's host:port (port 10021, 003 §2.1).
	Addr string
	// TLS is the client's TLS configuration. Cameras serve a self-signed
	// certificate: pin it with RootCAs (NOTES.md item 50).
	TLS *tls.Config
	// AppID and Secret sign the CONNECT payload (003 §2.2).
	AppID, Secret string
	// KeepAlive is the heartbeat period asked for in CONNECT; 30 s if zero.
	KeepAlive time.Duration
	// Events are the topics to subscribe; both of 003 §2.4 if empty.
	Events []string
	// Handle stores an event. It returns only once the event is durable:
	// the PUBACK goes out after it returns nil (003 §2.5), and an error
	// leaves the event unacknowledged for the camera to deliver again.
	Handle func(ctx context.Context, ev vendors.Event) error
	// OnState is told about connects and disconnects (optional).
	OnState func(ChannelState)
	// MinBackoff and MaxBackoff bound the wait between reconnects (1 s and
	// 60 s if zero); each wait is drawn at random from its upper half.
	MinBackoff, MaxBackoff time.Duration
	DialTimeout            time.Duration // 10 s if zero
	// Dial opens the TCP connection (StoreLens passes the outbound guard's
	// dialer of the camera's address); nil: a plain dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	Now  func() time.Time
	Log  *slog.Logger
}

// ChannelState is the state of a channel, for the settings page.
type ChannelState struct {
	Connected bool
	Err       error // why the last connection ended or failed
	Since     time.Time
}

// RefusedError is a CONNACK or SUBACK with a non-zero code.
type RefusedError struct {
	Step string // "connect" or "subscribe"
	Code int
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("lanevents: camera refused %s (code %d)", e.Step, e.Code)
}

// Kind maps the camera's codes (NOTES.md item 37: no table in 003; these
// are the decisions the simulator follows: 1 sign, 2 parameter, 3
// timestamp, 5 not activated, 7 internal).
func (e *RefusedError) Kind() vendors.Kind {
	switch e.Code {
	case 1:
		return vendors.KindAuth
	case 2, 310, 311:
		return vendors.KindInvalidParam
	case 3:
		return vendors.KindClock
	case 7:
		return vendors.KindInternal
	}
	return vendors.KindOther
}

// errClosedByCamera is a DISCONNECT from the camera.
var errClosedByCamera = errors.New("lanevents: camera sent DISCONNECT")

// RunChannel keeps the message channel to one camera open until ctx ends:
// connect, subscribe, store and acknowledge what the camera publishes, and
// reconnect with backoff and jitter when the connection ends.
func RunChannel(ctx context.Context, cfg ChannelConfig) error {
	cfg.defaults()
	backoff := cfg.MinBackoff
	for {
		start := cfg.Now()
		err := runSession(ctx, &cfg)
		if ctx.Err() != nil {
			cfg.state(ChannelState{Since: cfg.Now()})
			return ctx.Err()
		}
		cfg.state(ChannelState{Err: err, Since: cfg.Now()})
		// A connection that lived a while was healthy: start over small.
		if cfg.Now().Sub(start) > 2*cfg.KeepAlive {
			backoff = cfg.MinBackoff
		}
		wait := jitter(backoff)
		cfg.Log.Warn("camera message channel closed; reconnecting", "addr", cfg.Addr, "err", err, "wait", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(backoff*2, cfg.MaxBackoff)
	}
}

func (cfg *ChannelConfig) defaults() {
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 30 * time.Second
	}
	if len(cfg.Events) == 0 {
		cfg.Events = []string{EventDynamicDetect, EventFaceRecog}
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(60*time.Second, cfg.MinBackoff)
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
}

func (cfg *ChannelConfig) state(s ChannelState) {
	if cfg.OnState != nil {
		cfg.OnState(s)
	}
}

// jitter draws a wait from [d/2, d).
func jitter(d time.Duration) time.Duration {
	if d < 2 {
		return d
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(d/2)))
	if err != nil {
		return d
	}
	return d/2 + time.Duration(n.Int64())
}

// RandomString is 003's "random": digits and letters, here 10 of them.
func RandomString() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, 10)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// ConnectPayload is the signed CONNECT payload (003 §2.2). NOTES.md item 41:
// every field but sign is signed, as its string value (keep_alive too).
func ConnectPayload(appID, secret string, keepAlive int, now time.Time, random string) ([]byte, error) {
	ts := strconv.FormatInt(now.Unix(), 10)
	params := map[string]string{"app_id": appID, "timestamp": ts, "random": random, "keep_alive": strconv.Itoa(keepAlive)}
	return json.Marshal(map[string]any{
		"app_id": appID, "timestamp": ts, "random": random, "keep_alive": keepAlive,
		"sign": sunmisign.Sign(params, secret),
	})
}

// conn is one open channel: the writer side is shared by the reader (acks)
// and the heartbeat, so writes take a lock (one frame at a time).
type conn struct {
	c       net.Conn
	r       *bufio.Reader
	wmu     sync.Mutex
	timeout time.Duration
}

func (c *conn) write(t PacketType, payload []byte) error {
	b, err := AppendFrame(nil, Frame{Type: t, Payload: payload})
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.c.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err = c.c.Write(b)
	return err
}

// read reads one frame, waiting at most d.
func (c *conn) read(d time.Duration) (Frame, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(d))
	return ReadFrame(c.r)
}

// close says goodbye (best effort) and closes the connection, with the TLS
// close_notify, so the camera sees a clean end rather than a reset.
func (c *conn) close() {
	_ = c.write(TypeDisconnect, nil)
	_ = c.c.Close()
}

// dialTLS opens the TLS connection to the camera, through cfg.Dial when set.
func dialTLS(ctx context.Context, cfg *ChannelConfig) (net.Conn, error) {
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{KeepAlive: cfg.KeepAlive}).DialContext
	}
	raw, err := dial(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLS != nil {
		tc = cfg.TLS.Clone()
	}
	if tc.ServerName == "" { // as tls.Dialer infers it
		if h, _, err := net.SplitHostPort(cfg.Addr); err == nil {
			tc.ServerName = h
		}
	}
	c := tls.Client(raw, tc)
	if err := c.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

func runSession(ctx context.Context, cfg *ChannelConfig) error {
	dctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	nc, err := dialTLS(dctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	c := &conn{c: nc, r: bufio.NewReaderSize(nc, 8<<10), timeout: cfg.DialTimeout}
	// Closing the connection when ctx ends unblocks the reader.
	stop := context.AfterFunc(ctx, c.close)
	defer stop()
	defer nc.Close()

	keep := int(cfg.KeepAlive / time.Second)
	hello, err := ConnectPayload(cfg.AppID, cfg.Secret, max(keep, 1), cfg.Now(), RandomString())
	if err != nil {
		return err
	}
	if err := c.write(TypeConnect, hello); err != nil {
		return err
	}
	if err := expectAck(c, cfg, TypeConnAck, "connect"); err != nil {
		return err
	}
	for {
		sub, _ := json.Marshal(map[string][]string{"event_list": cfg.Events})
		if err := c.write(TypeSubscribe, sub); err != nil {
			return err
		}
		err := expectAck(c, cfg, TypeSubAck, "subscribe")
		var re *RefusedError
		if errors.As(err, &re) && re.Code == 311 && len(cfg.Events) > 1 {
			// An FM010 has no face recognition (NOTES.md item 45): keep
			// to motion events, on this connection and the next ones.
			cfg.Events = []string{EventDynamicDetect}
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	cfg.Log.Info("camera message channel open", "addr", cfg.Addr)
	cfg.state(ChannelState{Connected: true, Since: cfg.Now()})

	hctx, stopBeat := context.WithCancel(ctx)
	defer stopBeat()
	go heartbeat(hctx, c, cfg.KeepAlive)
	for {
		// NOTES.md item 42: silence for three keep-alive periods is a dead
		// connection (our PINGREQs draw a PINGRESP every period).
		f, err := c.read(3 * cfg.KeepAlive)
		if err != nil {
			if IsProtocolError(err) {
				c.close() // a bad frame: the stream cannot be trusted any more
			}
			return err
		}
		if err := handleFrame(ctx, c, cfg, f); err != nil {
			c.close()
			return err
		}
	}
}

// expectAck waits for the CONNACK or SUBACK, storing any PUBLISH that comes
// first (a camera may redeliver at once).
func expectAck(c *conn, cfg *ChannelConfig, want PacketType, step string) error {
	deadline := time.Now().Add(cfg.DialTimeout)
	for {
		f, err := c.read(time.Until(deadline))
		if err != nil {
			if IsProtocolError(err) {
				c.close()
			}
			return err
		}
		switch f.Type {
		case want:
			var ack struct {
				Code *int `json:"code"`
			}
			if err := json.Unmarshal(f.Payload, &ack); err != nil || ack.Code == nil {
				c.close()
				return fmt.Errorf("lanevents: %s: unreadable %s %q", step, want, f.Payload)
			}
			if *ack.Code != 0 {
				if !(step == "subscribe" && *ack.Code == 311) {
					c.close()
				}
				return &RefusedError{Step: step, Code: *ack.Code}
			}
			return nil
		case TypePublish, TypePingResp, TypeDisconnect:
			if err := handleFrame(context.Background(), c, cfg, f); err != nil {
				c.close()
				return err
			}
		default:
			c.close()
			return fmt.Errorf("lanevents: %s: unexpected %s", step, f.Type)
		}
	}
}

func handleFrame(ctx context.Context, c *conn, cfg *ChannelConfig, f Frame) error {
	switch f.Type {
	case TypePingResp:
		return nil
	case TypeDisconnect:
		return errClosedByCamera
	case TypePublish:
		ev, err := ParsePayload(f.Payload, Channel, cfg.Now())
		if err != nil {
			// A well-framed event we cannot read: acknowledge it if it has
			// an id (a redelivery would be just as unreadable), log it.
			cfg.Log.Warn("camera sent an unreadable event", "addr", cfg.Addr, "err", err)
			if id, ok := eventID(f.Payload); ok {
				return ack(c, id)
			}
			return nil
		}
		if err := cfg.Handle(ctx, ev); err != nil {
			return fmt.Errorf("lanevents: store event %s: %w", ev.ID, err)
		}
		id, _ := strconv.ParseInt(ev.ID, 10, 64)
		return ack(c, id)
	case TypeConnAck, TypeSubAck, TypeUnsubAck:
		return nil // a late or repeated acknowledgement changes nothing
	}
	// Only the camera publishes (003 §2.1); anything else from it is wrong.
	return fmt.Errorf("lanevents: unexpected %s from the camera", f.Type)
}

func ack(c *conn, id int64) error {
	b, _ := json.Marshal(map[string]int64{"event_id": id})
	return c.write(TypePubAck, b)
}

func eventID(payload []byte) (int64, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil {
		return 0, false
	}
	return flexInt(m["event_id"])
}

// heartbeat sends PINGREQ every keep-alive period (003 §2.3).
func heartbeat(ctx context.Context, c *conn, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.write(TypePingReq, nil); err != nil {
				_ = c.c.Close()
				return
			}
		}
	}
}
