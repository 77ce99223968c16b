// Package faces runs the flows that span a face vendor, the photo
// pipeline and the database: face groups, enrollment by photo (single and
// in bulk), edits, moves, deletions tracked until done on both sides, and
// the reconciliation that keeps the local records and the vendor's in step.
// Vendor calls happen here, never inside a database transaction and never
// in a handler.
package faces

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/blobs"
	"storelens/internal/cameras"
	"storelens/internal/models"
	"storelens/internal/photos"
	"storelens/internal/vendors"
)

// Service is the faces service.
type Service struct {
	Store    *models.Store
	Accounts *accounts.Service
	Pipeline *photos.Pipeline
	Photos   *photos.Store
	Log      *slog.Logger
	// UploadDir holds bulk uploads until they are processed.
	UploadDir string
	// Batches keeps a started batch's photos until each is processed (nil:
	// files in UploadDir). With several instances the database's, so that
	// whichever instance resumes a batch finds them.
	Batches blobs.Store
	// ResolveWait is how long an enrollment waits for the vendor to finish
	// before answering "pending" (the reconciler finishes it later).
	ResolveWait time.Duration
	// PendingTimeout is how long a face may stay pending before it is
	// failed: the vendor evidently refused the photo.
	PendingTimeout time.Duration
	// Now is the clock (tests fix it); time.Now if nil.
	Now func() time.Time

	staged  stagedSet
	base    atomic.Value // context.Context of Run: batch workers stop with it
	batches sync.WaitGroup
	running sync.Map // batch id -> struct{}: batches with a worker
	kick    chan struct{}
	once    sync.Once
}

// Errors the pages explain in the user's language.
var (
	ErrConsentRequired = errors.New("faces: the person's consent is required")
	ErrDefaultGroup    = errors.New("faces: default groups cannot be renamed or deleted")
	ErrGroupNotEmpty   = errors.New("faces: only an empty group can be deleted")
	ErrPendingFace     = errors.New("faces: the vendor has not finished enrolling this face")
	ErrPhotoExpired    = errors.New("faces: the checked photo has expired; choose it again")
	ErrNoPhotoHere     = errors.New("faces: this face has no photo in StoreLens")
	ErrSameGroup       = errors.New("faces: the faces are already in that group")
	ErrNotLinked       = cameras.ErrNotLinked
	ErrOtherLibrary    = errors.New("faces: faces move only between groups of one face library")
)

// DuplicateError refuses a photo already enrolled in the shop.
type DuplicateError struct{ Face models.Face }

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("faces: this photo is already enrolled (face %d)", e.Face.ID)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// library is one face library of a shop: the vendor, the library within
// it (source: "" for a shop-level library such as Sunmi cloud's, a camera
// SN for a camera on the LAN) and the adapter's capability. libraries.go
// opens them.
type library struct {
	vendor, source string
	label          string // how the pages name it besides the vendor
	account        *uint
	ref            vendors.ShopRef
	adapter        vendors.Adapter
	lib            vendors.FaceLibrary
}

// sunmiVendor is the vendor name of a shop's Sunmi cloud library.
const sunmiVendor = "sunmicloud"

// Caps are the face features a shop's vendor offers: pages show only these.
type Caps struct {
	Library     bool
	Vendor      string
	Key         string              // the library these are of
	Libraries   []LibraryInfo       // every library of the shop, to choose from
	GroupKinds  []vendors.GroupKind // kinds a user may create
	Rules       bool                // stranger-to-regular rule
	Search      bool                // who is this?
	VisitLog    bool                // visit times in a range
	TopVisitors bool                // ranking for a range
	Lapsed      bool                // not seen for longest, from the vendor
	PhotoCheck  bool                // the vendor's own photo check
	GroupDelete bool                // groups can be deleted (SenseLink has no call)
}

// Capabilities opens the shop's library named key (its first when "") and
// says what it offers. A shop without a face library has no Library; err
// is only for failures opening it.
func (s *Service) Capabilities(ctx context.Context, shop models.Shop, key string) (Caps, error) {
	ls, err := s.libraries(ctx, shop)
	if errors.Is(err, ErrNotLinked) || errors.Is(err, vendors.ErrUnsupported) {
		return Caps{}, nil
	}
	if err != nil {
		return Caps{}, err
	}
	l := ls[0]
	for _, x := range ls {
		if x.Key() == key {
			l = x
		}
	}
	c := Caps{Library: true, Vendor: l.vendor, Key: l.Key(), GroupKinds: []vendors.GroupKind{vendors.GroupStaff, vendors.GroupMember, vendors.GroupCustom}}
	if k, ok := l.adapter.(interface{ GroupKinds() []vendors.GroupKind }); ok {
		c.GroupKinds = k.GroupKinds()
	}
	_, c.Rules = l.adapter.(vendors.MigrationRules)
	_, c.Search = l.adapter.(vendors.FaceSearch)
	_, c.VisitLog = l.adapter.(vendors.VisitHistory)
	_, c.TopVisitors = l.adapter.(vendors.VisitorRanking)
	_, c.Lapsed = l.adapter.(vendors.LapsedFaces)
	_, c.PhotoCheck = l.adapter.(vendors.PhotoChecker)
	c.GroupDelete = true
	if d, ok := l.adapter.(interface{ DeletesFaceGroups() bool }); ok {
		c.GroupDelete = d.DeletesFaceGroups()
	}
	for _, x := range ls {
		c.Libraries = append(c.Libraries, LibraryInfo{Key: x.Key(), Vendor: x.vendor, Source: x.source, Label: x.label})
	}
	return c, nil
}

// CanEnroll reports whether the shop has a face library at all (cheap: no
// secret is opened, one count), for the shop's tabs.
func (s *Service) CanEnroll(shop *models.Shop) bool {
	if shop.HasSunmi() || shop.HasSenseLink() {
		return true
	}
	ok, err := s.Store.HasLANFaceCameras(context.Background(), shop.ID)
	return err == nil && ok
}

// Consent is the person's consent to the enrollment (PIPL): who collected
// it, for what purpose, when.
type Consent struct {
	By, Purpose string
	At          time.Time
}

func (c Consent) ok() bool { return c.By != "" && c.Purpose != "" && !c.At.IsZero() }

func faceInput(f models.Face) vendors.FaceInput {
	in := vendors.FaceInput{Name: f.Name, Gender: vendors.Gender(f.Gender), Age: vendors.AgeRange(f.AgeRange), Custom: f.Custom(),
		Receptionist: f.Receptionist}
	if f.VisitFrom != nil && f.VisitTo != nil {
		in.VisitFrom, in.VisitTo = *f.VisitFrom, *f.VisitTo
	}
	return in
}

func itoa(n uint) string { return fmt.Sprint(n) }

// timePtr is nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// baseContext is Run's context, or Background before Run (tests).
func (s *Service) baseContext() context.Context {
	if ctx, ok := s.base.Load().(context.Context); ok {
		return ctx
	}
	return context.Background()
}
