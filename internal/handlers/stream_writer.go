package handlers

import (
	"bufio"
	"net"
	"net/http"
)

// streamable gives the router a ResponseWriter that can flush and be
// hijacked. The session middleware (scs) wraps the server's writer in one
// that has neither (only Unwrap), and Gin asserts both on the writer it is
// handed: without this, Flush silently does nothing (a video stream would
// sit in buffers) and a websocket upgrade panics.
func streamable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&flushHijacker{ResponseWriter: w}, r)
	})
}

type flushHijacker struct{ http.ResponseWriter }

func (f *flushHijacker) Flush() { _ = http.NewResponseController(f.ResponseWriter).Flush() }

func (f *flushHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(f.ResponseWriter).Hijack()
}

func (f *flushHijacker) Unwrap() http.ResponseWriter { return f.ResponseWriter }
