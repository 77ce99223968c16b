package connectors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/yamux"
)

// accept serves the streams the edge opens (its webhook queue) until the
// session ends.
func (h *Hub) accept(ctx context.Context, t *tunnel) {
	for {
		st, err := t.sess.AcceptStream()
		if err != nil {
			return
		}
		go h.serveEdgeStream(ctx, t, st)
	}
}

func (h *Hub) serveEdgeStream(ctx context.Context, t *tunnel, st *yamux.Stream) {
	defer st.Close()
	st.SetDeadline(time.Now().Add(15 * time.Second))
	var req Request
	if err := ReadFrame(st, &req); err != nil {
		return
	}
	if req.Op != OpHooks {
		_ = WriteFrame(st, Reply{Error: "unknown operation " + req.Op})
		return
	}
	if err := WriteFrame(st, Reply{OK: true}); err != nil {
		return
	}
	st.SetDeadline(time.Time{})
	if err := h.serveHooks(ctx, t, st); err != nil && !errors.Is(err, io.EOF) && ctx.Err() == nil {
		h.log().Warn("connector hook stream ended", "shop", t.conn.ShopID, "err", err)
	}
}

// serveHooks reads the edge's queued posts in order and answers each once
// it is stored (store, then acknowledge). After a "retry" answer it ends
// the stream, so nothing later is stored before the post that failed.
func (h *Hub) serveHooks(ctx context.Context, t *tunnel, st *yamux.Stream) error {
	shop := t.conn.ShopID
	for {
		// A quiet edge reports every 2 s; three missed reports end it.
		st.SetReadDeadline(time.Now().Add(h.keepalive() + 10*time.Second))
		var hd HookHeader
		if err := ReadFrame(st, &hd); err != nil {
			return err
		}
		if hd.Len < 0 || hd.Len > MaxHookBody {
			return fmt.Errorf("post %d of %d bytes", hd.ID, hd.Len)
		}
		body := make([]byte, hd.Len)
		if _, err := io.ReadFull(st, body); err != nil {
			return err
		}
		h.report(shop, func(q *QueueReport) {
			q.At, q.Depth, q.Max, q.Full = time.Now(), hd.Depth, hd.Max, hd.Full
			if hd.FullAt > 0 {
				q.FullAt = time.Unix(0, hd.FullAt)
			}
		})
		if hd.ID == 0 {
			continue
		}
		ack := HookAck{ID: hd.ID, Result: HookStored}
		if h.Webhook == nil {
			ack.Result, ack.Error = HookRetry, "this server does not store webhook posts"
		} else {
			_, err := h.Webhook(ctx, shop, time.Unix(0, hd.Received), hd.ContentType, body)
			switch {
			case err == nil:
				h.report(shop, func(q *QueueReport) { q.Stored++ })
			case errors.Is(err, ErrHookRefused):
				ack.Result, ack.Error = HookRefused, err.Error()
				h.log().Warn("connector post refused", "shop", shop, "err", err)
				h.report(shop, func(q *QueueReport) { q.Refused++ })
			default:
				ack.Result, ack.Error = HookRetry, err.Error()
				h.log().Error("connector post not stored; the edge keeps it", "shop", shop, "err", err)
				h.report(shop, func(q *QueueReport) { q.Failures++ })
			}
		}
		st.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if err := WriteFrame(st, ack); err != nil {
			return err
		}
		if ack.Result == HookRetry {
			return errors.New(ack.Error)
		}
	}
}

func (h *Hub) report(shop uint, f func(*QueueReport)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.queues == nil {
		h.queues = map[uint]QueueReport{}
	}
	q := h.queues[shop]
	f(&q)
	h.queues[shop] = q
}

// Queue is the last queue report of shop's edge (ok false: none yet).
func (h *Hub) Queue(shop uint) (QueueReport, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	q, ok := h.queues[shop]
	return q, ok
}

// OfflineAfter is how long a connector may be offline before the home
// page flags it as it flags an offline camera (the one rule: Flagged).
const OfflineAfter = 5 * time.Minute

// Online reports whether connector id of shop has its tunnel up.
func (h *Hub) Online(shop, id uint) bool {
	t := h.tunnelOf(shop)
	return t != nil && t.conn.ID == id
}

// Flagged reports whether a connector offline since lastSeen (nil: never
// connected; then since it was paired) is flagged at now.
func Flagged(online bool, lastSeen *time.Time, paired, now time.Time) bool {
	if online {
		return false
	}
	since := paired
	if lastSeen != nil {
		since = *lastSeen
	}
	return now.Sub(since) > OfflineAfter
}

// HookCallback is the webhook callback for a camera of shop: the paired
// edge's receiver on the shop's LAN (via true), as it last reported it.
// via false: the shop has no connector (the central's own callback).
func (h *Hub) HookCallback(ctx context.Context, shop uint) (callback string, via bool, err error) {
	paired, err := h.Paired(ctx, shop)
	if err != nil || !paired {
		return "", false, err
	}
	if t := h.tunnelOf(shop); t != nil {
		return t.hook, true, nil
	}
	c, err := h.Store.ShopConnector(ctx, shop)
	if err != nil {
		return "", true, err
	}
	return c.HookURL, true, nil
}
