package vendors

// The one internal description of a person, shared by faces, events and
// traffic: vendors code these differently, and each adapter maps its codes
// onto them at its boundary (NOTES.md items 1, 2 and 8).

// Gender is the internal gender (Sunmi 0 unknown / 1 male / 2 female;
// SenseLink 1 female / 2 male: NOTES 1).
type Gender string

// The genders.
const (
	GenderUnknown Gender = "unknown"
	GenderMale    Gender = "male"
	GenderFemale  Gender = "female"
)

// Genders lists the genders in the order forms offer them.
var Genders = []Gender{GenderUnknown, GenderMale, GenderFemale}

// Valid reports whether g is one of the genders.
func (g Gender) Valid() bool { return g == GenderUnknown || g == GenderMale || g == GenderFemale }

// AgeRange is one of the 8 canonical age ranges (NOTES 2: the Sunmi cloud
// labels, 1 = 0-6 ... 8 = 56+, which every vendor's ranges are mapped onto),
// or 0 when unknown.
type AgeRange int

// AgeUnknown is an age range not given.
const AgeUnknown AgeRange = 0

// AgeRangeCount is how many canonical ranges there are.
const AgeRangeCount = 8

// AgeRanges lists the 8 ranges, youngest first.
var AgeRanges = []AgeRange{1, 2, 3, 4, 5, 6, 7, 8}

// ageLabels are the ranges as people read them; NOTES 2 renders "0–6" and
// "56+" (the overlapping edges of some vendors' own labels are not kept).
var ageLabels = [AgeRangeCount + 1]string{"", "0–6", "7–12", "13–18", "19–28", "29–35", "36–45", "46–55", "56+"}

// Valid reports whether a is unknown or one of the 8 ranges.
func (a AgeRange) Valid() bool { return a >= 0 && a <= AgeRangeCount }

// Known reports whether a is one of the 8 ranges (not unknown).
func (a AgeRange) Known() bool { return a >= 1 && a <= AgeRangeCount }

// Label is the range as people read it ("19–28", "56+"; "" when unknown).
func (a AgeRange) Label() string {
	if !a.Valid() {
		return ""
	}
	return ageLabels[a]
}

// GroupKind is what a face group is for, whatever the vendor calls it
// (NOTES 8: Sunmi cloud types 1/2/3/5, groups named "stranger" and
// "regular" on the camera, SenseLink type 1 staff and 2 visitors).
type GroupKind string

// The group kinds.
const (
	GroupUnknown  GroupKind = ""
	GroupStranger GroupKind = "stranger" // filled by the cameras with unknown visitors
	GroupRegular  GroupKind = "regular"  // strangers seen often enough move here
	GroupStaff    GroupKind = "staff"
	GroupMember   GroupKind = "member" // members and VIPs
	GroupCustom   GroupKind = "custom"
	GroupVisitor  GroupKind = "visitor" // invited guests (SenseLink)
)

// GroupKinds lists the kinds in the order pages offer them.
var GroupKinds = []GroupKind{GroupStranger, GroupRegular, GroupStaff, GroupMember, GroupCustom, GroupVisitor}

// Valid reports whether k is one of the kinds.
func (k GroupKind) Valid() bool {
	for _, x := range GroupKinds {
		if k == x {
			return true
		}
	}
	return false
}
