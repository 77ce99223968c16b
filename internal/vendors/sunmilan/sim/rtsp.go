package sim

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
)

// RTSPEvent is one start or stop of an RTSP stream at the camera, for
// tests and the demo's status page to check.
type RTSPEvent struct {
	At     time.Time
	Op     string // "PLAY" or "STOP"
	Stream string // "live_hd", "live_fhd" or "pb"
	// Reason of a STOP: "TEARDOWN" (the client ended the session) or
	// "disconnect" (the connection went without one).
	Reason  string
	Session int // numbers the sessions, so a PLAY and its STOP pair up
}

// rtspServer serves the camera's RTSP streams: rtsp://host:port/<token>/
// live_hd.sdp, live_fhd.sdp or pb.sdp, the token issued by getLiveStream or
// getPlaybackStream (doc.go). Every token has its own stream, looping the
// clip at 25 fps from its first DESCRIBE until its last session ends.
type rtspServer struct {
	c    *Camera
	clip *h264Clip
	srv  *gortsplib.Server
	addr string

	mu       sync.Mutex
	streams  map[string]*loopStream // by token
	sessions map[*gortsplib.ServerSession]*rtspSession
	next     int
	log      []RTSPEvent
}

type rtspSession struct {
	n      int
	token  string
	name   string
	played bool
	// tornDown: the client sent TEARDOWN. The session may still end on a
	// write error first (the client closes right after its TEARDOWN while
	// RTP is going out), and the STOP still says TEARDOWN.
	tornDown bool
}

type loopStream struct {
	stream *gortsplib.ServerStream
	users  int
	cancel context.CancelFunc
}

// StartRTSP serves the camera's RTSP on addr, a loopback address
// ("127.0.0.1:0" picks a port; a real camera uses 554). It returns
// host:port; getLiveStream and getPlaybackStream answer 232 before it.
func (c *Camera) StartRTSP(addr string) (string, error) {
	if err := loopbackOnly(addr); err != nil {
		return "", err
	}
	clip, err := loadClip()
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", addr) // pick the port now, for the URLs
	if err != nil {
		return "", err
	}
	addr = ln.Addr().String()
	ln.Close()
	r := &rtspServer{c: c, clip: clip, addr: addr, streams: map[string]*loopStream{},
		sessions: map[*gortsplib.ServerSession]*rtspSession{}}
	// TCP only (no UDP addresses): the interleaved transport of 003's
	// RTSP URLs through any firewall, and nothing but loopback.
	r.srv = &gortsplib.Server{Handler: r, RTSPAddress: addr}
	if err := r.srv.Start(); err != nil {
		return "", err
	}
	c.mu.Lock()
	c.rtsp = r
	c.mu.Unlock()
	return addr, nil
}

// RTSPAddr is host:port of the camera's RTSP server ("" before StartRTSP).
func (c *Camera) RTSPAddr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rtsp == nil {
		return ""
	}
	return c.rtsp.addr
}

// RTSPLog returns a copy of the RTSP starts and stops (the last 500).
func (c *Camera) RTSPLog() []RTSPEvent {
	c.mu.Lock()
	r := c.rtsp
	c.mu.Unlock()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RTSPEvent(nil), r.log...)
}

// RTSPPlaying is the number of RTSP sessions playing now.
func (c *Camera) RTSPPlaying() int {
	n := 0
	for _, e := range c.RTSPLog() {
		switch e.Op {
		case "PLAY":
			n++
		case "STOP":
			n--
		}
	}
	return n
}

func (r *rtspServer) close() {
	r.mu.Lock()
	srv := r.srv
	r.mu.Unlock()
	srv.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for tok, s := range r.streams {
		s.cancel()
		s.stream.Close()
		delete(r.streams, tok)
	}
}

// pathToken splits /<token>/<name>.sdp[/trackID=n] into token and name.
func pathToken(p string) (token, name string) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(parts) < 2 {
		return "", ""
	}
	return parts[0], strings.TrimSuffix(parts[1], ".sdp")
}

// grant checks the token of a request path: issued by this camera for this
// stream name, and still fresh (grantTTL) when the client starts.
func (r *rtspServer) grant(p string) (token, name string, ok bool) {
	token, name = pathToken(p)
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	g, found := r.c.grants[token]
	if !found || g.name != name || r.c.now().After(g.issued.Add(grantTTL)) {
		return "", "", false
	}
	return token, name, true
}

var errUnauthorized = errors.New("unknown or expired stream token")

func (r *rtspServer) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	token, _, ok := r.grant(ctx.Path)
	if !ok {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, errUnauthorized
	}
	s, err := r.stream(token)
	if err != nil {
		return &base.Response{StatusCode: base.StatusInternalServerError}, nil, err
	}
	return &base.Response{StatusCode: base.StatusOK}, s, nil
}

func (r *rtspServer) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	token, name, ok := r.grant(ctx.Path)
	if !ok {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, errUnauthorized
	}
	s, err := r.stream(token)
	if err != nil {
		return &base.Response{StatusCode: base.StatusInternalServerError}, nil, err
	}
	r.mu.Lock()
	if r.sessions[ctx.Session] == nil {
		r.next++
		r.sessions[ctx.Session] = &rtspSession{n: r.next, token: token, name: name}
		r.streams[token].users++
	}
	r.mu.Unlock()
	return &base.Response{StatusCode: base.StatusOK}, s, nil
}

func (r *rtspServer) OnPlay(ctx *gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	r.mu.Lock()
	s := r.sessions[ctx.Session]
	if s != nil && !s.played {
		s.played = true
		r.logEvent(RTSPEvent{Op: "PLAY", Stream: s.name, Session: s.n})
	}
	r.mu.Unlock()
	if s == nil {
		return &base.Response{StatusCode: base.StatusSessionNotFound}, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, nil
}

var _ gortsplib.ServerHandlerOnRequest = (*rtspServer)(nil)

// OnRequest notes a TEARDOWN before the library acts on it.
func (r *rtspServer) OnRequest(sc *gortsplib.ServerConn, req *base.Request) {
	if req.Method != base.Teardown || sc.Session() == nil {
		return
	}
	r.mu.Lock()
	if s := r.sessions[sc.Session()]; s != nil {
		s.tornDown = true
	}
	r.mu.Unlock()
}

// OnSessionClose logs the stop (a TEARDOWN, or the connection lost) and
// ends the token's stream with its last session.
func (r *rtspServer) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sessions[ctx.Session]
	if s == nil {
		return
	}
	delete(r.sessions, ctx.Session)
	if s.played {
		reason := "disconnect"
		var td liberrors.ErrServerSessionTornDown
		if errors.As(ctx.Error, &td) || s.tornDown {
			reason = "TEARDOWN"
		}
		r.logEvent(RTSPEvent{Op: "STOP", Stream: s.name, Reason: reason, Session: s.n})
	}
	if ls := r.streams[s.token]; ls != nil {
		if ls.users--; ls.users <= 0 {
			ls.cancel()
			ls.stream.Close()
			delete(r.streams, s.token)
		}
	}
}

// logEvent appends e; called with r.mu held.
func (r *rtspServer) logEvent(e RTSPEvent) {
	e.At = r.c.now()
	r.log = append(r.log, e)
	if n := len(r.log); n > 500 {
		r.log = append(r.log[:0], r.log[n-500:]...)
	}
	if r.c.opt.Logf != nil {
		r.c.opt.Logf("sunmilan sim %s: RTSP %s %s %s", r.c.opt.SN, e.Op, e.Stream, e.Reason)
	}
}

// stream returns the token's looping stream, starting it if needed.
func (r *rtspServer) stream(token string) (*gortsplib.ServerStream, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ls := r.streams[token]; ls != nil {
		return ls.stream, nil
	}
	forma := &format.H264{PayloadTyp: 96, PacketizationMode: 1, SPS: r.clip.sps, PPS: r.clip.pps}
	medi := &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{forma}}
	st := &gortsplib.ServerStream{Server: r.srv, Desc: &description.Session{Medias: []*description.Media{medi}}}
	if err := st.Initialize(); err != nil {
		return nil, err
	}
	enc, err := forma.CreateEncoder()
	if err != nil {
		st.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.streams[token] = &loopStream{stream: st, cancel: cancel}
	go loop(ctx, st, medi, enc, r.clip)
	return st, nil
}

// loop writes the clip's frames at 25 fps, timestamps rising across loops,
// until ctx ends.
func loop(ctx context.Context, st *gortsplib.ServerStream, medi *description.Media, enc *rtph264.Encoder, clip *h264Clip) {
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		pkts, err := enc.Encode(clip.aus[i%len(clip.aus)])
		if err != nil {
			return
		}
		for _, p := range pkts {
			p.Timestamp = uint32(i * 3600) // 90 kHz clock, 25 fps
			_ = st.WritePacketRTP(medi, p)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
