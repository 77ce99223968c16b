package vendors

import "time"

// EventKind is what a vendor event reports.
type EventKind string

// The kinds of event.
const (
	EventFace   EventKind = "face"   // a face was recognised (or seen as a stranger)
	EventMotion EventKind = "motion" // picture, sound or a person detected
)

// Gender is the one internal gender (NOTES.md item 1): each adapter maps its
// vendor's codes (Sunmi 0/1/2, SenseLink 1 female / 2 male) onto it.
type Gender string

// The genders.
const (
	GenderUnknown Gender = ""
	GenderMale    Gender = "male"
	GenderFemale  Gender = "female"
)

// AgeRange is one of the canonical eight age buckets (NOTES.md item 2, the
// Sunmi cloud labels): 1 = 0-6, 2 = 7-12, 3 = 13-18, 4 = 19-28, 5 = 29-35,
// 6 = 36-45, 7 = 46-55, 8 = 56+; 0 is unknown.
type AgeRange int

// Valid reports whether r is one of the eight buckets.
func (r AgeRange) Valid() bool { return r >= 1 && r <= 8 }

// Label is the bucket as shown ("19-28", "56+"), "" when unknown.
func (r AgeRange) Label() string {
	labels := [...]string{"", "0-6", "7-12", "13-18", "19-28", "29-35", "36-45", "46-55", "56+"}
	if !r.Valid() {
		return ""
	}
	return labels[r]
}

// GroupKind is the internal kind of a face group (NOTES.md item 8); the
// vendor's own group name is kept beside it.
type GroupKind string

// The group kinds.
const (
	GroupUnknown  GroupKind = ""
	GroupStranger GroupKind = "stranger"
	GroupRegular  GroupKind = "regular"
	GroupStaff    GroupKind = "staff"
	GroupMember   GroupKind = "member"
	GroupCustom   GroupKind = "custom"
	GroupVisitor  GroupKind = "visitor"
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
