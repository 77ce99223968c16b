package edge

// The webhook receiver and its outbox (issue 15, "nothing lost while the
// WAN is down").
//
// In chain mode the central gives each webhook camera of the shop the
// edge's LAN address as its hook/add callback (the edge reports it in the
// tunnel handshake, connectors.Auth.Hook). The edge:
//   - checks a post is a notification post (multipart with 003's fields:
//     lanevents.ParseWebhook) so a stray LAN client cannot fill the queue,
//     but verifies no signature: it holds no camera secret;
//   - writes the raw body and its Content-Type to the queue (SQLite,
//     synchronous=FULL) BEFORE it answers the camera {"code":0};
//   - answers 503 {"code":7} when the queue is full (the camera retries,
//     003 §1.3's poster does) and counts it; the count reaches the
//     central in every status report and the connector tab shows it as an
//     alert;
//   - forwards the posts in order over the tunnel (connectors.OpHooks) to
//     the central's webhook receiver, which verifies and stores each once
//     (its dedupe is the one rule), and deletes a post only on the answer
//     stored (or refused for good); a "retry" answer or a dropped tunnel
//     starts again from the oldest post kept.
//
// Where the message channel ends (003 §2): at the central, through the
// tunnel, as on a LAN. The camera keeps unacknowledged events and sends
// them again on the next connection (NOTES.md item 43, the simulator's
// rule; 003 itself says nothing about redelivery or its buffer), so the
// edge needs no camera credentials. But nothing at the edge makes it
// durable: how much a real camera holds through a long outage is not in
// 003. The webhook path is the one with the edge's durable queue, so a
// chain shop that must lose nothing in a WAN outage uses webhook delivery.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"

	"storelens/internal/connectors"
	"storelens/internal/vendors/sunmilan/lanevents"
)

// hookWindow is how many posts may wait for the central's answer.
const hookWindow = 32

// hookStats are the receiver's counters.
type hookStats struct {
	received  atomic.Int64
	forwarded atomic.Int64
	full      atomic.Int64
	fullAt    atomic.Int64
	refused   atomic.Int64 // refused by the central for good
}

// HookHandler is the cameras' webhook receiver (the callback given to
// hook/add); nil when the edge has no queue.
func (e *Edge) HookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer := func(status, code int, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "msg": msg})
		}
		if r.Method != http.MethodPost || e.cfg.Queue == nil {
			answer(http.StatusMethodNotAllowed, 2, "POST a notification")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, connectors.MaxHookBody))
		if err != nil {
			answer(http.StatusRequestEntityTooLarge, 2, "body too large")
			return
		}
		ct := r.Header.Get("Content-Type")
		if _, err := lanevents.ParseWebhook(ct, bytes.NewReader(body)); errors.Is(err, lanevents.ErrTooLarge) {
			answer(http.StatusRequestEntityTooLarge, 2, "body too large")
			return
		} else if err != nil {
			answer(http.StatusBadRequest, 2, "not a notification post")
			return
		}
		_, err = e.cfg.Queue.Put(r.Context(), Post{Received: time.Now(), ContentType: ct, Body: body})
		switch {
		case errors.Is(err, ErrQueueFull):
			e.hooks.full.Add(1)
			e.hooks.fullAt.Store(time.Now().UnixNano())
			e.log.Error("webhook queue full: post refused (the camera retries)", "max", e.cfg.Queue.Max())
			answer(http.StatusServiceUnavailable, 7, "queue full")
			return
		case err != nil:
			e.log.Error("webhook queue write failed", "err", err)
			answer(http.StatusServiceUnavailable, 7, "try again")
			return
		}
		e.hooks.received.Add(1)
		select {
		case e.wake <- struct{}{}:
		default:
		}
		answer(http.StatusOK, 0, "")
	})
}

// UseQueue makes the edge the cameras' webhook receiver with q as its
// outbox, reachable at hookURL on the LAN (before Run).
func (e *Edge) UseQueue(q *Queue, hookURL string) {
	e.mu.Lock()
	e.cfg.Queue, e.cfg.HookURL = q, hookURL
	e.mu.Unlock()
}

func (e *Edge) header(id int64) connectors.HookHeader {
	h := connectors.HookHeader{ID: id, Full: e.hooks.full.Load(), FullAt: e.hooks.fullAt.Load()}
	if e.cfg.Queue != nil {
		h.Depth, h.Max = e.cfg.Queue.Depth(), e.cfg.Queue.Max()
	}
	return h
}

// forward drains the queue over sess until it ends, opening the hooks
// stream again after a failure (a "retry", a broken stream).
func (e *Edge) forward(ctx context.Context, sess *yamux.Session) {
	for {
		err := e.forwardOnce(ctx, sess)
		if ctx.Err() != nil || sess.IsClosed() {
			return
		}
		e.log.Warn("webhook forwarding paused", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-sess.CloseChan():
			return
		case <-time.After(time.Second):
		}
	}
}

func (e *Edge) forwardOnce(ctx context.Context, sess *yamux.Session) error {
	st, err := sess.OpenStream()
	if err != nil {
		return err
	}
	defer st.Close()
	st.SetDeadline(time.Now().Add(15 * time.Second))
	if err := connectors.WriteFrame(st, connectors.Request{Op: connectors.OpHooks}); err != nil {
		return err
	}
	var rep connectors.Reply
	if err := connectors.ReadFrame(st, &rep); err != nil {
		return err
	}
	if !rep.OK {
		return errors.New("the central does not take posts: " + rep.Error)
	}
	st.SetDeadline(time.Time{})
	acks := make(chan connectors.HookAck, hookWindow)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(acks)
		for {
			var a connectors.HookAck
			if err := connectors.ReadFrame(st, &a); err != nil {
				readErr <- err
				return
			}
			select {
			case acks <- a:
			case <-done:
				return
			}
		}
	}()
	send := func(h connectors.HookHeader, body []byte) error {
		st.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if err := connectors.WriteFrame(st, h); err != nil {
			return err
		}
		if len(body) > 0 {
			if _, err := st.Write(body); err != nil {
				return err
			}
		}
		return nil
	}
	if err := send(e.header(0), nil); err != nil { // the queue's state at once
		return err
	}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	var inflight []int64
	var last int64
	for {
		for e.cfg.Queue != nil && len(inflight) < hookWindow {
			posts, err := e.cfg.Queue.After(ctx, last, hookWindow-len(inflight))
			if err != nil {
				return err
			}
			if len(posts) == 0 {
				break
			}
			for _, p := range posts {
				h := e.header(p.ID)
				h.Received, h.ContentType, h.Len = p.Received.UnixNano(), p.ContentType, len(p.Body)
				if err := send(h, p.Body); err != nil {
					return err
				}
				inflight, last = append(inflight, p.ID), p.ID
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sess.CloseChan():
			return errors.New("session closed")
		case <-e.wake:
		case <-tick.C:
			if err := send(e.header(0), nil); err != nil {
				return err
			}
		case a, ok := <-acks:
			if !ok {
				return <-readErr
			}
			if len(inflight) == 0 || a.ID != inflight[0] {
				return errors.New("the central answered a post out of order")
			}
			inflight = inflight[1:]
			switch a.Result {
			case connectors.HookStored, connectors.HookRefused:
				if a.Result == connectors.HookRefused {
					e.hooks.refused.Add(1)
					e.log.Warn("the central refused a queued post for good; dropped", "id", a.ID, "err", a.Error)
				}
				if err := e.cfg.Queue.Delete(ctx, a.ID); err != nil {
					return err
				}
				e.hooks.forwarded.Add(1)
				if len(inflight) == 0 { // drained: the central sees it at once
					if err := send(e.header(0), nil); err != nil {
						return err
					}
				}
			default:
				return errors.New("the central could not store a post now: " + a.Error)
			}
		}
	}
}

// HookURL is the callback cameras are given for a receiver listening on
// addr: its own address, or, when it listens on every interface, this
// box's first address inside the dial policy's ranges (the shop's LAN).
func HookURL(addr net.Addr, p *Policy) (string, error) {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return "", fmt.Errorf("not a TCP address: %v", addr)
	}
	ip := ta.IP
	if ip.IsUnspecified() {
		ip = nil
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			return "", err
		}
		for _, a := range addrs {
			in, ok := a.(*net.IPNet)
			if !ok || in.IP.IsLoopback() || in.IP.To4() == nil {
				continue
			}
			na, ok := netip.AddrFromSlice(in.IP.To4())
			if !ok {
				continue
			}
			for _, pf := range p.Allow {
				if pf.Contains(na) {
					ip = in.IP
					break
				}
			}
			if ip != nil {
				break
			}
		}
		if ip == nil {
			return "", errors.New("no address of this box is inside the allowed LAN ranges")
		}
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(ta.Port)) + HookPath, nil
}

// HookPath is the receiver's path in the callback.
const HookPath = "/hooks/sunmi-ipc"
