package vendors

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrUnsupported means the vendor has no such capability.
var ErrUnsupported = errors.New("not supported by this vendor")

// Kind is what went wrong at a vendor, in terms a store manager can act on.
// Adapters map their codes (per endpoint: vendors reuse codes) to a Kind.
type Kind string

// The kinds of vendor failure. The UI has one message per kind.
const (
	KindAuth          Kind = "auth"           // credentials or signature refused
	KindUnavailable   Kind = "unavailable"    // network error, timeout, 5xx
	KindMalformed     Kind = "malformed"      // a reply we could not read
	KindInternal      Kind = "internal"       // the vendor's own failure (database error)
	KindInvalidParam  Kind = "invalid_param"  // the vendor refused a parameter
	KindNoData        Kind = "no_data"        // nothing found (shop unknown, empty)
	KindDeviceUnknown Kind = "device_unknown" // no such device
	KindDeviceOffline Kind = "device_offline" // the vendor could not reach the device
	KindAlreadyBound  Kind = "already_bound"  // device bound elsewhere
	KindNotBound      Kind = "not_bound"      // device not bound
	KindInvalidMAC    Kind = "invalid_mac"
	KindClock         Kind = "clock"          // timestamp refused: our clock is off
	KindBindingBroken Kind = "binding_broken" // company/shop relation broken at the vendor
	KindBusy          Kind = "busy"           // the vendor refused a repeated call: try again shortly
	KindOther         Kind = "other"

	// Kinds of the devices area (Sunmi LAN cameras, SenseLink).
	KindNotActivated Kind = "not_activated" // the LAN camera must be activated first
	KindCertChanged  Kind = "cert_changed"  // the camera's pinned certificate changed: calls stop
	KindNotFound     Kind = "not_found"     // the vendor has no such record
	KindDuplicate    Kind = "duplicate"     // a record with the same name or code exists
	KindNotEmpty     Kind = "not_empty"     // cannot delete: it still holds records
)

// Error is a failure reported by, or on the way to, a vendor. Code and Msg
// are the vendor's own, kept for the log and shown next to our message.
type Error struct {
	Vendor string
	Op     string // the vendor call, e.g. "/device/ipc/bind"
	Kind   Kind
	Code   int    // the vendor's code, 0 if none
	Msg    string // the vendor's message, if any
	Err    error  // an underlying transport error, if any
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s %s: %s", e.Vendor, e.Op, e.Kind)
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d", e.Code)
		if e.Msg != "" {
			s += " " + e.Msg
		}
		s += ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of a vendor error, or "" if err is not one.
func KindOf(err error) Kind {
	var ve *Error
	if errors.As(err, &ve) {
		return ve.Kind
	}
	return ""
}

// Compact writes the parts of a vendor error worth keeping in the database
// ("kind|code|vendor message"), so a stored failure can be shown later in
// whichever language the reader uses.
func Compact(err error) string {
	var ve *Error
	if !errors.As(err, &ve) {
		return string(KindOther) + "||" + err.Error()
	}
	return fmt.Sprintf("%s|%d|%s", ve.Kind, ve.Code, ve.Msg)
}

// ParseCompact reads what Compact wrote; "" gives nil.
func ParseCompact(s string) *Error {
	if s == "" {
		return nil
	}
	parts := strings.SplitN(s, "|", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	code, _ := strconv.Atoi(parts[1])
	return &Error{Kind: Kind(parts[0]), Code: code, Msg: parts[2]}
}
