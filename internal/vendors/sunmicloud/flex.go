package sunmicloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// flexInt reads a number sent as a JSON number or as a string ("source":
// "1" in 000 §5.3.5 is typed int), treating empty and null as 0.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
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
		// at all: refused (found by FuzzCloudReply).
		if math.IsNaN(fl) || math.Abs(fl) > 1<<53 {
			return fmt.Errorf("number %s out of range", b)
		}
		n = int64(fl)
	}
	*f = flexInt(n)
	return nil
}

// flexString reads a string sent as a string or as a number (ipc_id).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	*f = flexString(b)
	return nil
}

// unixTime turns a 10-digit (seconds) or 13-digit (milliseconds) stamp into
// a time; 0 is "unknown" (NOTES.md item 3).
func unixTime(v flexInt) time.Time {
	switch {
	case v <= 0:
		return time.Time{}
	case v >= 1e12:
		return time.UnixMilli(int64(v)).UTC()
	default:
		return time.Unix(int64(v), 0).UTC()
	}
}
