package alerts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"storelens/internal/models"
)

// Run is the worker: it flushes published alert events into the outbox
// and sends due messages, until ctx ends. It picks up what an earlier
// process stored and did not send.
func (s *Service) Run(ctx context.Context) error {
	var sendAt time.Time // the next look at the due messages
	for {
		if _, err := s.Flush(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("alerts: outbox store failed; will retry", "err", err)
		}
		now := s.cfg.Now()
		if !now.Before(sendAt) && !s.notSending.Load() {
			// Flushed messages are due at once; a round that sent nothing
			// (every channel waiting for its window or its backoff) waits
			// for the earliest of those, at most Poll, and is not re-run
			// by each new batch of events meanwhile.
			sent, err := s.sendDue(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("alerts: sending failed", "err", err)
			}
			sendAt = now
			if !sent {
				sendAt = now.Add(s.idleWait(ctx))
			}
		}
		s.mu.Lock()
		close(s.flushed)
		s.flushed = make(chan struct{})
		s.mu.Unlock()
		wait := max(time.Until(sendAt), 0)
		if wait == 0 {
			wait = time.Millisecond
		}
		t := time.NewTimer(min(wait, s.cfg.Poll))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.wake:
			// Gather the events of the next few batches into one flush:
			// one channel lookup and one INSERT for all of them.
			select {
			case <-time.After(s.cfg.FlushEvery):
			case <-ctx.Done():
			}
			if sendAt.IsZero() || !sendAt.After(s.cfg.Now()) {
				sendAt = time.Time{}
			}
		case <-t.C:
		}
		t.Stop()
	}
}

// idleWait is how long nothing can be sent: until the earliest pending
// message is due or a waiting channel's window or backoff ends (at most Poll).
func (s *Service) idleWait(ctx context.Context) time.Duration {
	now := s.cfg.Now()
	wait := s.cfg.Poll
	s.limMu.Lock()
	for _, t := range s.paused {
		if d := t.Sub(now); d > 0 && d < wait {
			wait = d
		}
	}
	s.limMu.Unlock()
	if at, ok, err := s.cfg.Store.NextAlertDue(ctx); err == nil && ok {
		if d := at.Sub(now); d > 0 && d < wait {
			wait = d
		}
	}
	return max(wait, 5*time.Millisecond)
}

// Rounds returns a channel closed after the worker's next round (tests).
func (s *Service) Rounds() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushed
}

// sendDue sends the due messages, each channel in its own goroutine (at
// most 8 at once), each channel's messages in order.
func (s *Service) sendDue(ctx context.Context) (bool, error) {
	// Held-back channels are left out of the batch (limits.go): a channel
	// waiting for its window must not fill it and starve the others.
	due, err := s.cfg.Store.DueAlertsExcept(ctx, s.cfg.Now(), 1000, s.heldBack())
	if err != nil || len(due) == 0 {
		return false, err
	}
	byChan := map[uint][]*models.AlertOutbox{}
	var order []uint
	for i := range due {
		o := &due[i]
		if _, ok := byChan[o.ChannelID]; !ok {
			order = append(order, o.ChannelID)
		}
		byChan[o.ChannelID] = append(byChan[o.ChannelID], o)
	}
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	var sent atomic.Bool
	for _, id := range order {
		c, err := s.cfg.Store.AlertChannel(ctx, id)
		if err != nil {
			if errors.Is(err, models.ErrNotFound) {
				continue // deleted meanwhile (its outbox went with it)
			}
			return false, err
		}
		if !c.Enabled {
			continue // kept until the channel is enabled again
		}
		if s.pausedUntil(c.ID).After(s.cfg.Now()) {
			continue // a failed send's backoff holds the whole channel
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(c models.AlertChannel, msgs []*models.AlertOutbox) {
			defer func() { <-sem; wg.Done() }()
			if s.sendChannel(ctx, c, msgs) {
				sent.Store(true)
			}
		}(c, byChan[id])
	}
	wg.Wait()
	return sent.Load(), nil
}

// sendChannel sends a channel's due messages within its rate limit: while
// the window has room each goes alone; when the messages waiting outnumber
// the room left, the last slot carries one summary of the rest. A failure
// that may pass stops the channel for this round (the rest keep their order).
func (s *Service) sendChannel(ctx context.Context, c models.AlertChannel, msgs []*models.AlertOutbox) (sent bool) {
	unlock := s.lockChannel(c.ID)
	defer unlock()
	msgs = s.foldHeld(ctx, c, msgs) // rules.go: quiet hours' messages as one
	for i := 0; i < len(msgs) && ctx.Err() == nil; i++ {
		room := s.room(ctx, c)
		if room <= 0 {
			// The next round, once the window has moved.
			s.pause(c.ID, s.cfg.Now().Add(s.waitForLocked(c)))
			return sent
		}
		o := msgs[i]
		if left := len(msgs) - i; left > room && left > 1 && room == 1 {
			sum, err := s.summarise(ctx, c, msgs[i:])
			if err != nil {
				s.log.Warn("alerts: summary not stored", "channel", c.ID, "err", err)
				return sent
			}
			o = sum
			i = len(msgs) // the summary is the round's last send
		}
		if err := s.attempt(ctx, c, o, false); err != nil {
			return sent
		}
		sent = true
	}
	return sent
}

// summarise stores one summary of msgs (as many as fit in a message) and
// marks them delivered inside it; those that do not fit stay pending.
func (s *Service) summarise(ctx context.Context, c models.AlertChannel, msgs []*models.AlertOutbox) (*models.AlertOutbox, error) {
	now := s.cfg.Now().UTC()
	head := fmt.Sprintf("### %d 条提醒（超出每分钟 %d 条的频率限制，合并发送）\n\n", len(msgs), s.ChannelLimit(c).N)
	var b strings.Builder
	var ids []int64
	for _, m := range msgs {
		line := "- " + m.Title
		if m.Link != "" {
			line += fmt.Sprintf(" [查看](%s)", m.Link)
		}
		line += "\n"
		if len(head)+b.Len()+len(line) > MaxMarkdown-64 {
			break
		}
		b.WriteString(line)
		ids = append(ids, m.ID)
	}
	if len(ids) < len(msgs) {
		head = fmt.Sprintf("### %d 条提醒（超出频率限制，合并发送；其余 %d 条随后发送）\n\n", len(ids), len(msgs)-len(ids))
	}
	sum := &models.AlertOutbox{ChannelID: c.ID, ShopID: c.ShopID, DedupeKey: fmt.Sprintf("summary:%d-%d", ids[0], ids[len(ids)-1]),
		Kind: "summary", Title: fmt.Sprintf("%d 条提醒", len(ids)), Body: head + b.String(), State: models.OutboxPending,
		NextAt: now, CreatedAt: now}
	return sum, s.cfg.Store.SummariseAlerts(ctx, sum, ids)
}

// attempt sends one message and records the outcome; it returns the send
// error, if any.
func (s *Service) attempt(ctx context.Context, c models.AlertChannel, o *models.AlertOutbox, test bool) error {
	t, err := s.Open(c)
	start := s.cfg.Now()
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, s.cfg.SendTimeout)
		m := Message{Title: o.Title, Markdown: o.Body, PictureURL: o.PictureURL, Link: o.Link}
		s.attachPicture(sctx, c, o, &m) // email.go
		err = Send(sctx, s.cfg.HTTP, t, m, start)
		cancel()
	}
	end := s.cfg.Now()
	s.noteAttempt(c.ID, end)
	d := models.AlertDelivery{ChannelID: c.ID, OutboxID: o.ID, At: end.UTC(), Millis: end.Sub(start).Milliseconds()}
	o.Attempts++
	var se *SendError
	switch {
	case err == nil:
		s.pause(c.ID, time.Time{})
		at := end.UTC()
		o.State, o.SentAt, o.LastError = models.OutboxSent, &at, ""
		d.Outcome = models.DeliverySent
	case errors.As(err, &se) && se.Retry && !test && o.Attempts < s.cfg.MaxAttempts && ctx.Err() == nil:
		next := s.backoff(o.Attempts)
		if se.Throttled {
			next = max(next, s.ChannelLimit(c).Per)
		}
		s.pause(c.ID, end.Add(next))
		o.State, o.NextAt, o.LastError = models.OutboxPending, end.Add(next), err.Error()
		d.Outcome, d.Detail = models.DeliveryRetried, fmt.Sprintf("%s; next try in %s", err, next.Round(time.Millisecond))
	case ctx.Err() != nil && !test:
		// Stopping: the message stays pending for the next worker.
		o.State, o.NextAt, o.LastError = models.OutboxPending, end, err.Error()
		d.Outcome, d.Detail = models.DeliveryRetried, "stopped: "+err.Error()
	default:
		o.State, o.LastError = models.OutboxFailed, err.Error()
		d.Outcome, d.Detail = models.DeliveryFailed, err.Error()
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if rerr := s.cfg.Store.RecordAlertAttempt(rctx, o, d); rerr != nil {
		s.log.Error("alerts: delivery not recorded", "outbox", o.ID, "err", rerr)
	}
	return err
}

// backoff is the delay before the attempt after the n-th: Backoff doubled
// each time, at most MaxBackoff.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < n && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxBackoff)
}

// The rate limiter: the end times of each channel's attempts within its
// window. An attempt counts from when its answer came (or its error), so
// the robot, which counts from when it received the post (earlier), never
// sees more than N in any window.

func (s *Service) lockChannel(id uint) func() {
	m, _ := s.locks.LoadOrStore(id, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// room is how many more sends the channel's window allows now (0 while
// its burst window, if its kind has one, is full).
func (s *Service) room(ctx context.Context, c models.AlertChannel) int {
	lim := s.ChannelLimit(c)
	now := s.cfg.Now()
	s.limMu.Lock()
	list, ok := s.sent[c.ID]
	s.limMu.Unlock()
	if !ok {
		// After a restart: the attempts the log remembers.
		seed, err := s.cfg.Store.AlertAttemptsSince(ctx, c.ID, now.Add(-lim.Per))
		if err != nil {
			return 0
		}
		s.limMu.Lock()
		if _, ok := s.sent[c.ID]; !ok {
			s.sent[c.ID] = seed
		}
		list = s.sent[c.ID]
		s.limMu.Unlock()
	}
	if b, ok := s.burstOf(c); ok && inWindow(list, now, b.Per) >= b.N {
		return 0
	}
	return lim.N - inWindow(list, now, lim.Per)
}

// waitFor is how long until the channel may send again (0: now).
func (s *Service) waitFor(c models.AlertChannel) time.Duration {
	if s.room(context.Background(), c) > 0 {
		return 0
	}
	return s.waitForLocked(c)
}

// waitForLocked is when a full window (the channel's, or its burst
// window) has room again: when its oldest attempts leave it.
func (s *Service) waitForLocked(c models.AlertChannel) time.Duration {
	s.limMu.Lock()
	defer s.limMu.Unlock()
	list := s.sent[c.ID]
	now := s.cfg.Now()
	wait := windowWait(list, now, s.ChannelLimit(c))
	if b, ok := s.burstOf(c); ok {
		wait = max(wait, windowWait(list, now, b))
	}
	return wait
}

func (s *Service) noteAttempt(id uint, at time.Time) {
	s.limMu.Lock()
	defer s.limMu.Unlock()
	list := s.sent[id]
	// Keep the last hour at most (the longest window a kind has).
	for len(list) > 0 && at.Sub(list[0]) > time.Hour {
		list = list[1:]
	}
	s.sent[id] = append(list, at)
}

// pause holds a channel's sends until t (a robot that is down is not
// offered its other messages meanwhile, which would spend its rate).
func (s *Service) pause(id uint, t time.Time) {
	s.limMu.Lock()
	defer s.limMu.Unlock()
	if t.IsZero() {
		delete(s.paused, id)
		return
	}
	s.paused[id] = t
}

func (s *Service) pausedUntil(id uint) time.Time {
	s.limMu.Lock()
	defer s.limMu.Unlock()
	return s.paused[id]
}
