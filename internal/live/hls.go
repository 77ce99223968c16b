package live

import (
	"bytes"
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Playlist rewriting (RFC 8216): every URI in a playlist, master or media,
// is resolved against the playlist's own URL and replaced by one of ours,
// so the browser fetches everything through the proxy. URIs are the lines
// that are not tags, and the URI="..." attributes of EXT-X-MAP, EXT-X-KEY,
// EXT-X-SESSION-KEY, EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF, EXT-X-PART,
// EXT-X-PRELOAD-HINT and EXT-X-RENDITION-REPORT. Byte ranges
// (EXT-X-BYTERANGE, BYTERANGE= attributes) stay as they are: the browser
// sends the range with its request and the proxy passes it on.

// maxPlaylist bounds a playlist we are willing to read.
const maxPlaylist = 2 << 20

var errNotPlaylist = errors.New("live: upstream is not an HLS playlist")

// uriAttr matches a URI attribute at the start of an attribute list or
// after a comma (so EXAMPLE-URI="..." does not count).
var uriAttr = regexp.MustCompile(`([:,])URI="([^"]*)"`)

// playlistTags are the tags whose URI attribute names another playlist.
var playlistTags = []string{"#EXT-X-MEDIA:", "#EXT-X-I-FRAME-STREAM-INF:", "#EXT-X-RENDITION-REPORT:"}

// mapFunc turns an upstream URI (absolute) into the URI the browser gets.
// playlist says whether it names a playlist (to be rewritten in turn) or a
// resource (a segment, an init section, a key).
type mapFunc func(abs *url.URL, playlist bool) (string, error)

// rewritePlaylist rewrites body, fetched from base, with m.
func rewritePlaylist(body []byte, base *url.URL, m mapFunc) ([]byte, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if !bytes.HasPrefix(body, []byte("#EXTM3U")) {
		return nil, errNotPlaylist
	}
	var out bytes.Buffer
	out.Grow(len(body) + len(body)/4)
	nextIsPlaylist := false // the URI line after EXT-X-STREAM-INF is a variant playlist
	for _, line := range strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			out.WriteString(line)
		case strings.HasPrefix(trimmed, "#"):
			if strings.HasPrefix(trimmed, "#EXT-X-STREAM-INF:") {
				nextIsPlaylist = true
			}
			isPlaylist := false
			for _, t := range playlistTags {
				isPlaylist = isPlaylist || strings.HasPrefix(trimmed, t)
			}
			var ferr error
			line = uriAttr.ReplaceAllStringFunc(trimmed, func(attr string) string {
				sub := uriAttr.FindStringSubmatch(attr)
				u, err := mapURI(sub[2], base, isPlaylist || isPlaylistPath(sub[2]), m)
				if err != nil {
					ferr = err
					return attr
				}
				return sub[1] + `URI="` + u + `"`
			})
			if ferr != nil {
				return nil, ferr
			}
			out.WriteString(line)
		default:
			u, err := mapURI(trimmed, base, nextIsPlaylist || isPlaylistPath(trimmed), m)
			if err != nil {
				return nil, err
			}
			nextIsPlaylist = false
			out.WriteString(u)
		}
		out.WriteByte('\n')
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// mapURI resolves ref against base and maps it. data: URIs (an inline key)
// are kept: they fetch nothing.
func mapURI(ref string, base *url.URL, playlist bool, m mapFunc) (string, error) {
	if strings.HasPrefix(strings.ToLower(ref), "data:") {
		return ref, nil
	}
	u, err := base.Parse(ref)
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("live: playlist names a URI that is not http(s)")
	}
	u.Fragment = ""
	return m(u, playlist)
}

// isPlaylistPath guesses from the name: a URI ending in .m3u8 or .m3u is a
// playlist wherever it appears.
func isPlaylistPath(ref string) bool {
	p, _, _ := strings.Cut(ref, "?")
	p = strings.ToLower(p)
	return strings.HasSuffix(p, ".m3u8") || strings.HasSuffix(p, ".m3u")
}
