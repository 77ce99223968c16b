package traffic

import (
	"context"
	"errors"
	"fmt"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors"
)

// Backfill states.
const (
	BackfillRunning = "running"
	BackfillPaused  = "paused"
	BackfillFailed  = "failed"
	BackfillDone    = "done"
)

// ErrBadRange is a backfill range that cannot be pulled.
var ErrBadRange = errors.New("traffic: bad backfill range")

// StartBackfill records a backfill of from..to (closed days, at most two
// years) for the shop and wakes the worker. It replaces a previous one.
func (s *Service) StartBackfill(ctx context.Context, shopID uint, from, to vendors.Date) error {
	sh, err := s.Store.TrafficShopOf(ctx, models.AllShops(), shopID)
	if err != nil {
		return err
	}
	if !sh.HasTrafficSource() {
		return ErrNoSource
	}
	today := vendors.DateOf(s.now(), Zone(sh.Timezone))
	switch {
	case to.Before(from):
		return fmt.Errorf("%w: it ends before it starts", ErrBadRange)
	case !to.Before(today):
		return fmt.Errorf("%w: it must end before today", ErrBadRange)
	case from.DaysTo(to)+1 > MaxBackfillDays:
		return fmt.Errorf("%w: at most %d days", ErrBadRange, MaxBackfillDays)
	}
	defer s.lock(shopID)()
	st, err := s.Store.TrafficSyncState(ctx, shopID)
	if err != nil {
		return err
	}
	st.BackfillState, st.BackfillFrom, st.BackfillTo, st.BackfillNext = BackfillRunning, from.String(), to.String(), from.String()
	st.BackfillTotal, st.BackfillDone, st.BackfillError = from.DaysTo(to)+1, 0, ""
	if err := s.Store.SaveTrafficSync(ctx, &st); err != nil {
		return err
	}
	s.kick()
	return nil
}

// SetBackfillState pauses (paused) or resumes (running) a shop's backfill
// from where it stopped.
func (s *Service) SetBackfillState(ctx context.Context, shopID uint, state string) error {
	defer s.lock(shopID)()
	st, err := s.Store.TrafficSyncState(ctx, shopID)
	if err != nil {
		return err
	}
	if st.BackfillNext == "" || st.BackfillState == BackfillDone {
		return fmt.Errorf("%w: nothing to resume", ErrBadRange)
	}
	st.BackfillState = state
	if state == BackfillRunning {
		st.BackfillError = ""
	}
	if err := s.Store.SaveTrafficSync(ctx, &st); err != nil {
		return err
	}
	s.kick()
	return nil
}

func (s *Service) kick() {
	select {
	case s.wakeCh() <- struct{}{}:
	default:
	}
}

// backfillLoop steps every running backfill, a chunk at a time, shop after
// shop, until none runs; then it sleeps until woken or BackfillPoll.
// Backfills left running by a stopped server resume at start; one started
// on another instance (several instances: this loop runs on the leader,
// package leader) is found by the poll.
func (s *Service) backfillLoop(ctx context.Context) {
	every := s.BackfillPoll
	if every <= 0 {
		every = 30 * time.Second
	}
	poll := time.NewTicker(every)
	defer poll.Stop()
	for {
		for {
			progressed, err := s.BackfillStep(ctx)
			if err != nil && ctx.Err() == nil {
				s.log().Warn("traffic backfill", "err", err)
			}
			if !progressed || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wakeCh():
		case <-poll.C:
		}
	}
}

// BackfillStep pulls one chunk of every running backfill and reports
// whether any ran.
func (s *Service) BackfillStep(ctx context.Context) (bool, error) {
	shops, err := s.Store.TrafficShops(ctx, models.AllShops())
	if err != nil {
		return false, err
	}
	ids := make([]uint, len(shops))
	for i, sh := range shops {
		ids[i] = sh.ID
	}
	states, err := s.Store.TrafficSyncStates(ctx, ids)
	if err != nil {
		return false, err
	}
	ran := false
	for _, sh := range shops {
		if states[sh.ID].BackfillState != BackfillRunning || ctx.Err() != nil {
			continue
		}
		ran = true
		if err := s.backfillChunk(ctx, sh); err != nil && !errors.Is(err, context.Canceled) {
			s.log().Warn("traffic backfill step failed", "shop", sh.ID, "err", err)
		}
	}
	return ran, nil
}

// backfillChunk pulls the next days of one shop's backfill (skipping days
// it already has closed) and moves its cursor; a failure stops it as
// failed, to be resumed from the same day.
func (s *Service) backfillChunk(ctx context.Context, sh models.TrafficShop) error {
	defer s.lock(sh.ID)()
	st, err := s.Store.TrafficSyncState(ctx, sh.ID)
	if err != nil || st.BackfillState != BackfillRunning {
		return err
	}
	next, err1 := vendors.ParseDate(st.BackfillNext)
	to, err2 := vendors.ParseDate(st.BackfillTo)
	if err := errors.Join(err1, err2); err != nil {
		st.BackfillState, st.BackfillError = BackfillFailed, vendors.Compact(err)
		return errors.Join(err, s.Store.SaveTrafficSync(ctx, &st))
	}
	end := next.AddDays(backfillChunk - 1)
	if end.After(to) {
		end = to
	}
	fail := func(err error) error {
		if ctx.Err() != nil { // shutdown, not a failure: resume here at the next start
			return errors.Join(err, s.Store.SaveTrafficSync(context.WithoutCancel(ctx), &st))
		}
		st.BackfillState, st.BackfillError = BackfillFailed, vendors.Compact(err)
		return errors.Join(err, s.Store.SaveTrafficSync(context.WithoutCancel(ctx), &st))
	}
	have, err := s.Store.FinalTrafficDays(ctx, sh.ID, next.String(), end.String())
	if err != nil {
		return err
	}
	var missing []vendors.Date
	for d := next; !d.After(end); d = d.AddDays(1) {
		if !have[d.String()] {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		tr, target, _, err := s.source(ctx, sh)
		if err != nil {
			return fail(err)
		}
		defer release(tr)
		for _, span := range runs(missing) {
			days, err := tr.TrafficDays(ctx, target, span[0], span[1])
			for _, d := range days {
				if serr := s.save(ctx, sh.ID, target.Location, d); serr != nil {
					return fail(serr)
				}
			}
			if err != nil {
				// Keep what was saved: the days before the failure are
				// done and the cursor moves to the first one missing.
				if len(days) > 0 {
					n := days[len(days)-1].Date.AddDays(1)
					st.BackfillNext, st.BackfillDone = n.String(), doneBefore(st.BackfillTotal, n, to)
				}
				// Stopped by shutdown, whatever error the vendor call
				// made of it: still running, to resume from the cursor.
				if errors.Is(err, context.Canceled) || ctx.Err() != nil {
					return s.Store.SaveTrafficSync(context.WithoutCancel(ctx), &st)
				}
				return fail(err)
			}
		}
	}
	// The chunk's months are summed again from their days (SaveTrafficDay
	// keeps them so day by day; this rebuild also covers days a backfill
	// finds already closed).
	if err := s.Store.RebuildTrafficMonths(ctx, sh.ID, next.String(), end.String()); err != nil {
		return fail(err)
	}
	after := end.AddDays(1)
	st.BackfillNext = after.String()
	st.BackfillDone = doneBefore(st.BackfillTotal, after, to)
	if end == to {
		st.BackfillState, st.BackfillNext, st.BackfillDone = BackfillDone, "", st.BackfillTotal
	}
	return s.Store.SaveTrafficSync(ctx, &st)
}

// doneBefore is how many of total days ending `to` lie before next.
func doneBefore(total int, next, to vendors.Date) int {
	return max(0, min(total, total-(next.DaysTo(to)+1)))
}
