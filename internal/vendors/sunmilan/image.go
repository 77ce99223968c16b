package sunmilan

import (
	"context"
	"slices"
	"strconv"
)

// Ranges of 003 Basic Configurations 8-10.
const (
	MaxZoom     = 500 // setZoom: [0, 500]
	MaxFocus    = 780 // manualFocus: [0, 780]
	MaxFocusPct = 100 // autoFocus: focus_x, focus_y percentages [0, 100]
)

// ZoomFocus is /config/getZoomFocusConf (003 Basic 12).
type ZoomFocus struct {
	Zoom, Focus, MaxZoom, MaxFocus int
	FocusX, FocusY                 int // the last auto-focus point, in percent
}

// ZoomFocus reads the lens. The reply names the point focused_x/focused_y
// while the table says focus_x/focus_y (NOTES 59): either is taken.
func (c *Client) ZoomFocus(ctx context.Context) (ZoomFocus, error) {
	var d struct {
		Zoom     num  `json:"zoom"`
		Focus    num  `json:"focus"`
		MaxZoom  num  `json:"max_zoom"`
		MaxFocus num  `json:"max_focus"`
		FocusX   *num `json:"focus_x"`
		FocusY   *num `json:"focus_y"`
		FocusedX *num `json:"focused_x"`
		FocusedY *num `json:"focused_y"`
	}
	err := c.call(ctx, request{Path: "/config/getZoomFocusConf", Read: true}, &d)
	z := ZoomFocus{Zoom: int(d.Zoom), Focus: int(d.Focus), MaxZoom: int(d.MaxZoom), MaxFocus: int(d.MaxFocus)}
	z.FocusX, z.FocusY = pick(d.FocusedX, d.FocusX), pick(d.FocusedY, d.FocusY)
	return z, err
}

func pick(a, b *num) int {
	if a != nil {
		return int(*a)
	}
	if b != nil {
		return int(*b)
	}
	return 0
}

// SetZoom sets the zoom level with /config/setZoom.
func (c *Client) SetZoom(ctx context.Context, zoom int) error {
	const op = "/config/setZoom"
	if err := check(op, inRange("zoom", zoom, 0, MaxZoom)); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"zoom": strconv.Itoa(zoom)}}, nil)
}

// SetFocus focuses by hand with /config/manualFocus.
func (c *Client) SetFocus(ctx context.Context, focus int) error {
	const op = "/config/manualFocus"
	if err := check(op, inRange("focus", focus, 0, MaxFocus)); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"focus": strconv.Itoa(focus)}}, nil)
}

// AutoFocus focuses on a point given in percent of the picture
// (/config/autoFocus).
func (c *Client) AutoFocus(ctx context.Context, x, y int) error {
	const op = "/config/autoFocus"
	if err := check(op, inRange("focus_x", x, 0, MaxFocusPct), inRange("focus_y", y, 0, MaxFocusPct)); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"focus_x": strconv.Itoa(x), "focus_y": strconv.Itoa(y)}}, nil)
}

// ResetZoomFocus restores the default zoom and focus (/config/resetZoomFocus).
func (c *Client) ResetZoomFocus(ctx context.Context) error {
	return c.call(ctx, request{Path: "/config/resetZoomFocus"}, nil)
}

// IRMode is the infrared mode (003 Basic 13): 0 off, 1 on, 2 auto.
type IRMode int

// The IR modes.
const (
	IROff  IRMode = 0
	IROn   IRMode = 1
	IRAuto IRMode = 2
)

// IRMode reads /config/getIrMode.
func (c *Client) IRMode(ctx context.Context) (IRMode, error) {
	var d struct {
		Mode num `json:"irmode"`
	}
	err := c.call(ctx, request{Path: "/config/getIrMode", Read: true}, &d)
	return IRMode(d.Mode), err
}

// SetIRMode sets /config/setIrMode.
func (c *Client) SetIRMode(ctx context.Context, m IRMode) error {
	const op = "/config/setIrMode"
	if err := check(op, inRange("irmode", int(m), 0, 2)); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"irmode": strconv.Itoa(int(m))}}, nil)
}

// Rotation reads /config/getRotation, in degrees.
func (c *Client) Rotation(ctx context.Context) (int, error) {
	var d struct {
		Rotation num `json:"rotation"`
	}
	err := c.call(ctx, request{Path: "/config/getRotation", Read: true}, &d)
	return int(d.Rotation), err
}

// RotationAngles reads the angles the camera supports
// (/config/getRotationAngles; strings "0", "90"... in 003's example).
func (c *Client) RotationAngles(ctx context.Context) ([]int, error) {
	var d struct {
		Angles []num `json:"angles"`
	}
	if err := c.call(ctx, request{Path: "/config/getRotationAngles", Read: true}, &d); err != nil {
		return nil, err
	}
	out := make([]int, len(d.Angles))
	for i, a := range d.Angles {
		out[i] = int(a)
	}
	return out, nil
}

// SetRotation sets /config/setRotation to one of the angles the camera
// offers (003 Basic 21: "use Get Rotation Angles to get available angles"),
// which it reads first.
func (c *Client) SetRotation(ctx context.Context, deg int) error {
	const op = "/config/setRotation"
	angles, err := c.RotationAngles(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(angles, deg) {
		allowed := make([]string, len(angles))
		for i, a := range angles {
			allowed[i] = strconv.Itoa(a)
		}
		return check(op, &FieldError{Field: "rotation", Rule: RuleOneOf, Allowed: allowed})
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"rotation": strconv.Itoa(deg)}}, nil)
}
