package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/bluenviron/gohlslib/v2"
	"github.com/bluenviron/gohlslib/v2/pkg/codecs"
	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
)

// RTSPHLS turns a camera's RTSP stream into HLS without ffmpeg: gortsplib
// reads the H.264 RTP stream (a Sunmi LAN camera's live_hd.sdp or
// live_fhd.sdp, or a playback pb.sdp: 003 "Video Streaming"), and
// gohlslib's muxer cuts it into MPEG-TS segments served from memory. The
// RTSP URL (with any credentials in it) stays on the server; browsers get
// the muxer's playlist through ServeHTTP under our own path.
type RTSPHLS struct {
	client *gortsplib.Client
	muxer  *gohlslib.Muxer
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	err    error
}

// ErrNoH264 means the RTSP stream has no H.264 video.
var ErrNoH264 = errors.New("live: the RTSP stream has no H.264 video")

// OpenRTSPHLS connects to rawURL, starts reading and muxing, and returns
// once the camera has agreed to play. ctx bounds the connection set-up;
// dial opens the TCP connection (the session's guarded dialer); nil: a
// plain dialer.
func OpenRTSPHLS(ctx context.Context, rawURL string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*RTSPHLS, error) {
	u, err := base.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("live: RTSP URL: %w", redactErr(err))
	}
	tcp := gortsplib.TransportTCP // one connection, through any NAT or firewall
	c := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Transport: &tcp,
		DialContext: func(dctx context.Context, network, addr string) (netConn, error) {
			if dial != nil {
				return dial(ctx, network, addr)
			}
			return dialer.DialContext(ctx, network, addr)
		}}
	if err := c.Start2(); err != nil {
		return nil, fmt.Errorf("live: RTSP connect: %w", err)
	}
	r := &RTSPHLS{client: c, done: make(chan struct{})}
	if err := r.setup(u); err != nil {
		c.Close()
		return nil, err
	}
	go func() {
		err := c.Wait()
		r.mu.Lock()
		r.err = err
		r.mu.Unlock()
		r.Close()
	}()
	return r, nil
}

func (r *RTSPHLS) setup(u *base.URL) error {
	desc, _, err := r.client.Describe(u)
	if err != nil {
		return fmt.Errorf("live: RTSP DESCRIBE: %w", err)
	}
	var forma *format.H264
	medi := desc.FindFormat(&forma)
	if medi == nil {
		return ErrNoH264
	}
	dec, err := forma.CreateDecoder()
	if err != nil {
		return err
	}
	track := &gohlslib.Track{Codec: &codecs.H264{SPS: forma.SPS, PPS: forma.PPS}, ClockRate: forma.ClockRate()}
	r.muxer = &gohlslib.Muxer{Tracks: []*gohlslib.Track{track}, Variant: gohlslib.MuxerVariantMPEGTS,
		SegmentCount: 7, SegmentMinDuration: time.Second}
	if err := r.muxer.Start(); err != nil {
		return err
	}
	if _, err := r.client.Setup(desc.BaseURL, medi, 0, 0); err != nil {
		r.muxer.Close()
		return fmt.Errorf("live: RTSP SETUP: %w", err)
	}
	r.client.OnPacketRTP(medi, forma, func(pkt *rtp.Packet) {
		pts, ok := r.client.PacketPTS2(medi, pkt)
		if !ok {
			return
		}
		au, err := dec.Decode(pkt)
		if err != nil { // more packets needed for this access unit
			return
		}
		_ = r.muxer.WriteH264(track, time.Now(), pts, withParams(au, forma.SPS, forma.PPS))
	})
	if _, err := r.client.Play(nil); err != nil {
		r.muxer.Close()
		return fmt.Errorf("live: RTSP PLAY: %w", err)
	}
	return nil
}

// ServeHTTP answers the muxer's playlists and segments; the request's last
// path element names the file (index.m3u8, then what it lists).
func (r *RTSPHLS) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	select {
	case <-r.done:
		http.Error(w, "stream ended", http.StatusNotFound)
		return
	default:
	}
	r.muxer.Handle(w, req)
}

// Done is closed when the RTSP stream has ended.
func (r *RTSPHLS) Done() <-chan struct{} { return r.done }

// Err is why the stream ended (nil while it runs or after Close).
func (r *RTSPHLS) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Close ends the RTSP session and the muxer.
func (r *RTSPHLS) Close() {
	r.once.Do(func() {
		close(r.done)
		r.client.Close()
		r.muxer.Close()
	})
}

type netConn = net.Conn

var dialer = &net.Dialer{Timeout: 10 * time.Second}

// withParams puts the SPS and PPS of the SDP in front of an IDR access
// unit that lacks them: cameras that send them only out of band (in the
// SDP's sprop-parameter-sets) would otherwise never start a segment.
func withParams(au [][]byte, sps, pps []byte) [][]byte {
	idr, has := false, false
	for _, n := range au {
		if len(n) == 0 {
			continue
		}
		switch n[0] & 0x1f {
		case 5:
			idr = true
		case 7:
			has = true
		}
	}
	if !idr || has || sps == nil || pps == nil {
		return au
	}
	return append([][]byte{sps, pps}, au...)
}
