package vendors

import "time"

// EventKind is what a vendor event reports.
type EventKind string

// The kinds of event.
const (
	EventFace   EventKind = "face"   // a face was recognised (or seen as a stranger)
	EventMotion EventKind = "motion" // picture, sound or a person detected
)

// MotionKind is what a motion event detected.
type MotionKind string

// The motion kinds (NOTES.md item 38: 1/2/3 picture, sound, both; the
// webhook's "human" is the extra kind person).
const (
	MotionKindPicture MotionKind = "picture"
	MotionKindSound   MotionKind = "sound"
	MotionKindBoth    MotionKind = "both"
	MotionKindPerson  MotionKind = "person"
)

// Event is one recognition or motion event as a vendor reported it, already
// translated out of the vendor's codes. URLs are the vendor's: fetch them
// server side, never hand them to a browser.
type Event struct {
	Vendor     string // "sunmi_ipc", "senselink"
	DeviceSN   string
	DeviceName string // when the vendor names the device in the event
	ID         string // the vendor's event or record id
	// Key identifies the event at its vendor for de-duplication: the same
	// event delivered twice (a redelivery, a repeated id) has the same Key.
	Key  string
	Kind EventKind
	At   time.Time

	// Face events.
	PersonID      string // the vendor's face or user id ("" for a stranger)
	CloudPersonID string // Sunmi: the face's id at Sunmi Store (cloud_faceid)
	PersonName    string
	Group         string // the vendor's group name
	GroupKind     GroupKind
	Age           int // 0 when not set
	AgeRange      AgeRange
	Gender        Gender
	Visits        int // times this face has arrived, 0 when unknown

	// Motion events.
	Motion    MotionKind
	MotionRaw int // the vendor's code, kept for support

	PictureURL string
	ClipURL    string
	// Attrs are the vendor's extra attributes (Sunmi item1..5 or named
	// custom attributes).
	Attrs map[string]string
}
