package sunmilan

import (
	"context"
	"strconv"
)

// MaxNameLen is 003 Basic Configurations 17: "Name, maximum 36 characters".
const MaxNameLen = 36

// Name reads /config/getName (typed int in 003's table, a string in its
// example: read as text).
func (c *Client) Name(ctx context.Context) (string, error) {
	var d struct {
		Name text `json:"name"`
	}
	err := c.call(ctx, request{Path: "/config/getName", Read: true}, &d)
	return string(d.Name), err
}

// SetName renames the camera with /config/updateName (003 Basic 17).
func (c *Client) SetName(ctx context.Context, name string) error {
	if err := check("/config/updateName", textLen("name", name, MaxNameLen, true)); err != nil {
		return err
	}
	return c.call(ctx, request{Path: "/config/updateName", Params: map[string]string{"name": name}}, nil)
}

// LED reads /config/getLedSwitch (003 Basic 20): 0 disabled, 1 enabled.
func (c *Client) LED(ctx context.Context) (bool, error) {
	var d struct {
		On num `json:"led_switch"`
	}
	err := c.call(ctx, request{Path: "/config/getLedSwitch", Read: true}, &d)
	return d.On == 1, err
}

// SetLED switches the LED with /config/setLedSwitch (003 Basic 19).
func (c *Client) SetLED(ctx context.Context, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return c.call(ctx, request{Path: "/config/setLedSwitch", Params: map[string]string{"led_switch": strconv.Itoa(v)}}, nil)
}
