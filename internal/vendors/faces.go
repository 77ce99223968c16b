package vendors

import (
	"context"
	"fmt"
	"time"
)

// CustomFields is how many custom attributes a group may name (Sunmi cloud
// customer_key1..5, the camera's item1..5: NOTES 35).
const CustomFields = 5

// FaceGroup is a face group as its vendor describes it.
type FaceGroup struct {
	ID          string // the vendor's id (the camera identifies groups by name: then the name)
	Kind        GroupKind
	Name        string
	Description string
	Count       int // faces in it
	Capacity    int // 0 when the vendor does not say
	// Default groups exist from the start and cannot be renamed or
	// deleted (Sunmi cloud 5524/5525, the camera's stranger/regular).
	Default    bool
	CustomKeys [CustomFields]string // names of the custom attributes, "" unused
	Modified   time.Time            // zero when unknown
}

// GroupInput is what a user sets on a group. Kind is only read on create.
type GroupInput struct {
	Kind        GroupKind
	Name        string
	Description string
	Capacity    int
	CustomKeys  [CustomFields]string
}

// Face is a face as its vendor describes it.
type Face struct {
	ID        string
	GroupID   string
	Name      string
	Gender    Gender
	Age       AgeRange
	Visits    int       // arrivals counted by the vendor
	LastVisit time.Time // zero when never seen
	Created   time.Time // zero when unknown
	Custom    [CustomFields]string
}

// FaceInput is what a user sets on a face.
type FaceInput struct {
	Name   string
	Gender Gender
	Age    AgeRange
	Custom [CustomFields]string
	// Force adds although the vendor found a similar person (SenseLink
	// 30002); vendors without that check ignore it.
	Force bool
	// Visitor groups (SenseLink type 2): the visit window and the vendor
	// id of the staff member who receives the visitor.
	VisitFrom, VisitTo time.Time
	Receptionist       string
}

// FacePage is one page of a group's faces and the group's total.
type FacePage struct {
	Faces []Face
	Total int
}

// Enrollment is a vendor's answer to an added face. Pending means the
// vendor accepted the photo but has not finished with it (Sunmi cloud
// processes /face/add asynchronously, 001 §3.3.8 note); FaceID may then be
// empty, to be found later with PendingFaces.
type Enrollment struct {
	FaceID  string
	Pending bool
}

// FaceLibrary is the capability to keep face groups and enroll faces by
// photo. Group and face ids are the vendor's. jpeg is a photo the photos
// pipeline made: a JPEG within 1920x1080 and 1,000,000 bytes with one face.
type FaceLibrary interface {
	FaceGroups(ctx context.Context, shop ShopRef) ([]FaceGroup, error)
	FaceGroup(ctx context.Context, shop ShopRef, groupID string) (FaceGroup, error)
	// CreateFaceGroup returns the new group with its id, even where the
	// vendor's create call does not say it (then the adapter finds it).
	CreateFaceGroup(ctx context.Context, shop ShopRef, in GroupInput) (FaceGroup, error)
	UpdateFaceGroup(ctx context.Context, shop ShopRef, groupID string, in GroupInput) error
	DeleteFaceGroup(ctx context.Context, shop ShopRef, groupID string) error

	// Faces returns page (1-based) of a group's faces, size per page.
	Faces(ctx context.Context, shop ShopRef, groupID string, page, size int) (FacePage, error)
	Face(ctx context.Context, shop ShopRef, faceID string) (Face, error)
	AddFace(ctx context.Context, shop ShopRef, groupID string, in FaceInput, jpeg []byte) (Enrollment, error)
	UpdateFace(ctx context.Context, shop ShopRef, groupID, faceID string, in FaceInput) error
	// DeleteFaces deletes faces of a group; ids the vendor does not know
	// are not an error (they are gone, which is what was asked).
	DeleteFaces(ctx context.Context, shop ShopRef, groupID string, faceIDs []string) error
	MoveFaces(ctx context.Context, shop ShopRef, fromGroupID, toGroupID string, faceIDs []string) error
}

// AsFaceLibrary returns the FaceLibrary capability of a, or ErrUnsupported.
func AsFaceLibrary(a Adapter) (FaceLibrary, error) {
	f, ok := a.(FaceLibrary)
	if !ok {
		return nil, fmt.Errorf("%s: faces: %w", a.Vendor(), ErrUnsupported)
	}
	return f, nil
}

// PendingFace is a face a vendor accepted but had not finished: Ref is the
// caller's own key for it.
type PendingFace struct {
	Ref       string
	GroupID   string
	FaceID    string // "" when the vendor gave none
	Name      string
	Submitted time.Time
}

// ResolvedFace says what became of a pending face: Found with its id once
// the vendor has it. Faces neither found nor failed are still pending.
type ResolvedFace struct {
	Ref    string
	FaceID string
	Found  bool
}

// PendingFaces is implemented by vendors whose AddFace can answer before
// the face exists. ResolveFaces looks the pending faces up at the vendor;
// taken holds the face ids the caller already knows, which a match by
// name must not claim again.
type PendingFaces interface {
	ResolveFaces(ctx context.Context, shop ShopRef, pending []PendingFace, taken map[string]bool) ([]ResolvedFace, error)
}

// MigrationRule is when a stranger becomes a regular: seen Visits times
// within Period (Sunmi cloud counts the period in seconds, the camera in
// days: NOTES 34). TargetGroupID is where they move (the camera moves
// them to "regular", whatever is set).
type MigrationRule struct {
	TargetGroupID string
	Visits        int
	Period        time.Duration
}

// MigrationRules is the capability to set the stranger-to-regular rule.
// The vendors offer no way to read it back.
type MigrationRules interface {
	SetMigrationRule(ctx context.Context, shop ShopRef, r MigrationRule) error
}

// The capabilities below are offered by the camera on the LAN (003 Face
// Recognition 14-15, peopleFlow 8-9) and SenseLink (004 §6.6); the pages
// offer each only where the shop's vendor has it.

// FaceSearch finds the enrolled face shown in a photo ("who is this?", 003
// getFaceByPicture). found is false when nobody matches.
type FaceSearch interface {
	FindFace(ctx context.Context, shop ShopRef, jpeg []byte) (face Face, found bool, err error)
}

// VisitHistory lists when a face was seen in a time range (003
// getFaceVisitDetail).
type VisitHistory interface {
	FaceVisits(ctx context.Context, shop ShopRef, faceID string, from, to time.Time) ([]time.Time, error)
}

// VisitorQuery selects the most frequent visitors of a range (003
// getVisitorList); zero fields do not filter.
type VisitorQuery struct {
	From, To time.Time
	GroupID  string
	Gender   Gender // "" or unknown: any
	Age      AgeRange
	Custom   [CustomFields]string
	Limit    int
}

// VisitorRanking lists the faces seen most often in a range, each with
// Visits counted in that range.
type VisitorRanking interface {
	TopVisitors(ctx context.Context, shop ShopRef, q VisitorQuery) ([]Face, error)
}

// LapsedFaces lists the faces of a group not seen for the longest time
// (003 getFaceByArrival: at most 10).
type LapsedFaces interface {
	LongestAbsent(ctx context.Context, shop ShopRef, groupID string, n int) ([]Face, error)
}

// PhotoCheck is a vendor's own verdict on a face photo before enrollment
// (004 /recognition/check and /recognition/quality).
type PhotoCheck struct {
	Faces       int
	QualityCode int // 0 passes; the vendor's code otherwise
	OK          bool
}

// PhotoChecker is the capability to have the vendor check a photo.
type PhotoChecker interface {
	CheckPhoto(ctx context.Context, jpeg []byte) (PhotoCheck, error)
}

// SimilarFaceError is a vendor's refusal because a similar person exists
// (SenseLink 30002): the page shows Existing and offers a forced retry.
type SimilarFaceError struct {
	Existing Face
	CanForce bool // the vendor allows a forced retry (can_force)
	Err      error
}

func (e *SimilarFaceError) Error() string { return "similar face exists: " + e.Err.Error() }
func (e *SimilarFaceError) Unwrap() error { return e.Err }

// The kinds of face-library failure (added to errors.go's list; the UI has
// one message per kind, in the faces message files).
const (
	KindGroupFull       Kind = "group_full"        // too many groups, or no capacity left
	KindGroupExists     Kind = "group_exists"      // a group of that name exists
	KindDefaultGroup    Kind = "default_group"     // default groups cannot be changed or deleted
	KindGroupNotEmpty   Kind = "group_not_empty"   // only an empty group can be deleted
	KindGroupUnknown    Kind = "group_unknown"     // no such group
	KindFaceUnknown     Kind = "face_unknown"      // no such face
	KindFaceNotInGroup  Kind = "face_not_in_group" // the face is not in the group named
	KindPhotoRejected   Kind = "photo_rejected"    // the vendor refused the photo (size, content)
	KindGroupKindNotSup Kind = "group_kind"        // the vendor has no group of that kind
	KindFaceUnavailable Kind = "face_unavailable"  // the camera has no face recognition (003 211)
)
