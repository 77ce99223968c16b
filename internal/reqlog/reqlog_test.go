package reqlog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/gorilla/websocket"
)

func TestHandlerAddsTheContextID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil)))
	ctx := WithID(context.Background(), "abc123")
	log.InfoContext(ctx, "one")
	log.Info("two")                                   // no context: no id
	log.With(Key, "abc123").InfoContext(ctx, "three") // already there: not twice
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	var one, two map[string]any
	_ = json.Unmarshal(lines[0], &one)
	_ = json.Unmarshal(lines[1], &two)
	if one[Key] != "abc123" {
		t.Errorf("line with the request's context: %s", lines[0])
	}
	if _, ok := two[Key]; ok {
		t.Errorf("line without a request: %s", lines[1])
	}
	if n := bytes.Count(lines[2], []byte(`"request_id"`)); n != 1 {
		t.Errorf("the id appears %d times: %s", n, lines[2])
	}
}

func TestValid(t *testing.T) {
	for id, want := range map[string]bool{
		"f3a9c2d1e0b4a5c6": true, "req-1_2.3:4": true, "": false, "a b": false, "a\nb": false, `a"b`: false,
		string(bytes.Repeat([]byte("a"), 65)): false, string(bytes.Repeat([]byte("a"), 64)): true,
	} {
		if Valid(id) != want {
			t.Errorf("Valid(%q) = %v", id, !want)
		}
	}
	if a, b := NewID(), NewID(); a == b || !Valid(a) || len(a) != 16 {
		t.Errorf("NewID: %q %q", a, b)
	}
}

func TestClientGone(t *testing.T) {
	gone := []error{
		context.Canceled,
		fmt.Errorf("stream: %w", context.Canceled),
		&net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)},
		&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)},
		&websocket.CloseError{Code: websocket.CloseGoingAway},
		fmt.Errorf("viewer: %w", &websocket.CloseError{Code: websocket.CloseNoStatusReceived}),
	}
	for _, err := range gone {
		if !ClientGone(err) {
			t.Errorf("ClientGone(%v) = false", err)
		}
	}
	ours := []error{nil, context.DeadlineExceeded, fmt.Errorf("disk full"), &websocket.CloseError{Code: websocket.CloseInternalServerErr},
		&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	for _, err := range ours {
		if ClientGone(err) {
			t.Errorf("ClientGone(%v) = true", err)
		}
	}
}
