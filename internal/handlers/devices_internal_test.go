package handlers

import (
	"testing"
	"time"

	"storelens/internal/models"
)

func TestUptime(t *testing.T) {
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := since.Add(10 * time.Hour)
	ev := func(h int, online bool) models.CameraStatusEvent {
		return models.CameraStatusEvent{At: since.Add(time.Duration(h) * time.Hour), Online: online}
	}
	cases := []struct {
		name      string
		events    []models.CameraStatusEvent
		before    *models.CameraStatusEvent
		up, known time.Duration
		outages   int
	}{
		{"no history", nil, nil, 0, 0, 0},
		{"online all along", nil, &models.CameraStatusEvent{Online: true}, 10 * time.Hour, 10 * time.Hour, 0},
		{"first seen at 2h, off 4h-6h", []models.CameraStatusEvent{ev(2, true), ev(4, false), ev(6, true)}, nil, 6 * time.Hour, 8 * time.Hour, 1},
		{"offline before, back at 5h", []models.CameraStatusEvent{ev(5, true)}, &models.CameraStatusEvent{Online: false}, 5 * time.Hour, 10 * time.Hour, 0},
		{"two outages", []models.CameraStatusEvent{ev(1, false), ev(2, true), ev(3, false)}, &models.CameraStatusEvent{Online: true}, 2 * time.Hour, 10 * time.Hour, 2},
	}
	for _, c := range cases {
		up, known, outages := uptime(c.events, c.before, since, now)
		if up != c.up || known != c.known || outages != c.outages {
			t.Errorf("%s: up %v known %v outages %d, want %v %v %d", c.name, up, known, outages, c.up, c.known, c.outages)
		}
	}
}
