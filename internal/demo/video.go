package demo

import (
	"fmt"
	"slices"
	"time"

	"storelens/internal/vendors/sunmicloud/sim"
	videoview "storelens/web/templates/video"
)

// SeedVideo gives the demo cameras a week of recordings (the simulator
// streams its test clip for every live view and playback).
func SeedVideo(e *Env) {
	since := time.Now().AddDate(0, 0, -7).Truncate(24 * time.Hour)
	for _, sh := range demoShops(time.Now()) {
		for _, d := range sh.Cameras {
			e.Sunmi.SetRecordingSince(d.SN, since)
		}
	}
}

// VideoLog is the simulator's log of stream starts and stops, newest
// first, for the stream status page.
func VideoLog(s *sim.Server) []videoview.SimEvent {
	log := s.MediaLog()
	out := make([]videoview.SimEvent, 0, len(log))
	for _, ev := range slices.Backward(log) {
		detail := fmt.Sprintf("resolution %d", ev.Resolution)
		if ev.ClientID != "" {
			detail = "client_id " + ev.ClientID
		}
		out = append(out, videoview.SimEvent{At: ev.At.Local().Format("15:04:05"), Op: ev.Op, SN: ev.SN, Detail: detail})
	}
	return out
}
