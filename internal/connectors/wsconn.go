package connectors

import (
	"io"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// WSConn is a net.Conn over a websocket's binary messages (what yamux
// runs on). Reads may span messages; each Write is one message, except a
// yamux data frame's header, which yamux writes alone just before its body:
// it is held and sent with the body, so a frame costs one message, one TLS
// record and one write syscall instead of two (the edge's CPU per camera,
// BenchmarkEdgeEightCameras). The bytes and their order are the same.
// A relay's WSConn (newRelayConn) carries a dialled connection's bytes
// instead: nothing is held, and its ends close with a close message, read
// as io.EOF, as a TCP peer's FIN is.
type WSConn struct {
	ws    *websocket.Conn
	relay bool
	rmu   sync.Mutex
	r     io.Reader
	wmu   sync.Mutex
	held  []byte // a data frame's header waiting for its body
	buf   []byte
}

// yamux's frame header: version, type, flags (2), stream (4), length (4);
// type 0 is data, whose length bytes follow.
const yamuxHeader = 12

func dataHeader(p []byte) bool {
	return len(p) == yamuxHeader && p[0] == 0 && p[1] == 0 && (p[8]|p[9]|p[10]|p[11]) != 0
}

// NewWSConn wraps ws.
func NewWSConn(ws *websocket.Conn) *WSConn { return &WSConn{ws: ws} }

// newRelayConn wraps ws for a relayed dial between two instances.
func newRelayConn(ws *websocket.Conn) *WSConn { return &WSConn{ws: ws, relay: true} }

func (c *WSConn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for {
		if c.r == nil {
			typ, r, err := c.ws.NextReader()
			if c.relay && websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				return 0, io.EOF
			}
			if err != nil {
				return 0, err
			}
			if typ != websocket.BinaryMessage {
				continue
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if err == io.EOF {
			c.r = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (c *WSConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.relay && c.held == nil && dataHeader(p) {
		c.held = append(c.buf[:0], p...)
		return len(p), nil
	}
	msg := p
	if c.held != nil {
		msg = append(c.held, p...)
		c.held = nil
		c.buf = msg[:0]
	}
	if err := c.ws.WriteMessage(websocket.BinaryMessage, msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close closes the websocket's connection (a relay's after a close message).
func (c *WSConn) Close() error {
	if c.relay {
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	}
	return c.ws.Close()
}

func (c *WSConn) LocalAddr() net.Addr  { return c.ws.LocalAddr() }
func (c *WSConn) RemoteAddr() net.Addr { return c.ws.RemoteAddr() }

func (c *WSConn) SetDeadline(t time.Time) error {
	if err := c.ws.SetReadDeadline(t); err != nil {
		return err
	}
	return c.ws.SetWriteDeadline(t)
}
func (c *WSConn) SetReadDeadline(t time.Time) error  { return c.ws.SetReadDeadline(t) }
func (c *WSConn) SetWriteDeadline(t time.Time) error { return c.ws.SetWriteDeadline(t) }
