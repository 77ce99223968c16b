package live

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"storelens/internal/vendors"
)

const (
	writeWait   = 10 * time.Second // a viewer that cannot take a chunk for this long is gone
	pingPeriod  = 30 * time.Second
	maxWSBatch  = 256 << 10 // bytes gathered into one websocket message
	wsReadLimit = 512       // the player sends nothing but control frames
)

// Acquire returns the shared session of key, creating it (with st, info)
// if there is none. The vendor stream is started by Ready or by the first
// viewer.
func (m *Manager) Acquire(key string, info Info, st Starter) (*Session, error) {
	return m.session(key, info, st)
}

// Ready starts the vendor stream if it is not running, so that a vendor
// refusal can be told to the viewer before any video is sent.
func (s *Session) Ready(ctx context.Context) (vendors.Stream, error) {
	// A start in progress counts as a viewer: a camera slower to answer
	// than the linger must not see its session ended meanwhile.
	if !s.join() {
		return vendors.Stream{}, ErrClosed
	}
	defer s.leave()
	st, err := s.current(ctx)
	if err == nil && st.RTSP != "" {
		// An RTSP stream is opened here too: a camera refusing the URL is
		// told to the viewer before the player starts.
		_, err = s.rtspHLS(ctx)
	}
	return st, err
}

// Key is the session's key.
func (s *Session) Key() string { return s.key }

// watch joins an FLV viewer to the session's hub. The returned function
// counts the viewer out; call it once.
func (s *Session) watch() (*flvViewer, func(), error) {
	if !s.join() {
		return nil, nil, ErrClosed
	}
	h, err := s.hubFor()
	if err != nil {
		s.leave()
		return nil, nil, err
	}
	v, err := h.add()
	if err != nil {
		s.leave()
		return nil, nil, err
	}
	return v, func() { h.remove(v); s.leave() }, nil
}

// ServeFLV streams the session as HTTP-FLV until the client goes, is too
// slow, or the session ends. The server's write timeout is lifted for this
// response (a stream lasts longer than any page).
func (s *Session) ServeFLV(w http.ResponseWriter, r *http.Request) error {
	v, leave, err := s.watch()
	if err != nil {
		return err
	}
	defer leave()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "video/x-flv")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-v.done:
			return s.endReason(v)
		case b := <-v.ch:
			_ = rc.SetWriteDeadline(time.Now().Add(writeWait))
			if _, err := w.Write(b); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}

// ErrSlowViewer means a viewer could not keep up and was dropped.
var ErrSlowViewer = errors.New("live: viewer too slow, dropped")

func (s *Session) endReason(v *flvViewer) error {
	if v.slow {
		return ErrSlowViewer
	}
	return nil
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 64 << 10,
	// CheckOrigin is left to gorilla's default: the Origin must be our own
	// host, so no other site can open a signed-in viewer's stream.
}

// WebsocketCloseVendor is the close code sent when the stream cannot be
// had from the vendor; the close reason is the message for the person.
const WebsocketCloseVendor = 4001

// UpgradeFLV upgrades the request to a websocket, for errors to be told on
// it (browsers cannot read the body of a failed upgrade).
func UpgradeFLV(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	return upgrader.Upgrade(w, r, nil)
}

// CloseWithError closes a viewer's websocket with code 4001 and msg.
func CloseWithError(conn *websocket.Conn, msg string) {
	if len(msg) > 120 { // a close reason must fit a control frame
		msg = msg[:120]
	}
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(WebsocketCloseVendor, msg), time.Now().Add(time.Second))
	_ = conn.Close()
}

// ServeFLVWebsocket streams the session as FLV in binary websocket
// messages (what mpegts.js reads from a ws:// URL). Websockets do not count
// against the browser's six HTTP/1.1 connections per host, so a wall of
// many tiles plays over plain HTTP.
func (s *Session) ServeFLVWebsocket(conn *websocket.Conn) error {
	defer conn.Close()
	v, leave, err := s.watch()
	if err != nil {
		return err
	}
	defer leave()
	gone := make(chan struct{})
	go func() { // the only reader: notices the close
		defer close(gone)
		conn.SetReadLimit(wsReadLimit)
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	buf := make([]byte, 0, maxWSBatch)
	for {
		select {
		case <-gone:
			return nil
		case <-v.done:
			_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(time.Second))
			return s.endReason(v)
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return nil
			}
		case b := <-v.ch:
			// Gather what is queued into one message: fewer frames, same bytes.
			buf = append(buf[:0], b...)
		more:
			for len(buf) < maxWSBatch {
				select {
				case b := <-v.ch:
					buf = append(buf, b...)
				default:
					break more
				}
			}
			_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := conn.WriteMessage(websocket.BinaryMessage, buf); err != nil {
				return nil
			}
			if cap(buf) > 4*maxWSBatch { // a big primer: do not keep it
				buf = make([]byte, 0, maxWSBatch)
			}
		}
	}
}

// Lookup returns the running session of key, if there is one: resources of
// a stream are served only while its session lives.
func (m *Manager) Lookup(key string) (*Session, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[key]
	return s, ok
}
