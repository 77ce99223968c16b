package sunmilan

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"storelens/internal/vendors"
)

// FieldError is a value refused before it is sent, against a rule of 003.
// The UI shows it next to its field, in the reader's language.
type FieldError struct {
	Field string // the parameter's name in 003 (e.g. "zoom")
	Rule  string // RuleRange, RuleMaxLen, RuleRequired, RuleOneOf, RuleIPv4, RuleNetmask, RuleSubnet
	Min   int    // RuleRange: inclusive bounds
	Max   int    // RuleRange: upper bound; RuleMaxLen: characters
	// Allowed lists the accepted values for RuleOneOf.
	Allowed []string
}

// The rules a FieldError names.
const (
	RuleRange      = "range"
	RuleMaxLen     = "max_len"
	RuleRequired   = "required"
	RuleOneOf      = "one_of"
	RuleIPv4       = "ipv4"
	RuleNetmask    = "netmask"
	RuleSubnet     = "subnet"      // gateway outside the address's subnet
	RuleAfterStart = "after_start" // an end not after its start
)

func (e *FieldError) Error() string {
	switch e.Rule {
	case RuleRange:
		return fmt.Sprintf("%s must be within [%d, %d]", e.Field, e.Min, e.Max)
	case RuleMaxLen:
		return fmt.Sprintf("%s is longer than %d characters", e.Field, e.Max)
	case RuleOneOf:
		return fmt.Sprintf("%s must be one of %s", e.Field, strings.Join(e.Allowed, ", "))
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Rule)
}

// FieldErrors are every refused value of one call.
type FieldErrors []*FieldError

func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// check returns nil, or a KindInvalidParam vendors.Error wrapping the
// FieldErrors among errs: the call is refused before anything is sent.
func check(op string, errs ...*FieldError) error {
	var out FieldErrors
	for _, e := range errs {
		if e != nil {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &vendors.Error{Vendor: Name, Op: op, Kind: vendors.KindInvalidParam, Err: out}
}

func inRange(field string, v, lo, hi int) *FieldError {
	if v < lo || v > hi {
		return &FieldError{Field: field, Rule: RuleRange, Min: lo, Max: hi}
	}
	return nil
}

// textLen checks a text of at most max characters (runes), required or not.
func textLen(field, s string, max int, required bool) *FieldError {
	switch {
	case required && strings.TrimSpace(s) == "":
		return &FieldError{Field: field, Rule: RuleRequired}
	case utf8.RuneCountInString(s) > max:
		return &FieldError{Field: field, Rule: RuleMaxLen, Max: max}
	}
	return nil
}

func oneOf(field, v string, allowed ...string) *FieldError {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return &FieldError{Field: field, Rule: RuleOneOf, Allowed: allowed}
}
