package connectors_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"storelens/internal/connectors"
)

// A yamux data frame's header is sent with its body in one message; any
// other write is a message of its own; the reader gets the same bytes in
// the same order.
func TestWSConnSendsDataHeaderWithBody(t *testing.T) {
	msgs := make(chan []byte, 16)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				close(msgs)
				return
			}
			msgs <- b
		}
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := connectors.NewWSConn(ws)
	data := []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 5}   // data, stream 3, 5 bytes
	window := []byte{0, 1, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0} // window update
	empty := []byte{0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 0}  // data with FIN, no body
	for _, w := range [][]byte{data, []byte("hello"), window, empty, data, []byte("again")} {
		if n, err := c.Write(w); err != nil || n != len(w) {
			t.Fatalf("write: %d %v", n, err)
		}
	}
	want := [][]byte{append(append([]byte(nil), data...), "hello"...), window, empty, append(append([]byte(nil), data...), "again"...)}
	for i, w := range want {
		select {
		case got := <-msgs:
			if !bytes.Equal(got, w) {
				t.Fatalf("message %d: %v, want %v", i, got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("message %d not sent", i)
		}
	}
	c.Close()
	if extra, ok := <-msgs; ok {
		t.Fatalf("an extra message: %v", extra)
	}
}
