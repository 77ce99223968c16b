package handlers

import (
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/video"
)

// A day's spans hold what overlaps that calendar day of the shop: a
// recording that only touches its edges (a vendor's range is inclusive) is
// another day's, and a 25-hour day keeps its last hour.
func TestDaySpansKeepTheDayOnly(t *testing.T) {
	tz, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	rec := func(from, to time.Time) vendors.Recording { return vendors.Recording{Start: from, End: to} }
	day := time.Date(2026, 12, 5, 0, 0, 0, 0, tz)
	next := day.AddDate(0, 0, 1)
	d := video.Day{Recordings: []vendors.Recording{
		rec(day.Add(-time.Minute), day),                  // ends as the day starts
		rec(day.Add(-time.Minute), day.Add(time.Minute)), // runs into it: kept from 00:00
		rec(day.Add(time.Hour), day.Add(2*time.Hour)),
		rec(next, next.Add(time.Minute)), // starts as the next day does
	}}
	spans := daySpans(d, day, tz)
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2: %+v", len(spans), spans)
	}
	if spans[0].StartUnix != day.Unix() || spans[0].EndUnix != day.Add(time.Minute).Unix() {
		t.Errorf("first span %+v", spans[0])
	}
	for _, s := range spans {
		if s.StartUnix < day.Unix() || s.StartUnix >= next.Unix() || s.EndUnix <= s.StartUnix {
			t.Errorf("span %+v outside %s", s, day)
		}
	}

	// 1 November 2026: the clocks go back, the day has 25 hours.
	long := time.Date(2026, 11, 1, 0, 0, 0, 0, tz)
	last := long.AddDate(0, 0, 1).Add(-30 * time.Minute) // 23:30, the 25th hour
	spans = daySpans(video.Day{Recordings: []vendors.Recording{rec(last, last.Add(10*time.Minute))}}, long, tz)
	if len(spans) != 1 || spans[0].EndUnix != last.Add(10*time.Minute).Unix() {
		t.Fatalf("25-hour day: %+v", spans)
	}
}
