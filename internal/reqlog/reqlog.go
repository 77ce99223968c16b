// Package reqlog carries a request's id through its context and onto every
// log line written with that context, and tells a client that went away
// (closed tab, stopped player) from a fault of ours.
package reqlog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"

	"github.com/gorilla/websocket"
)

// Key is the attribute name of the request id on log lines.
const Key = "request_id"

// Header is the HTTP header that carries the request id both ways.
const Header = "X-Request-ID"

type idKey struct{}

// WithID returns ctx carrying the request id.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, idKey{}, id)
}

// ID returns the request id of ctx, "" when there is none.
func ID(ctx context.Context) string {
	id, _ := ctx.Value(idKey{}).(string)
	return id
}

// NewID returns a fresh random request id (16 hex digits).
func NewID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Valid reports whether id, taken from a proxy's X-Request-ID, may be used
// as is: 1 to 64 characters of letters, digits, '-', '_', '.' and ':' (so a
// forged header cannot put spaces, quotes or new lines into a log line or
// a page).
func Valid(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// Handler adds the request id of the record's context to every record,
// unless the logger already carries one (a logger made With(Key, id)).
type Handler struct {
	inner slog.Handler
	has   bool // Key was added with WithAttrs
}

// NewHandler wraps h.
func NewHandler(h slog.Handler) *Handler { return &Handler{inner: h} }

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if !h.has && ctx != nil {
		if id := ID(ctx); id != "" {
			r = r.Clone()
			r.AddAttrs(slog.String(Key, id))
		}
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	has := h.has
	for _, a := range attrs {
		if a.Key == Key {
			has = true
		}
	}
	return &Handler{inner: h.inner.WithAttrs(attrs), has: has}
}

// WithGroup implements slog.Handler. A logger made WithGroup puts the id
// inside its group, like any attribute added later.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), has: h.has}
}

// ClientGone reports whether err only says that the client went away: the
// request's context was canceled, the connection was reset or its pipe
// broken while we wrote, or a websocket was closed by the browser (1001
// going away, 1005 no status: a tab closed, a player stopped). Such a
// request is logged at info level, not as a failure.
func ClientGone(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, http.ErrAbortHandler) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) {
		return true
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case websocket.CloseGoingAway, websocket.CloseNoStatusReceived, websocket.CloseNormalClosure:
			return true
		}
	}
	return false
}
