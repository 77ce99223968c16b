package vendors

import (
	"context"
	"fmt"
	"time"
)

// KindQuota is a vendor's limit on how often something may be done (a
// snapshot quota, a number of streams).
const KindQuota Kind = "quota"

// Quality is a live stream's resolution as the UI offers it. The values are
// Sunmi's (000 §5.3.1 resolution: 0 超清, 1 高清); other vendors map theirs.
type Quality int

// The two qualities.
const (
	QualitySuper Quality = 0 // 超清 (super HD)
	QualityHigh  Quality = 1 // 高清 (HD)
)

// Valid reports whether q is one of the known qualities.
func (q Quality) Valid() bool { return q == QualitySuper || q == QualityHigh }

// Stream is a vendor stream that was started: where to read it and until
// when. The URLs carry the vendor's access token: they are fetched server
// side only and never shown to a browser or written to a log.
type Stream struct {
	FLV string // HTTP-FLV URL, "" if the vendor offers none
	HLS string // HLS playlist URL, "" if the vendor offers none
	// RTSP is an RTSP URL (a Sunmi LAN camera's, 003 "Video Streaming"),
	// "" if the vendor offers none; internal/live turns it into HLS.
	RTSP string
	// Expires is when the URLs stop working (zero when unknown). A stream
	// read past it must be started again for fresh URLs.
	Expires time.Time
	// ClientID names a playback session at the vendor, needed to stop it.
	ClientID string
}

// LiveVideo is the capability to start and stop a camera's live stream.
// A vendor stream is per device and quality: Stop ends it for everyone.
type LiveVideo interface {
	StartLive(ctx context.Context, shop ShopRef, dev DeviceRef, q Quality) (Stream, error)
	StopLive(ctx context.Context, shop ShopRef, dev DeviceRef, q Quality) error
}

// Playback is the capability to stream a camera's recording of a time range.
type Playback interface {
	StartPlayback(ctx context.Context, shop ShopRef, dev DeviceRef, from, to time.Time) (Stream, error)
	StopPlayback(ctx context.Context, s Stream) error
}

// Recording is one recorded piece of video.
type Recording struct {
	Start, End time.Time
	URL        string // vendor URL; server side only
}

// MotionSource is what a motion detection reacted to.
type MotionSource int

// Motion sources (000 §5.3.5 source: 1 画面, 2 声音, 3 声音和画面).
const (
	MotionPicture MotionSource = 1
	MotionSound   MotionSource = 2
	MotionBoth    MotionSource = 3
)

// Motion is one motion detection with its clip.
type Motion struct {
	At     time.Time
	Source MotionSource
	URL    string // vendor URL of the clip; server side only
}

// Recordings is the capability to list a camera's recorded video and motion
// detections. Adapters split ranges into the calls their vendor allows.
type Recordings interface {
	Recordings(ctx context.Context, shop ShopRef, dev DeviceRef, from, to time.Time) ([]Recording, error)
	Motions(ctx context.Context, shop ShopRef, dev DeviceRef, from, to time.Time) ([]Motion, error)
}

// Snapshots is the capability to get a still picture of a camera, now or at
// a past time. It returns the vendor's picture URL (server side only).
type Snapshots interface {
	LiveSnapshot(ctx context.Context, shop ShopRef, dev DeviceRef) (string, error)
	SnapshotAt(ctx context.Context, shop ShopRef, dev DeviceRef, at time.Time) (string, error)
}

// AsLiveVideo returns the LiveVideo capability of a, or ErrUnsupported.
func AsLiveVideo(a Adapter) (LiveVideo, error) {
	v, ok := a.(LiveVideo)
	if !ok {
		return nil, fmt.Errorf("%s: live video: %w", a.Vendor(), ErrUnsupported)
	}
	return v, nil
}

// AsPlayback returns the Playback capability of a, or ErrUnsupported.
func AsPlayback(a Adapter) (Playback, error) {
	v, ok := a.(Playback)
	if !ok {
		return nil, fmt.Errorf("%s: playback: %w", a.Vendor(), ErrUnsupported)
	}
	return v, nil
}

// AsRecordings returns the Recordings capability of a, or ErrUnsupported.
func AsRecordings(a Adapter) (Recordings, error) {
	v, ok := a.(Recordings)
	if !ok {
		return nil, fmt.Errorf("%s: recordings: %w", a.Vendor(), ErrUnsupported)
	}
	return v, nil
}

// AsSnapshots returns the Snapshots capability of a, or ErrUnsupported.
func AsSnapshots(a Adapter) (Snapshots, error) {
	v, ok := a.(Snapshots)
	if !ok {
		return nil, fmt.Errorf("%s: snapshots: %w", a.Vendor(), ErrUnsupported)
	}
	return v, nil
}
