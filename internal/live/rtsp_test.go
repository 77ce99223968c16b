package live

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
)

// clipAUs reads the simulator's committed test clip (FLV, H.264) into
// SPS, PPS and access units of NALUs, as an RTSP camera sends them.
func clipAUs(t testing.TB) (sps, pps []byte, aus [][][]byte) {
	f, err := os.Open("../vendors/sunmicloud/sim/testdata/clip.flv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fr := newFLVReader(f)
	if _, err := fr.header(); err != nil {
		t.Fatal(err)
	}
	for {
		tag, err := fr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body := tag.raw[tagHeaderLen : len(tag.raw)-4]
		switch tag.kind {
		case kindVideoConfig: // AVCDecoderConfigurationRecord
			n := int(binary.BigEndian.Uint16(body[5+6:]))
			sps = body[5+8 : 5+8+n]
			p := 5 + 8 + n
			m := int(binary.BigEndian.Uint16(body[p+1:]))
			pps = body[p+3 : p+3+m]
		case kindKeyframe, kindFrame:
			var au [][]byte
			for p := 5; p+4 <= len(body); {
				n := int(binary.BigEndian.Uint32(body[p:]))
				au = append(au, body[p+4:p+4+n])
				p += 4 + n
			}
			aus = append(aus, au)
		}
	}
	if sps == nil || pps == nil || len(aus) != 250 {
		t.Fatalf("clip: sps %d pps %d, %d access units", len(sps), len(pps), len(aus))
	}
	return sps, pps, aus
}

// rtspCamera is an RTSP server playing the clip in a loop at 25 fps.
type rtspCamera struct {
	server *gortsplib.Server
	stream *gortsplib.ServerStream
}

func (c *rtspCamera) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *rtspCamera) OnSetup(*gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *rtspCamera) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startRTSPCamera(t testing.TB) (string, func()) {
	sps, pps, aus := clipAUs(t)
	addr := freePort(t)
	cam := &rtspCamera{}
	cam.server = &gortsplib.Server{Handler: cam, RTSPAddress: addr} // TCP only: no UDP addresses
	if err := cam.server.Start(); err != nil {
		t.Fatal(err)
	}
	forma := &format.H264{PayloadTyp: 96, PacketizationMode: 1, SPS: sps, PPS: pps}
	medi := &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{forma}}
	cam.stream = &gortsplib.ServerStream{Server: cam.server, Desc: &description.Session{Medias: []*description.Media{medi}}}
	if err := cam.stream.Initialize(); err != nil {
		t.Fatal(err)
	}
	enc, err := forma.CreateEncoder()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ctx.Err() == nil; i++ {
			pkts, err := enc.Encode(aus[i%len(aus)])
			if err != nil {
				return
			}
			for _, p := range pkts {
				p.Timestamp = uint32(i * 3600) // 90 kHz, 25 fps, rising across loops
				_ = cam.stream.WritePacketRTP(medi, p)
			}
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return "rtsp://" + addr + "/ed98eeead4c843f898fef1c203313364/live_hd.sdp", func() {
		once.Do(func() {
			cancel()
			cam.stream.Close()
			cam.server.Close()
		})
	}
}

func get(t *testing.T, u string) (int, string) {
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The RTSP-to-HLS piece for Sunmi LAN cameras, against an RTSP server
// playing the committed clip: playlists and MPEG-TS segments come out,
// and the end of the RTSP stream ends it.
func TestRTSPToHLS(t *testing.T) {
	url, stop := startRTSPCamera(t)
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := OpenRTSPHLS(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	srv := httptest.NewServer(http.StripPrefix("/hls", r))
	defer srv.Close()

	var pl string
	waitFor(t, "the first segments", 15*time.Second, func() bool {
		code, body := get(t, srv.URL+"/hls/index.m3u8")
		pl = body
		return code == 200
	})
	// A multivariant playlist naming the stream's media playlist.
	var media string
	for _, l := range strings.Split(pl, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			media = l
		}
	}
	code, mp := get(t, srv.URL+"/hls/"+media)
	if code != 200 || !strings.Contains(mp, "#EXTINF") {
		t.Fatalf("media playlist %d:\n%s", code, mp)
	}
	var seg string
	for _, l := range strings.Split(mp, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			seg = l
		}
	}
	code, body := get(t, srv.URL+"/hls/"+seg)
	if code != 200 || len(body) < 188 || body[0] != 0x47 {
		t.Fatalf("segment %s: %d, %d bytes", seg, code, len(body))
	}
	stop()
	select {
	case <-r.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the HLS side outlived the RTSP stream")
	}
}

func TestWithParams(t *testing.T) {
	sps, pps := []byte{0x67, 1}, []byte{0x68, 2}
	idr, p := []byte{0x65, 3}, []byte{0x41, 4}
	if got := withParams([][]byte{idr}, sps, pps); len(got) != 3 || got[0][0] != 0x67 || got[1][0] != 0x68 {
		t.Fatalf("IDR without parameters: %x", got)
	}
	if got := withParams([][]byte{sps, pps, idr}, sps, pps); len(got) != 3 {
		t.Fatalf("IDR with parameters: %d NALUs", len(got))
	}
	if got := withParams([][]byte{p}, sps, pps); len(got) != 1 {
		t.Fatalf("non-IDR: %d NALUs", len(got))
	}
}
