package devices

import (
	"context"
	"fmt"
	"strconv"

	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
)

// Settings is everything 003's Basic Configurations and the people-flow
// settings read from one camera.
type Settings struct {
	Info     sunmilan.DeviceInfo
	Name     string
	Wifi     sunmilan.Wifi
	APs      []sunmilan.AP
	IP       sunmilan.IPConfig
	Lens     sunmilan.ZoomFocus
	IR       sunmilan.IRMode
	Detect   sunmilan.DynamicDetect
	LED      bool
	Rotation int
	Angles   []int
	SD       sunmilan.SDStatus
	HasFace  bool // FM020: the face setting exists
	Optimize int
	DoorLine sunmilan.DoorLine
	Flow     sunmilan.FlowConfig
	Hooks    []sunmilan.Subscription
}

// Settings reads every setting from the camera, in one pinned connection.
// The first failure stops the reading: the page then says what failed.
func (s *LAN) Settings(ctx context.Context, cam models.Camera) (Settings, error) {
	var st Settings
	err := s.with(ctx, nil, cam, "", "", func(c *sunmilan.Client) error {
		var err error
		steps := []func() error{
			func() error { st.Info, err = c.Info(ctx); return err },
			func() error { st.Name, err = c.Name(ctx); return err },
			func() error { st.Wifi, err = c.Wifi(ctx); return err },
			func() error { st.APs, err = c.APs(ctx); return err },
			func() error { st.IP, err = c.IPConfig(ctx); return err },
			func() error { st.Lens, err = c.ZoomFocus(ctx); return err },
			func() error { st.IR, err = c.IRMode(ctx); return err },
			func() error { st.Detect, err = c.DynamicDetect(ctx); return err },
			func() error { st.LED, err = c.LED(ctx); return err },
			func() error { st.Rotation, err = c.Rotation(ctx); return err },
			func() error { st.Angles, err = c.RotationAngles(ctx); return err },
			func() error { st.SD, err = c.SDStatus(ctx); return err },
			func() error { st.DoorLine, err = c.DoorLine(ctx); return err },
			func() error { st.Flow, err = c.FlowConfig(ctx); return err },
			func() error { st.Hooks, err = c.Hooks(ctx); return err },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		st.HasFace = sunmilan.HasFaceRecognition(st.Info.Model) || sunmilan.HasFaceRecognition(cam.Model)
		if st.HasFace {
			st.Optimize, err = c.AIFace(ctx)
		}
		return err
	})
	if err == nil {
		s.remember(ctx, cam, st)
	}
	return st, err
}

// remember keeps what the camera said about itself on the local record.
func (s *LAN) remember(ctx context.Context, cam models.Camera, st Settings) {
	changed := cam.Name != st.Name || cam.Firmware != st.Info.Firmware || !cam.Online || !cam.Activated
	if st.Info.MAC != "" && cam.MAC != st.Info.MAC {
		cam.MAC, changed = st.Info.MAC, true
	}
	if !changed {
		return
	}
	if st.Name != "" {
		cam.Name = st.Name
	}
	if st.Info.Firmware != "" {
		cam.Firmware = st.Info.Firmware
	}
	cam.Online, cam.Activated = true, true
	if err := s.Store.UpdateLANCamera(ctx, &cam); err != nil {
		s.Log.WarnContext(ctx, "update LAN camera", "camera", cam.ID, "err", err)
	}
}

// The writes: each validated by the adapter before it is sent, audited when
// the camera accepts it.

// SetName renames the camera, on the camera and here.
func (s *LAN) SetName(ctx context.Context, a models.Actor, cam models.Camera, name string) error {
	err := s.with(ctx, &a, cam, "camera.rename", fmt.Sprintf("%q -> %q", cam.Name, name), func(c *sunmilan.Client) error {
		return c.SetName(ctx, name)
	})
	if err != nil {
		return err
	}
	return s.Store.RenameCamera(ctx, cam.ID, name)
}

// SetWifi sets the network to join.
func (s *LAN) SetWifi(ctx context.Context, a models.Actor, cam models.Camera, w sunmilan.Wifi) error {
	return s.with(ctx, &a, cam, "camera.wifi", "ssid "+w.SSID, func(c *sunmilan.Client) error { return c.SetWifi(ctx, w) })
}

// SetIP sets the addressing.
func (s *LAN) SetIP(ctx context.Context, a models.Actor, cam models.Camera, ip sunmilan.IPConfig) error {
	return s.with(ctx, &a, cam, "camera.ip", ip.Proto+" "+ip.Address, func(c *sunmilan.Client) error { return c.SetIPConfig(ctx, ip) })
}

// SetLens sets zoom and manual focus.
func (s *LAN) SetLens(ctx context.Context, a models.Actor, cam models.Camera, zoom, focus int) error {
	return s.with(ctx, &a, cam, "camera.lens", fmt.Sprintf("zoom %d focus %d", zoom, focus), func(c *sunmilan.Client) error {
		if err := c.SetZoom(ctx, zoom); err != nil {
			return err
		}
		return c.SetFocus(ctx, focus)
	})
}

// AutoFocus focuses on a point in percent of the picture.
func (s *LAN) AutoFocus(ctx context.Context, a models.Actor, cam models.Camera, x, y int) error {
	return s.with(ctx, &a, cam, "camera.autofocus", fmt.Sprintf("%d%%,%d%%", x, y), func(c *sunmilan.Client) error { return c.AutoFocus(ctx, x, y) })
}

// ResetLens restores zoom and focus.
func (s *LAN) ResetLens(ctx context.Context, a models.Actor, cam models.Camera) error {
	return s.with(ctx, &a, cam, "camera.lens_reset", "", func(c *sunmilan.Client) error { return c.ResetZoomFocus(ctx) })
}

// SetIR sets the IR mode.
func (s *LAN) SetIR(ctx context.Context, a models.Actor, cam models.Camera, m sunmilan.IRMode) error {
	return s.with(ctx, &a, cam, "camera.ir", strconv.Itoa(int(m)), func(c *sunmilan.Client) error { return c.SetIRMode(ctx, m) })
}

// SetDetect sets motion and sound detection.
func (s *LAN) SetDetect(ctx context.Context, a models.Actor, cam models.Camera, d sunmilan.DynamicDetect) error {
	return s.with(ctx, &a, cam, "camera.detect", fmt.Sprintf("%+v", d), func(c *sunmilan.Client) error { return c.SetDynamicDetect(ctx, d) })
}

// SetLED switches the LED.
func (s *LAN) SetLED(ctx context.Context, a models.Actor, cam models.Camera, on bool) error {
	return s.with(ctx, &a, cam, "camera.led", strconv.FormatBool(on), func(c *sunmilan.Client) error { return c.SetLED(ctx, on) })
}

// SetRotation sets the picture's rotation.
func (s *LAN) SetRotation(ctx context.Context, a models.Actor, cam models.Camera, deg int) error {
	return s.with(ctx, &a, cam, "camera.rotation", strconv.Itoa(deg), func(c *sunmilan.Client) error { return c.SetRotation(ctx, deg) })
}

// FormatSD erases the SD card.
func (s *LAN) FormatSD(ctx context.Context, a models.Actor, cam models.Camera) error {
	return s.with(ctx, &a, cam, "camera.format_sd", "", func(c *sunmilan.Client) error { return c.FormatSD(ctx) })
}

// SetFace sets the face-recognition analysis time (FM020).
func (s *LAN) SetFace(ctx context.Context, a models.Actor, cam models.Camera, seconds int) error {
	return s.with(ctx, &a, cam, "camera.face_setting", strconv.Itoa(seconds), func(c *sunmilan.Client) error { return c.SetAIFace(ctx, seconds) })
}

// SetDoorLine sets the people-flow door line.
func (s *LAN) SetDoorLine(ctx context.Context, a models.Actor, cam models.Camera, d sunmilan.DoorLine) error {
	return s.with(ctx, &a, cam, "camera.door_line", fmt.Sprintf("%+v", d), func(c *sunmilan.Client) error { return c.SetDoorLine(ctx, d) })
}

// SetFlow sets the people-flow settings.
func (s *LAN) SetFlow(ctx context.Context, a models.Actor, cam models.Camera, f sunmilan.FlowConfig) error {
	return s.with(ctx, &a, cam, "camera.flow", fmt.Sprintf("%+v", f), func(c *sunmilan.Client) error { return c.SetFlowConfig(ctx, f) })
}

// Reboot restarts the camera (/device/reboot).
func (s *LAN) Reboot(ctx context.Context, a models.Actor, cam models.Camera) error {
	return s.with(ctx, &a, cam, "camera.reboot", "", func(c *sunmilan.Client) error { return c.Reboot(ctx) })
}

// FactoryReset restores the camera's factory settings (/device/reset). It
// must be activated again, so it is marked not activated here.
func (s *LAN) FactoryReset(ctx context.Context, a models.Actor, cam models.Camera) error {
	if err := s.with(ctx, &a, cam, "camera.factory_reset", "", func(c *sunmilan.Client) error { return c.FactoryReset(ctx) }); err != nil {
		return err
	}
	cam.Activated = false
	return s.Store.UpdateLANCamera(ctx, &cam)
}

// SetWifiKeeping sets the network; keepPassword reuses the password the
// camera has (the form never shows it, so an empty field means "keep").
func (s *LAN) SetWifiKeeping(ctx context.Context, a models.Actor, cam models.Camera, w sunmilan.Wifi, keepPassword bool) error {
	return s.with(ctx, &a, cam, "camera.wifi", "ssid "+w.SSID, func(c *sunmilan.Client) error {
		if keepPassword {
			cur, err := c.Wifi(ctx)
			if err != nil {
				return err
			}
			w.Password = cur.Password
		}
		return c.SetWifi(ctx, w)
	})
}
