package sim

import (
	"context"
	"math"
	"time"
)

// Generator makes a shop's day of events on one camera: people arriving at
// random (an exponential wait between them), more at lunch and in the
// evening, a share of them enrolled faces from the roster and the rest
// strangers, with motion events between.
type Generator struct {
	// Roster is the enrolled faces the camera may recognise.
	Roster []Person
	// KnownShare is the share of faces from the roster (0.4 if zero).
	KnownShare float64
	// MotionShare is the share of motion events on an FM020 (0.15 if zero);
	// an FM010 sends only motion events.
	MotionShare float64
	// Every is the mean wait between events at the busiest hour.
	Every time.Duration
	// Location is the shop's time zone for the daily curve (Asia/Shanghai
	// if nil).
	Location *time.Location
}

// busy is the relative pace at a time of day: a quiet night, a lunch and an
// evening peak. Never below 0.25, so a demo at night still moves.
func busy(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	peak := func(at, width float64) float64 { return math.Exp(-(h - at) * (h - at) / (2 * width * width)) }
	return max(0.25, 0.35+0.65*peak(12.5, 1.5)+0.8*peak(18.5, 2))
}

// Generate emits events until ctx ends.
func (c *notifier) Generate(ctx context.Context, g Generator) {
	if g.KnownShare == 0 {
		g.KnownShare = 0.4
	}
	if g.MotionShare == 0 {
		g.MotionShare = 0.15
	}
	if g.Every <= 0 {
		g.Every = 15 * time.Second
	}
	if g.Location == nil {
		g.Location, _ = time.LoadLocation("Asia/Shanghai")
		if g.Location == nil {
			g.Location = time.FixedZone("CST", 8*3600)
		}
	}
	for {
		c.mu.Lock()
		u := c.rnd.Float64()
		c.mu.Unlock()
		mean := float64(g.Every) / busy(c.o.Now().In(g.Location))
		wait := time.Duration(-math.Log(1-u) * mean)
		select {
		case <-ctx.Done():
			return
		case <-c.closed:
			return
		case <-time.After(wait):
		}
		c.Emit(c.pick(g))
	}
}

func (c *notifier) pick(g Generator) Spec {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.o.Model == "FM010" || c.rnd.Float64() < g.MotionShare {
		// Mostly picture changes, some sound, a few both; FM020s also
		// report a person (the webhook's "human").
		r := c.rnd.Float64()
		m := MotionPicture
		switch {
		case r > 0.9:
			m = MotionBoth
		case r > 0.75:
			m = MotionSound
		case r > 0.6 && c.o.Model != "FM010":
			m = MotionPerson
		}
		return Spec{Motion: m}
	}
	if len(g.Roster) > 0 && c.rnd.Float64() < g.KnownShare {
		p := g.Roster[c.rnd.IntN(len(g.Roster))]
		return Spec{Face: true, Person: &p}
	}
	return Spec{Face: true}
}
