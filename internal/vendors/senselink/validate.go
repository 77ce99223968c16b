package senselink

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"storelens/internal/vendors"
)

// FieldError is a value refused before it is sent, against 004's limits.
type FieldError struct {
	Field string // 004's parameter name
	Rule  string // "required" or "max_len"
	Max   int
}

func (e *FieldError) Error() string {
	if e.Rule == "max_len" {
		return fmt.Sprintf("%s is longer than %d characters", e.Field, e.Max)
	}
	return e.Field + " is required"
}

// FieldErrors are every refused value of one call.
type FieldErrors []*FieldError

func (es FieldErrors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return "invalid: " + strings.Join(s, "; ")
}

func textLen(field, v string, max int, required bool) *FieldError {
	switch {
	case required && strings.TrimSpace(v) == "":
		return &FieldError{Field: field, Rule: "required"}
	case utf8.RuneCountInString(v) > max:
		return &FieldError{Field: field, Rule: "max_len", Max: max}
	}
	return nil
}

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
