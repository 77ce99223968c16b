package video

import (
	"context"
	"errors"
	"fmt"
	"time"

	"storelens/internal/live"
	"storelens/internal/models"
	"storelens/internal/netguard"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
)

// A Sunmi camera on the LAN (vendor "sunmilan") is its own vendor: its
// calls go to the camera over its pinned HTTPS, not through the shop's
// cloud account, and its streams are RTSP (internal/live makes them HLS).

// LANOpener opens a pinned client of a LAN camera (devices.LAN).
type LANOpener interface {
	Open(ctx context.Context, cam models.Camera) (*sunmilan.Client, error)
}

// IsLAN reports whether cam is a Sunmi camera on the LAN.
func IsLAN(cam models.Camera) bool { return cam.Vendor == sunmilan.Name }

// withLAN runs f with a client of cam, closed afterwards.
func (s *Service) withLAN(ctx context.Context, cam models.Camera, f func(*sunmilan.Client) error) error {
	if s.LAN == nil {
		return fmt.Errorf("video: LAN camera %d: %w", cam.ID, vendors.ErrUnsupported)
	}
	c, err := s.LAN.Open(ctx, cam)
	if err != nil {
		return err
	}
	defer c.Close()
	return f(c)
}

// lanStarter asks the camera for a live or playback RTSP URL; the camera
// has no stop call (the RTSP TEARDOWN, by internal/live, is the stop).
type lanStarter struct {
	s     *Service
	cam   models.Camera
	start func(context.Context, *sunmilan.Client) (vendors.Stream, error)
}

func (l lanStarter) Start(ctx context.Context) (st vendors.Stream, err error) {
	err = l.s.withLAN(ctx, l.cam, func(c *sunmilan.Client) error {
		st, err = l.start(ctx, c)
		return err
	})
	return st, err
}

func (l lanStarter) Stop(context.Context, vendors.Stream) error { return nil }

// lanMedia is what a LAN camera's stream URLs may reach: the camera.
func lanMedia(cam models.Camera) *netguard.Policy {
	p := netguard.LANCamera(cam.ShopID, cam.Address)
	p.What = "stream"
	return &p
}

func (s *Service) lanLive(cam models.Camera, q vendors.Quality) (*live.Session, error) {
	info := live.Info{Camera: cam.ID, Name: cam.Name, Kind: "live", Quality: q, Label: fmt.Sprintf("%s · live %d", cam.Name, q), Media: lanMedia(cam)}
	return s.Streams.Acquire(LiveKey(cam.ID, q), info, lanStarter{s, cam, func(ctx context.Context, c *sunmilan.Client) (vendors.Stream, error) {
		return c.StartLive(ctx, vendors.ShopRef{}, vendors.DeviceRef{}, q)
	}})
}

func (s *Service) lanPlayback(cam models.Camera, from, to time.Time, viewer string) (*live.Session, error) {
	info := live.Info{Camera: cam.ID, Name: cam.Name, Kind: "playback", From: from, Label: fmt.Sprintf("%s · playback %s", cam.Name, from.UTC().Format("15:04:05Z")), Media: lanMedia(cam)}
	return s.Streams.Acquire(PlaybackKey(cam.ID, viewer), info, lanStarter{s, cam, func(ctx context.Context, c *sunmilan.Client) (vendors.Stream, error) {
		return c.StartPlayback(ctx, vendors.ShopRef{}, vendors.DeviceRef{}, from, to)
	}})
}

func (s *Service) lanDay(ctx context.Context, cam models.Camera, from, to time.Time) (d Day, err error) {
	err = s.withLAN(ctx, cam, func(c *sunmilan.Client) error {
		d.Recordings, err = c.Recordings(ctx, vendors.ShopRef{}, vendors.DeviceRef{}, from, to)
		return err
	})
	return d, err
}

func (s *Service) lanSnapshot(ctx context.Context, cam models.Camera, at *time.Time) (ct string, body []byte, err error) {
	if at != nil {
		return "", nil, fmt.Errorf("%s: snapshot at a time: %w", sunmilan.Name, vendors.ErrUnsupported)
	}
	err = s.withLAN(ctx, cam, func(c *sunmilan.Client) error {
		ct, body, err = c.Snapshot(ctx)
		return err
	})
	return ct, body, err
}

// ErrClipNotReady means the camera's clip file is not due yet (003: it
// takes effect 4 to 12 s after the call).
var ErrClipNotReady = errors.New("video: the clip is not ready yet")

// clipDelay is when a clip is due after the call: 4 s plus the seconds it
// records after now (003 "4 to 12 seconds", related to the parameters).
func clipDelay(following int) time.Duration { return time.Duration(4+following) * time.Second }

// CutClip asks the LAN camera for a clip from preceding seconds before now
// to following seconds after, keeps it in the camera's list and audits it.
func (s *Service) CutClip(ctx context.Context, actor models.Actor, cam models.Camera, preceding, following int) (models.LANClip, error) {
	if !IsLAN(cam) || s.Store == nil {
		return models.LANClip{}, fmt.Errorf("video: clips: %w", vendors.ErrUnsupported)
	}
	var u string
	err := s.withLAN(ctx, cam, func(c *sunmilan.Client) (err error) {
		u, err = c.CurVideos(ctx, preceding, following)
		return err
	})
	if err != nil {
		return models.LANClip{}, err
	}
	now := s.Store.Now()
	clip := models.LANClip{CameraID: cam.ID, URL: u, Preceding: preceding, Following: following,
		ReadyAt: now.Add(clipDelay(following)), CreatedAt: now, CreatedBy: actor.Username}
	if err := s.Store.AddLANClip(ctx, &clip); err != nil {
		return models.LANClip{}, err
	}
	return clip, s.Store.Audit(ctx, actor.Entry("video.clip", "camera", cam.SN, fmt.Sprintf("-%d s / +%d s", preceding, following)))
}

// Clips lists the camera's latest clips, newest first.
func (s *Service) Clips(ctx context.Context, cam models.Camera) ([]models.LANClip, error) {
	if s.Store == nil {
		return nil, nil
	}
	return s.Store.LANClips(ctx, cam.ID, 20)
}

// ClipFile downloads clip id of the camera through its pinned connection.
func (s *Service) ClipFile(ctx context.Context, cam models.Camera, id uint) (models.LANClip, string, []byte, error) {
	clip, err := s.Store.LANClip(ctx, cam.ID, id)
	if err != nil {
		return clip, "", nil, err
	}
	if s.Store.Now().Before(clip.ReadyAt) {
		return clip, "", nil, ErrClipNotReady
	}
	var ct string
	var body []byte
	err = s.withLAN(ctx, cam, func(c *sunmilan.Client) (err error) {
		ct, body, err = c.Fetch(ctx, clip.URL)
		return err
	})
	return clip, ct, body, err
}
