package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// A session whose vendor stream is RTSP (a Sunmi LAN camera) is served by
// one RTSPHLS: opened by Ready or the first HLS request, shared by every
// viewer, closed when the session ends (the linger after the last viewer),
// and opened again, on a fresh vendor URL, after the RTSP stream ended.
// Browsers see only our playlist and the muxer's file names under r/.

// ErrRTSP wraps a failure to open or read a camera's RTSP stream; its text
// never holds the URL's path (the camera's token).
var ErrRTSP = errors.New("live: RTSP stream failed")

// errNotRTSP means the session's vendor stream is not RTSP.
var errNotRTSP = errors.New("live: not an RTSP stream")

// playlistWait bounds how long a first playlist request waits for the
// muxer's first segments (about two seconds of video).
const playlistWait = 15 * time.Second

// openRTSP is OpenRTSPHLS; tests replace it to count opens.
var openRTSP = OpenRTSPHLS

// rtspHLS returns the session's running RTSPHLS, opening it if needed.
func (s *Session) rtspHLS(ctx context.Context) (*RTSPHLS, error) {
	s.rtspMu.Lock()
	defer s.rtspMu.Unlock()
	if s.rtsp != nil {
		select {
		case <-s.rtsp.Done():
			// The camera ended it (restart, network, an expired token):
			// a fresh URL from the vendor, then a new RTSP session.
			s.m.opt.Log.Info("live: RTSP stream ended, reopening", "camera", s.info.Camera, "stream", s.info.Label,
				"err", redactRTSPErr(s.rtsp.Err(), s.stream.RTSP))
			s.rtsp = nil
			s.reload()
		default:
			return s.rtsp, nil
		}
	}
	st, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	if st.RTSP == "" {
		return nil, errNotRTSP
	}
	r, err := openRTSP(ctx, st.RTSP, s.mediaDial())
	if err != nil {
		s.reload() // the URL may be spent: ask the vendor again next time
		return nil, redactRTSPErr(err, st.RTSP)
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed { // ended while we opened: end() has run and will not see r
		r.Close()
		return nil, ErrClosed
	}
	s.rtsp = r
	s.rtspOpens++
	return r, nil
}

// closeRTSP ends the session's RTSP stream (a TEARDOWN to the camera).
func (s *Session) closeRTSP() {
	s.rtspMu.Lock()
	r := s.rtsp
	s.rtsp = nil
	s.rtspMu.Unlock()
	if r != nil {
		r.Close()
	}
}

// isRTSP reports whether the session's vendor stream, once started, is RTSP.
func (s *Session) isRTSP() bool {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	return s.started && s.stream.RTSP != ""
}

// muxerFile is a name the muxer serves (index.m3u8, its media playlist,
// segments, an init section).
var muxerFile = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}\.(m3u8|ts|mp4)$`)

// serveRTSPPlaylist answers the muxer's top playlist, its URIs moved under
// ResourcePrefix. The muxer holds the request until its first segment
// (about two seconds of video): the viewer is counted in meanwhile.
func (s *Session) serveRTSPPlaylist(w http.ResponseWriter, r *http.Request, rh *RTSPHLS, view string) error {
	got := make(chan *httptest.ResponseRecorder, 1)
	go func() { got <- muxerGet(r, rh, "index.m3u8") }() // returns at the first segment or the muxer's close
	deadline := time.NewTimer(playlistWait)
	defer deadline.Stop()
	tick := time.NewTicker(min(s.m.opt.HLSViewerTTL/3, time.Second))
	defer tick.Stop()
	for {
		select {
		case rec := <-got:
			if rec.Code != http.StatusOK {
				return fmt.Errorf("%w: the stream ended before its first segment", ErrRTSP)
			}
			body, err := prefixURIs(rec.Body.Bytes(), ResourcePrefix)
			if err != nil {
				return err
			}
			writeCached(w, &cached{status: http.StatusOK, body: body}, true)
			return nil
		case <-tick.C:
			if !s.touchHLS(view) {
				return ErrClosed
			}
		case <-r.Context().Done():
			return r.Context().Err()
		case <-deadline.C:
			return fmt.Errorf("%w: no video from the camera", ErrRTSP)
		}
	}
}

// serveRTSPResource answers a file of the muxer.
func (s *Session) serveRTSPResource(w http.ResponseWriter, r *http.Request, rh *RTSPHLS, name string) error {
	if !muxerFile.MatchString(name) {
		return ErrUnknownResource
	}
	rec := muxerGet(r, rh, name)
	if rec.Code != http.StatusOK {
		return ErrUnknownResource
	}
	playlist := strings.HasSuffix(name, ".m3u8")
	ctype := "video/mp2t"
	if strings.HasSuffix(name, ".mp4") {
		ctype = "video/mp4"
	}
	writeCached(w, &cached{status: http.StatusOK, ctype: ctype, body: rec.Body.Bytes()}, playlist)
	return nil
}

// muxerGet asks the muxer for name with a request of our own (no query:
// the muxer copies the query into its URIs).
func muxerGet(r *http.Request, rh *RTSPHLS, name string) *httptest.ResponseRecorder {
	req := r.Clone(r.Context())
	req.URL = &url.URL{Path: "/" + name}
	req.RequestURI = req.URL.Path
	req.Header.Del("Range")
	rec := httptest.NewRecorder()
	rh.ServeHTTP(rec, req)
	return rec
}

// muxerBase is where the muxer's files are, for resolving its playlists'
// URIs: any absolute base works, as only the names are kept.
var muxerBase = &url.URL{Scheme: "http", Host: "muxer", Path: "/"}

// prefixURIs moves every URI of the muxer's playlist under prefix, by the
// proxy's playlist rewriter (so EXT-X-MAP and the other URI tags are
// handled in one place).
func prefixURIs(pl []byte, prefix string) ([]byte, error) {
	return rewritePlaylist(pl, muxerBase, func(abs *url.URL, _ bool) (string, error) {
		if abs.Host != muxerBase.Host {
			return "", fmt.Errorf("%w: the muxer named another host", ErrRTSP)
		}
		u := prefix + strings.TrimPrefix(abs.Path, "/")
		if abs.RawQuery != "" {
			u += "?" + abs.RawQuery
		}
		return u, nil
	})
}
