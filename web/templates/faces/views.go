// Package faces holds the pages of the faces area: a shop's face groups,
// the faces of a group, enrollment by photo (one, or many with progress),
// a face's page, and the record of deletions. Views are plain structs the
// handlers fill; the templates only branch and loop.
package faces

import (
	"fmt"

	"storelens/web/templates/components"
	"storelens/web/templates/shops"
)

// Option is one <option> of a select.
type Option struct {
	Value, Label string
	Selected     bool
	// Purpose is what a group option's group states its faces are for
	// (the consent's), and its label: the form shows it beside the tick.
	Purpose, PurposeLabel string
}

// ConsentView is the consent box of the enroll and bulk forms: one tick,
// for the purpose the group states (or one chosen, for a group that
// states none), collected by the signed-in user.
type ConsentView struct {
	Given        bool
	By           string
	Purpose      string   // the group's, "" when it states none
	PurposeLabel string   // Purpose in the reader's language
	Purposes     []Option // to choose from, when the group states none
	Errors       map[string][]string
}

// Box is a face found in a photo, in the photo's pixels.
type Box struct{ X, Y, Size int }

// Preview is a photo with the faces found in it, drawn as boxes.
type Preview struct {
	PhotoURL      string
	ThumbURL      string // the face to be enrolled ("" unless exactly one)
	Width, Height int
	Boxes         []Box
	OK            bool   // exactly one face
	Message       string // why it cannot be enrolled, when not OK
	// The vendor's own check where it offers one (SenseLink §6.6).
	VendorCheck string
	VendorOK    bool
}

// ViewBox is the SVG viewBox of the preview.
func (p Preview) ViewBox() string { return fmt.Sprintf("0 0 %d %d", p.Width, p.Height) }

// GroupRow is a group in the overview.
type GroupRow struct {
	ID                         uint
	Href, EditHref, DeleteHref string
	EnrollHref, BulkHref       string
	Name, Kind, Description    string
	Count, Capacity            int
	Default                    bool
	Keys                       []string
	Pending, Failed, Missing   int
	CannotDelete               string // why delete is not offered ("" when it is)
}

// RuleForm is the stranger-to-regular rule.
type RuleForm struct {
	Action       string
	Visits, Days string
	Targets      []Option
	Errors       map[string][]string
	Error        string
	Set          bool // a rule was set from StoreLens
	Current      string
}

// OverviewView is the faces tab of a shop.
type OverviewView struct {
	Header                   shops.Header
	Libraries                []LibraryTab // shown when the shop has more than one
	Vendor                   string
	SyncAction, NewGroupHref string
	EnrollHref, BulkHref     string
	DeletionsHref            string
	SearchHref, VisitorsHref string // "" where the vendor does not offer them
	RosterHref               string // the library's roster as CSV
	SyncError                string
	Groups                   []GroupRow
	Rule                     *RuleForm
	Pending, Failed, Missing int
}

// LibraryTab is one of a shop's face libraries (its Sunmi cloud shop, a
// camera on the LAN) to choose on the faces pages.
type LibraryTab struct {
	Label, Href string
	Active      bool
}

// GroupFormView creates or edits a group.
type GroupFormView struct {
	Header                            shops.Header
	IsNew                             bool
	Action, Cancel                    string
	Name, Description, Capacity, Kind string
	Keys                              [5]string
	Kinds                             []Option
	// Purposes: the consent purpose the group states; the first option
	// (empty) follows the kind.
	Purposes []Option
	Errors   map[string][]string
	Error    string
}

// FaceCard is a face in a list.
type FaceCard struct {
	ID                uint
	Href, Thumb       string
	Name, Gender, Age string
	State, StateLabel string
	Visits, LastVisit string
	Custom            []string
	Error             string
	FromVendor        bool
}

// GroupFacesView is the faces of one group.
type GroupFacesView struct {
	Header                   shops.Header
	Group                    GroupRow
	Action                   string // the list's own URL, for search
	Query, Sort              string
	Sorts                    []Option
	Faces                    []FaceCard
	Total                    int
	Keys                     []string
	Pager                    components.Pager
	MoveTargets              []Option
	MoveAction, DeleteAction string
	Error                    string
}

// EnrollView is the enroll-by-photo form, with the photo's preview once
// checked.
type EnrollView struct {
	Header                      shops.Header
	Action, CheckAction, Cancel string
	Groups                      []Option
	Name, Gender, Age           string
	Genders, Ages               []Option
	Keys                        [5]string
	Custom                      [5]string
	Consent                     ConsentView
	Token                       string
	Preview                     *Preview
	PhotoError                  string
	Errors                      map[string][]string
	Error                       string
	MaxMB                       int
	// Visitor groups (SenseLink): the visit window and the receptionist.
	Visit              bool
	VisitFrom, VisitTo string // datetime-local values
	Receptionists      []Option
	// No group to enroll into yet: the form says so and links to make one.
	EmptyGroups  bool
	NewGroupHref string
}

// HasKeys reports whether the group names any custom attribute.
func (v EnrollView) HasKeys() bool {
	for _, k := range v.Keys {
		if k != "" {
			return true
		}
	}
	return false
}

// KeyValue is a custom attribute of a face.
type KeyValue struct{ Key, Value string }

// FaceView is one face's page.
type FaceView struct {
	Header                               shops.Header
	ID                                   uint
	Name, GroupName, GroupHref           string
	Gender, Age, State, StateLabel       string
	Error                                string
	FromVendor                           bool
	Photo                                *Preview
	Thumb                                string
	Visits, LastVisit, Created, Enrolled string
	ConsentBy, ConsentAt, ConsentPurpose string
	Custom                               []KeyValue
	RefreshError                         string
	EditAction, RetryAction              string
	ForceAction                          string // a forced retry after "similar person" (SenseLink 30002)
	VisitWindow                          string // visitors: from – to
	MoveAction, DeleteAction             string
	CanEdit                              bool
	EditHint                             string // why the face cannot be edited here
	EditName, EditGender, EditAge        string
	EditCustom                           [5]string
	Keys                                 [5]string
	Genders, Ages                        []Option
	MoveTargets                          []Option
	Errors                               map[string][]string
	FormError                            string
	VisitLog                             *VisitLog
}

// VisitLog is when a face was seen in a range (where the vendor says).
type VisitLog struct {
	Action, From, To string
	Times            []string
	Error            string
}

// BulkView is the bulk enrollment form.
type BulkView struct {
	Header         shops.Header
	Action, Cancel string
	Groups         []Option
	Consent        ConsentView
	Errors         map[string][]string
	Error          string
	MaxFiles       int
}

// BatchRow is one photo of a batch.
type BatchRow struct {
	Seq               int
	FileName, Name    string
	State, StateLabel string
	Message           string
	FaceHref, Thumb   string
}

// BatchView is a batch's progress and results.
type BatchView struct {
	Header                    shops.Header
	GroupName, GroupHref      string
	ProgressURL               string
	Total, Processed, Percent int
	Done, Failed, Skipped     int
	Running                   bool
	Rows                      []BatchRow
	By, Consent               string
}

// ConfirmDeleteView asks to confirm deleting faces.
type ConfirmDeleteView struct {
	Header         shops.Header
	Names          []string
	IDs            []uint
	Action, Cancel string
	Error          string
}

// DeletionRow is one deletion on record.
type DeletionRow struct {
	FaceID                uint
	RequestedAt, By       string
	VendorDone, LocalDone string
	Complete              bool
	Note, LastError       string
	Attempts              int
}

// DeletionsView is the record of a shop's face deletions.
type DeletionsView struct {
	Header shops.Header
	Back   string
	Rows   []DeletionRow
}

// MatchRow is a face a vendor answered with.
type MatchRow struct {
	Href, Thumb              string
	Name, Group, Gender, Age string
	Visits, LastVisit        string
	Known                    bool // enrolled or synced here
}

// SearchView is "who is this?": a photo, and the vendor's answer.
type SearchView struct {
	Header            shops.Header
	Library           string // which library is searched, when the shop has several
	Action, Back      string
	Preview           *Preview
	PhotoError, Error string
	Asked, Found      bool
	Match             MatchRow
	EnrollHref        string // the empty state's way to fill the library
}

// VisitorsView is the top visitors of a range and the faces not seen for
// longest, as the vendor counts them.
type VisitorsView struct {
	Header          shops.Header
	Action, Back    string
	Lib             string // the library asked, kept by the form
	From, To        string
	Groups          []Option
	Genders, Ages   []Option
	TopOn, LapsedOn bool
	Top, Lapsed     []MatchRow
	LapsedGroup     string
	Error           string
	EnrollHref      string // the empty state's way to fill the lists
	ExportHref      string // the top visitors as CSV, with these filters
}
