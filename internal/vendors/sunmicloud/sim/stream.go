package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The CDN side of the simulator: the URLs that live/start, playback/start
// and the snapshot calls hand out. Real Sunmi URLs name a CDN host; here the
// simulator serves them itself, under these prefixes.
const (
	livePrefix     = "/live/"
	playbackPrefix = "/playback/"
	snapshotPrefix = "/snapshot/"
	videoPrefix    = "/VIDEO/IPC/"
)

func livePath(sn string, res int, id string) string {
	return fmt.Sprintf("%s%s/%d/%s", livePrefix, sn, res, id)
}

func playbackPath(clientID string, from time.Time) string {
	return fmt.Sprintf("%s%s/%d", playbackPrefix, clientID, from.Unix())
}

func snapshotPath(sn string, t int64) string {
	return fmt.Sprintf("%s%s/%d.jpg", snapshotPrefix, sn, t)
}

// isMediaPath reports whether ServeHTTP should hand the path to serveMedia.
func isMediaPath(p string) bool {
	for _, pre := range []string{livePrefix, playbackPrefix, snapshotPrefix, videoPrefix} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

// serveMedia answers GET (or HEAD) of a media URL after checking its
// auth_key (recording files of /VIDEO/IPC/ carry none in 000's examples).
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, videoPrefix) && !s.checkAuthKey(p, r.URL.Query().Get("auth_key")) {
		s.mu.Lock()
		s.media.stats.Refused++
		s.mu.Unlock()
		http.Error(w, "auth_key refused", http.StatusForbidden)
		return
	}
	exp := authExpiry(r.URL.Query().Get("auth_key"))
	parts := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case strings.HasPrefix(p, livePrefix) && len(parts) == 4:
		s.serveLive(w, r, parts[1], parts[2], parts[3], exp)
	case strings.HasPrefix(p, livePrefix) && len(parts) == 5:
		s.serveLiveSegment(w, r, parts[1], parts[2], parts[3], parts[4])
	case strings.HasPrefix(p, playbackPrefix) && len(parts) == 3:
		s.servePlayback(w, r, parts[1], parts[2], exp)
	case strings.HasPrefix(p, playbackPrefix) && len(parts) == 4:
		s.servePlaybackSegment(w, r, parts[1], parts[2], parts[3])
	case strings.HasPrefix(p, snapshotPrefix) && len(parts) == 3:
		s.serveSnapshot(w, r, parts[1], strings.TrimSuffix(parts[2], ".jpg"))
	case strings.HasPrefix(p, videoPrefix) && len(parts) == 4:
		s.serveRecordingFile(w, r, parts[2])
	default:
		http.NotFound(w, r)
	}
}

func authExpiry(key string) time.Time {
	ts, _, _ := strings.Cut(key, "-")
	n, _ := strconv.ParseInt(ts, 10, 64)
	return time.Unix(n, 0)
}

// liveStreamOf returns the running live stream named by a URL's parts.
func (s *Server) liveStreamOf(sn, resStr, id string) (*liveStream, bool) {
	res, err := strconv.Atoi(resStr)
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.media.live[liveKey{sn, res}]
	if ls == nil || !ls.active || ls.id != id {
		return nil, false
	}
	return ls, true
}

// serveLive serves <id>.flv or <id>.m3u8 of a running live stream.
func (s *Server) serveLive(w http.ResponseWriter, r *http.Request, sn, res, file string, exp time.Time) {
	id, ext, _ := strings.Cut(file, ".")
	ls, ok := s.liveStreamOf(sn, res, id)
	c, err := loadClip()
	if !ok || err != nil {
		http.NotFound(w, r)
		return
	}
	switch ext {
	case "flv":
		s.count(func(st *MediaStats) { st.FLVConnects++ })
		s.streamFLV(w, r, c, ls.epoch, ls.done, exp, 0)
	case "m3u8":
		s.count(func(st *MediaStats) { st.PlaylistFetches++ })
		s.liveplaylist(w, r, c, ls, id)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) count(f func(*MediaStats)) {
	s.mu.Lock()
	f(&s.media.stats)
	s.mu.Unlock()
}

// streamFLV sends the clip as a live FLV stream whose picture started at
// epoch: header, metadata and codec configuration, then at once the frames
// from the last keyframe up to now (as a CDN's GOP cache does, so a player
// starts at once), then each frame when it is due, looping the clip with
// timestamps that keep rising. It ends when the client goes, when done is
// closed (the stream was stopped), when the URL expires (decision: the
// CDN session lasts as long as its auth_key), or after limit (0: none).
func (s *Server) streamFLV(w http.ResponseWriter, r *http.Request, c *clip, epoch time.Time, done <-chan struct{}, exp time.Time, limit time.Duration) {
	ctx := r.Context()
	if !exp.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, exp)
		defer cancel()
	}
	w.Header().Set("Content-Type", "video/x-flv")
	w.Header().Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	loop, idx := c.position(s.now().Sub(epoch))
	buf := c.flvStart()
	for i := c.lastKeyframe(idx); i <= idx; i++ {
		buf = appendTag(buf, 9, uint32(loop)*c.duration+c.frames[i].ts, c.frames[i].data)
	}
	if _, err := w.Write(buf); err != nil || rc.Flush() != nil {
		return
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for i := idx + 1; ; i++ {
		if i == len(c.frames) {
			i, loop = 0, loop+1
		}
		ts := uint32(loop)*c.duration + c.frames[i].ts
		if limit > 0 && time.Duration(ts)*time.Millisecond >= limit {
			return
		}
		timer.Reset(epoch.Add(time.Duration(ts) * time.Millisecond).Sub(s.now()))
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-timer.C:
		}
		buf = appendTag(buf[:0], 9, ts, c.frames[i].data)
		if _, err := w.Write(buf); err != nil || rc.Flush() != nil {
			return
		}
	}
}

// liveplaylist is a sliding window of the last six complete 1 s segments.
// Each segment URI is relative to the playlist and carries its own
// auth_key, as a CDN that rewrites m3u8 for URL signing does.
func (s *Server) liveplaylist(w http.ResponseWriter, r *http.Request, c *clip, ls *liveStream, id string) {
	k := int64(s.now().Sub(ls.epoch) / c.segDur) // segments 0..k-1 are complete
	first := max(0, k-liveSegmentsListed)
	dir := strings.TrimSuffix(r.URL.Path, ".m3u8") // /live/<sn>/<res>/<id>
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:%d\n", int(c.segDur/time.Second), first)
	s.mu.Lock()
	ttl := s.media.ttl
	s.mu.Unlock()
	for n := first; n < k; n++ {
		seg := fmt.Sprintf("%s/%d.ts", dir, n)
		fmt.Fprintf(&b, "#EXTINF:%.3f,\n%s/%d.ts?auth_key=%s\n", c.segDur.Seconds(), id, n, s.signPath(seg, s.now().Add(ttl)))
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(b.String()))
}

// serveLiveSegment serves segment n of a running live stream if it is
// complete and not older than 30 s.
func (s *Server) serveLiveSegment(w http.ResponseWriter, r *http.Request, sn, res, id, file string) {
	ls, ok := s.liveStreamOf(sn, res, id)
	c, err := loadClip()
	n, perr := strconv.ParseInt(strings.TrimSuffix(file, ".ts"), 10, 64)
	if !ok || err != nil || perr != nil || !strings.HasSuffix(file, ".ts") {
		http.NotFound(w, r)
		return
	}
	k := int64(s.now().Sub(ls.epoch) / c.segDur)
	if n < 0 || n >= k || n < k-liveSegmentsKept {
		http.NotFound(w, r)
		return
	}
	s.count(func(st *MediaStats) { st.SegmentFetches++ })
	writeSegment(w, c.segment(n))
}

func writeSegment(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "video/mp2t")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// playbackOf returns the running playback named by a URL's parts.
func (s *Server) playbackOf(clientID, from string) (*playback, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pb := s.media.playbacks[clientID]
	if pb == nil || strconv.FormatInt(pb.start.Unix(), 10) != from {
		return nil, false
	}
	return pb, true
}

// servePlayback serves <start>.flv (the recording at normal speed after a
// first second at once, ending at the range's end) or <start>.m3u8 (a VOD
// playlist of the range's 1 s segments).
func (s *Server) servePlayback(w http.ResponseWriter, r *http.Request, clientID, file string, exp time.Time) {
	from, ext, _ := strings.Cut(file, ".")
	pb, ok := s.playbackOf(clientID, from)
	c, err := loadClip()
	if !ok || err != nil {
		http.NotFound(w, r)
		return
	}
	length := pb.end.Sub(pb.start)
	switch ext {
	case "flv":
		s.count(func(st *MediaStats) { st.FLVConnects++ })
		// The recording "started" just under a second ago, so its first
		// second (up to the next keyframe) goes at once.
		s.streamFLV(w, r, c, s.now().Add(-990*time.Millisecond), pb.done, exp, length)
	case "m3u8":
		s.count(func(st *MediaStats) { st.PlaylistFetches++ })
		n := int64((length + c.segDur - 1) / c.segDur)
		var b strings.Builder
		fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n", int(c.segDur/time.Second))
		dir := strings.TrimSuffix(r.URL.Path, ".m3u8")
		s.mu.Lock()
		ttl := s.media.ttl
		s.mu.Unlock()
		for i := range n {
			fmt.Fprintf(&b, "#EXTINF:%.3f,\n%s/%d.ts?auth_key=%s\n", c.segDur.Seconds(), from, i, s.signPath(fmt.Sprintf("%s/%d.ts", dir, i), s.now().Add(ttl)))
		}
		b.WriteString("#EXT-X-ENDLIST\n")
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		_, _ = w.Write([]byte(b.String()))
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) servePlaybackSegment(w http.ResponseWriter, r *http.Request, clientID, from, file string) {
	pb, ok := s.playbackOf(clientID, from)
	c, err := loadClip()
	n, perr := strconv.ParseInt(strings.TrimSuffix(file, ".ts"), 10, 64)
	if !ok || err != nil || perr != nil || n < 0 || time.Duration(n)*c.segDur >= pb.end.Sub(pb.start) {
		http.NotFound(w, r)
		return
	}
	s.count(func(st *MediaStats) { st.SegmentFetches++ })
	writeSegment(w, c.segment(n))
}

// serveSnapshot serves the JPEG of a snapshot URL: a picture drawn from the
// camera's SN and the time, so two times give two pictures.
func (s *Server) serveSnapshot(w http.ResponseWriter, r *http.Request, sn, t string) {
	s.mu.Lock()
	_, known := s.devices[sn]
	s.mu.Unlock()
	if !known {
		http.NotFound(w, r)
		return
	}
	h := sha256.Sum256([]byte(sn + "/snapshot/" + t))
	b, err := renderScreenshot(hex.EncodeToString(h[:]))
	if err != nil {
		http.Error(w, "render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// serveRecordingFile serves a recorded file of video/getList (000 gives no
// auth_key on them) as the whole clip in FLV.
func (s *Server) serveRecordingFile(w http.ResponseWriter, r *http.Request, sn string) {
	s.mu.Lock()
	_, known := s.devices[sn]
	s.mu.Unlock()
	c, err := loadClip()
	if !known || err != nil {
		http.NotFound(w, r)
		return
	}
	b := c.flvStart()
	for _, f := range c.frames {
		b = appendTag(b, 9, f.ts, f.data)
	}
	w.Header().Set("Content-Type", "video/x-flv")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}
