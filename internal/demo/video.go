package demo

import (
	"fmt"
	"slices"
	"time"

	"storelens/internal/vendors/sunmicloud/sim"
	lansim "storelens/internal/vendors/sunmilan/sim"
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

// seedLANRecordings gives the LAN camera's SD card yesterday's opening
// hours (08:00-22:00) and today since midnight, still recording: a day of
// recordings whenever the demo starts.
func seedLANRecordings(cam *lansim.Camera, now time.Time) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	yesterday := today.AddDate(0, 0, -1)
	cam.SetRecorded(lansim.Span{From: yesterday.Add(8 * time.Hour).Unix(), To: yesterday.Add(22 * time.Hour).Unix()},
		lansim.Span{From: today.Unix()})
}

// LANVideoLog is the LAN camera's RTSP starts and stops, newest first:
// ops "rtsp.play" and "rtsp.stop", the detail the stream (and why it
// stopped).
func LANVideoLog(cam *lansim.Camera) []videoview.SimEvent {
	log := cam.RTSPLog()
	out := make([]videoview.SimEvent, 0, len(log))
	for _, ev := range slices.Backward(log) {
		op, detail := "rtsp.play", ev.Stream
		if ev.Op == "STOP" {
			op, detail = "rtsp.stop", ev.Stream+" ("+ev.Reason+")"
		}
		out = append(out, videoview.SimEvent{At: ev.At.Local().Format("15:04:05"), Op: op, SN: cam.SN(), Detail: detail})
	}
	return out
}
