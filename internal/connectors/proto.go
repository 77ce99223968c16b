// Package connectors is chain mode's central side (issue 15): a shop's
// on-site connector (storelens-edge, cmd/edge) pairs with a one-time code,
// then keeps one outbound tunnel open to the central server (a websocket on
// the UI's HTTPS port, yamux over it). The central opens a stream per
// connection an adapter makes to the shop's LAN; the edge dials the target
// inside its allowed ranges and copies bytes (camera TLS stays end to end).
//
// The wire, shared with package edge:
//
//  1. POST /connector/pair {"code","key","name"}: the code (single use,
//     24 h) buys the registration of the edge's ed25519 public key.
//  2. GET /connector/tunnel (websocket). The server sends a Hello (its
//     protocol version and a random nonce); the edge answers an Auth (its
//     version, key and signature of SignedChallenge(nonce)); the server
//     answers a Result. A peer of another protocol version is refused with
//     a message at both ends. Then binary messages carry a yamux session,
//     the central its client side (it opens the streams).
//  3. Each stream starts with a Request frame and its Reply frame
//     (2-byte big-endian length, JSON), then raw bytes for "dial", or the
//     discovery answers in the Reply for "discover".
package connectors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/yamux"
)

// Proto is the tunnel protocol version this build speaks.
const Proto = 1

// Paths on the central server.
const (
	PairPath   = "/connector/pair"
	TunnelPath = "/connector/tunnel"
)

// Hello is the server's first message.
type Hello struct {
	Proto  int    `json:"proto"`
	Nonce  []byte `json:"nonce"`
	Server string `json:"server"`
}

// Auth is the edge's answer to Hello.
type Auth struct {
	Proto   int    `json:"proto"`
	Version string `json:"version"`
	Key     []byte `json:"key"` // ed25519 public key
	Sig     []byte `json:"sig"`
	Error   string `json:"error,omitempty"` // the edge refuses the server
	// Hook is the edge's webhook receiver on the shop's LAN (the callback
	// the central gives its cameras' hook/add); "" when it runs none.
	Hook string `json:"hook,omitempty"`
}

// Result is the server's verdict on Auth.
type Result struct {
	OK    bool   `json:"ok"`
	Shop  uint   `json:"shop,omitempty"`
	Error string `json:"error,omitempty"`
	// Code classifies a refusal: "proto", "revoked", "unknown", "signature".
	Code string `json:"code,omitempty"`
}

// PairRequest is the body of POST PairPath.
type PairRequest struct {
	Code string `json:"code"`
	Key  []byte `json:"key"`
	Name string `json:"name"`
}

// PairReply answers it.
type PairReply struct {
	Connector uint   `json:"connector,omitempty"`
	Shop      uint   `json:"shop,omitempty"`
	Error     string `json:"error,omitempty"`
}

// SignedChallenge is what the edge signs: a fixed context and the nonce.
func SignedChallenge(nonce []byte) []byte {
	return append([]byte("storelens-connector-tunnel-v1\x00"), nonce...)
}

// Stream operations.
const (
	OpDial     = "dial"
	OpDiscover = "discover"
	// OpHooks is a stream the EDGE opens: its queued camera posts, in
	// order (HookHeader + body each), answered one HookAck each, in order.
	OpHooks = "hooks"
)

// HookHeader precedes each queued post on an OpHooks stream (Len raw
// body bytes follow). ID 0 is a status report only (no body). Every
// header carries the queue's state.
type HookHeader struct {
	ID          int64  `json:"id"`
	Received    int64  `json:"received,omitempty"` // unix ns the edge stored it
	ContentType string `json:"ct,omitempty"`
	Len         int    `json:"len,omitempty"`
	Depth       int    `json:"depth"`
	Max         int    `json:"max"`
	// Full is how many posts the edge refused with a full queue since it
	// started; FullAt the last time (unix ns).
	Full   int64 `json:"full,omitempty"`
	FullAt int64 `json:"full_at,omitempty"`
}

// Hook results.
const (
	HookStored = "stored" // stored, or stored before (the dedupe): delete it
	// HookRefused: the central will never store it (bad signature, not a
	// post, unknown camera): delete it; the central logged and counted it.
	HookRefused = "refused"
	// HookRetry: not stored now (the database failed): keep it; the
	// central ends the stream after this answer, the edge sends again
	// from its oldest post.
	HookRetry = "retry"
)

// HookAck answers one post.
type HookAck struct {
	ID     int64  `json:"id"`
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

// MaxHookBody bounds a forwarded post's body (003's at most 64 KiB, with
// the multipart framing).
const MaxHookBody = 72 << 10

// Request opens a stream.
type Request struct {
	Op      string `json:"op"`
	Network string `json:"network,omitempty"`
	Addr    string `json:"addr,omitempty"`
}

// Reply answers a Request.
type Reply struct {
	OK     bool            `json:"ok"`
	Error  string          `json:"error,omitempty"`
	Reason string          `json:"reason,omitempty"` // a refused dial's reason
	Found  json.RawMessage `json:"found,omitempty"`  // discover: []sunmilan.Found
}

// maxFrame bounds a frame (a discovery answer of many cameras fits).
const maxFrame = 60 << 10

// WriteFrame writes v as one length-prefixed JSON frame.
func WriteFrame(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > maxFrame {
		return errors.New("connectors: frame too large")
	}
	out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(b)), uint16(len(b)))
	_, err = w.Write(append(out, b...))
	return err
}

// ReadFrame reads one frame into v.
func ReadFrame(r io.Reader, v any) error {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return err
	}
	b := make([]byte, binary.BigEndian.Uint16(h[:]))
	if _, err := io.ReadFull(r, b); err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("connectors: bad frame: %w", err)
	}
	return nil
}

// YamuxConfig is both ends' session configuration: keepalive every
// interval (the heartbeat; a dead peer ends the session), logs to nowhere
// (errors are returned and logged by the caller).
func YamuxConfig(keepalive time.Duration) *yamux.Config {
	c := yamux.DefaultConfig()
	if keepalive > 0 {
		c.KeepAliveInterval = keepalive
		c.ConnectionWriteTimeout = keepalive
	}
	c.LogOutput = io.Discard
	c.StreamOpenTimeout = 15 * time.Second
	return c
}
