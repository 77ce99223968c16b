package sunmilan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// num reads a number sent as a JSON number or as a string; empty and null
// are 0. 003 types several fields loosely (getName "int", age "string").
type num int64

func (n *num) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil {
			return err
		}
		// NaN, an infinity or a number past 2^53 converts to any int64
		// at all: refused (found by FuzzLANReply).
		if math.IsNaN(f) || math.Abs(f) > 1<<53 {
			return fmt.Errorf("number %s out of range", b)
		}
		v = int64(f)
	}
	*n = num(v)
	return nil
}

// text reads a string sent as a string or as a number.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
		return nil
	}
	if string(b) == "null" {
		*t = ""
		return nil
	}
	*t = text(b)
	return nil
}

// decodeLenient decodes JSON, and on failure tries again without commas
// that stand before } or ] (003's pass/out examples have them, NOTES 57).
func decodeLenient(b []byte, out any) error {
	err := json.Unmarshal(b, out)
	if err == nil {
		return nil
	}
	if fixed, ok := dropTrailingCommas(b); ok {
		if json.Unmarshal(fixed, out) == nil {
			return nil
		}
	}
	return err
}

// dropTrailingCommas removes a comma followed (after white space) by } or
// ], outside strings. It reports whether it changed anything.
func dropTrailingCommas(b []byte) ([]byte, bool) {
	var out strings.Builder
	inStr, esc, changed := false, false, false
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if inStr {
			out.WriteByte(ch)
			switch {
			case esc:
				esc = false
			case ch == '\\':
				esc = true
			case ch == '"':
				inStr = false
			}
			continue
		}
		if ch == '"' {
			inStr = true
		}
		if ch == ',' {
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\n' || b[j] == '\r' || b[j] == '\t') {
				j++
			}
			if j < len(b) && (b[j] == '}' || b[j] == ']') {
				changed = true
				continue
			}
		}
		out.WriteByte(ch)
	}
	return []byte(out.String()), changed
}
