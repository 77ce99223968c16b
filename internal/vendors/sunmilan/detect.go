package sunmilan

import (
	"context"
	"strconv"
)

// DynamicDetect is motion and sound detection (003 Basic 15-16).
type DynamicDetect struct {
	MotionLevel, AudioLevel int // [0, 3], 3 most sensitive
	// Weekdays is 003's bitmask: bit 0 Monday ... bit 6 Sunday, bit 7
	// "7 x 24 hours".
	Weekdays int
	// Start and Stop are minutes of the day, [0, 1440]. Stop before Start
	// is a window across midnight (003's example: 1260 -> 540).
	Start, Stop int
}

// Weekday bits of DynamicDetect.Weekdays.
const (
	AllWeek   = 1 << 7 // "7 x 24 hours"
	MaxMinute = 1440
)

// Check validates d against 003's ranges.
func (d DynamicDetect) Check() FieldErrors {
	var out FieldErrors
	for _, e := range []*FieldError{
		inRange("motion_level", d.MotionLevel, 0, 3), inRange("audio_level", d.AudioLevel, 0, 3),
		inRange("weekday", d.Weekdays, 0, 0xFF),
		inRange("start_time", d.Start, 0, MaxMinute), inRange("stop_time", d.Stop, 0, MaxMinute),
	} {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// DynamicDetect reads /config/getDynamicDetect.
func (c *Client) DynamicDetect(ctx context.Context) (DynamicDetect, error) {
	var d struct {
		Motion  num `json:"motion_level"`
		Audio   num `json:"audio_level"`
		Weekday num `json:"weekday"`
		Start   num `json:"start_time"`
		Stop    num `json:"stop_time"`
	}
	err := c.call(ctx, request{Path: "/config/getDynamicDetect", Read: true}, &d)
	return DynamicDetect{MotionLevel: int(d.Motion), AudioLevel: int(d.Audio), Weekdays: int(d.Weekday),
		Start: int(d.Start), Stop: int(d.Stop)}, err
}

// SetDynamicDetect sets /config/setDynamicDetect.
func (c *Client) SetDynamicDetect(ctx context.Context, d DynamicDetect) error {
	const op = "/config/setDynamicDetect"
	if errs := d.Check(); len(errs) > 0 {
		return check(op, errs...)
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{
		"motion_level": strconv.Itoa(d.MotionLevel), "audio_level": strconv.Itoa(d.AudioLevel),
		"weekday": strconv.Itoa(d.Weekdays), "start_time": strconv.Itoa(d.Start), "stop_time": strconv.Itoa(d.Stop),
	}}, nil)
}

// Face-recognition setting of 003 Basic 26-27, FM020 only.
const (
	MinOptimizeSeconds = 1
	MaxOptimizeSeconds = 6
	// FaceModel is the only model with face recognition settings.
	FaceModel = "FM020"
)

// HasFaceRecognition reports whether a model offers the face settings and
// the face events ("only FM020 is supported"; getInfo says "FS" for it,
// NOTES 61).
func HasFaceRecognition(model string) bool { return model == FaceModel || model == "FS" }

// AIFace reads /config/getAiFaceConfig: optimize_seconds.
func (c *Client) AIFace(ctx context.Context) (int, error) {
	var d struct {
		Seconds num `json:"optimize_seconds"`
	}
	err := c.call(ctx, request{Path: "/config/getAiFaceConfig", Read: true}, &d)
	return int(d.Seconds), err
}

// SetAIFace sets /config/setAiFaceConfig, optimize_seconds in [1, 6].
func (c *Client) SetAIFace(ctx context.Context, seconds int) error {
	const op = "/config/setAiFaceConfig"
	if err := check(op, inRange("optimize_seconds", seconds, MinOptimizeSeconds, MaxOptimizeSeconds)); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"optimize_seconds": strconv.Itoa(seconds)}}, nil)
}
