package sunmilan

import (
	"context"
	"strconv"
)

// Door-line resolutions (003 Customer Flow Statistics 1).
const (
	Res1080p = 0
	Res720p  = 1
)

// FrameSize is the coordinate space of a door-line resolution.
func FrameSize(resolution int) (w, h int) {
	if resolution == Res720p {
		return 1280, 720
	}
	return 1920, 1080
}

// DoorLine is the threshold that decides whether a person came in.
type DoorLine struct {
	Resolution                 int // Res1080p or Res720p
	StartX, StartY, EndX, EndY int // in the resolution's pixels
}

// Check validates the line against its resolution's frame.
func (d DoorLine) Check() FieldErrors {
	var out FieldErrors
	if e := inRange("resolution", d.Resolution, Res1080p, Res720p); e != nil {
		return append(out, e)
	}
	w, h := FrameSize(d.Resolution)
	for _, e := range []*FieldError{inRange("start_x", d.StartX, 0, w), inRange("start_y", d.StartY, 0, h),
		inRange("end_x", d.EndX, 0, w), inRange("end_y", d.EndY, 0, h)} {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// DoorLine reads /peopleFlow/getDoorLine.
func (c *Client) DoorLine(ctx context.Context) (DoorLine, error) {
	var d struct {
		Res    num `json:"resolution"`
		StartX num `json:"start_x"`
		StartY num `json:"start_y"`
		EndX   num `json:"end_x"`
		EndY   num `json:"end_y"`
	}
	err := c.call(ctx, request{Path: "/peopleFlow/getDoorLine", Read: true}, &d)
	return DoorLine{Resolution: int(d.Res), StartX: int(d.StartX), StartY: int(d.StartY), EndX: int(d.EndX), EndY: int(d.EndY)}, err
}

// SetDoorLine sets /peopleFlow/setDoorLine.
func (c *Client) SetDoorLine(ctx context.Context, d DoorLine) error {
	const op = "/peopleFlow/setDoorLine"
	if errs := d.Check(); len(errs) > 0 {
		return check(op, errs...)
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"resolution": strconv.Itoa(d.Resolution),
		"start_x": strconv.Itoa(d.StartX), "start_y": strconv.Itoa(d.StartY),
		"end_x": strconv.Itoa(d.EndX), "end_y": strconv.Itoa(d.EndY)}}, nil)
}

// Flow-settings ranges (003 Customer Flow Statistics 4).
const (
	MaxFaceRecogInterval = 86400
	JudgeSnapshot        = 0
	JudgeNormal          = 1
)

// FlowConfig is the people-flow settings.
type FlowConfig struct {
	FaceRecogInterval int // de-duplication seconds, [0, 86400]
	JudgeMode         int // JudgeSnapshot or JudgeNormal
}

// Check validates the settings.
func (f FlowConfig) Check() FieldErrors {
	var out FieldErrors
	for _, e := range []*FieldError{inRange("facerecog_interval", f.FaceRecogInterval, 0, MaxFaceRecogInterval),
		inRange("customer_judgemode", f.JudgeMode, JudgeSnapshot, JudgeNormal)} {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// FlowConfig reads /peopleFlow/getConfig.
func (c *Client) FlowConfig(ctx context.Context) (FlowConfig, error) {
	var d struct {
		Interval num `json:"facerecog_interval"`
		Mode     num `json:"customer_judgemode"`
	}
	err := c.call(ctx, request{Path: "/peopleFlow/getConfig", Read: true}, &d)
	return FlowConfig{FaceRecogInterval: int(d.Interval), JudgeMode: int(d.Mode)}, err
}

// SetFlowConfig sets /peopleFlow/setConfig (003's example path says
// getDoorLine, NOTES 57).
func (c *Client) SetFlowConfig(ctx context.Context, f FlowConfig) error {
	const op = "/peopleFlow/setConfig"
	if errs := f.Check(); len(errs) > 0 {
		return check(op, errs...)
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{
		"facerecog_interval": strconv.Itoa(f.FaceRecogInterval), "customer_judgemode": strconv.Itoa(f.JudgeMode)}}, nil)
}
