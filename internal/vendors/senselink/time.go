package senselink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

func shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// timeLayouts are the date shapes 004 prints (NOTES 90).
var timeLayouts = []string{"2006-01-02 15:04:05.0", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05Z07:00", "2006-01-02"}

// ParseTime reads a SenseLink time: "2018-06-22 12:45:51.0", "2019-04-23
// 10:30:08", RFC 3339, or a 10/13-digit Unix stamp; dates without a zone
// are in loc. Empty gives the zero time.
func ParseTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return time.Time{}, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch len(s) {
		case 13:
			return time.UnixMilli(n).UTC(), true
		case 10:
			return time.Unix(n, 0).UTC(), true
		}
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// vtime is a time field read tolerantly; the zone is applied by the
// caller through at (the decoder has no location).
type vtime string

func (v *vtime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = vtime(s)
		return nil
	}
	if string(b) == "null" {
		*v = ""
		return nil
	}
	*v = vtime(b)
	return nil
}

func (c *Client) at(v vtime) time.Time {
	t, _ := ParseTime(string(v), c.loc)
	return t
}

// flexInt reads an int sent as a number or a string (direction is both,
// NOTES 82); null is 0.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(bytes.TrimSpace(b), `"`)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		fl, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil {
			return err
		}
		// NaN, an infinity or a number past 2^53 converts to any int64
		// at all: refused (found by FuzzSenseLinkReply).
		if math.IsNaN(fl) || math.Abs(fl) > 1<<53 {
			return fmt.Errorf("number %s out of range", b)
		}
		n = int64(fl)
	}
	*f = flexInt(n)
	return nil
}

// nstring reads a string that may be null or a number.
type nstring string

func (n *nstring) UnmarshalJSON(b []byte) error {
	var v vtime
	if err := v.UnmarshalJSON(b); err != nil {
		return err
	}
	*n = nstring(v)
	return nil
}
