package models

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// FaceGroup is a face group of a shop as last seen at its vendor
// (migrations/0003_faces.sql).
type FaceGroup struct {
	ID            uint `gorm:"primaryKey"`
	ShopID        uint
	Vendor        string
	Source        string
	AccountID     *uint
	VendorGroupID string
	Kind          string
	Name          string
	Description   string
	Capacity      int
	FaceCount     int
	IsDefault     bool
	CustomKey1    string
	CustomKey2    string
	CustomKey3    string
	CustomKey4    string
	CustomKey5    string
	RuleVisits    int
	RuleDays      int
	// Purpose is kept here, not at the vendor: what the group's people
	// consent to; empty means the kind's (handlers.groupPurpose).
	Purpose          string
	RuleTargetID     *uint
	VendorModifiedAt *time.Time
	SyncedAt         *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// CustomKeys are the names of the group's custom attributes.
func (g *FaceGroup) CustomKeys() [5]string {
	return [5]string{g.CustomKey1, g.CustomKey2, g.CustomKey3, g.CustomKey4, g.CustomKey5}
}

// SetCustomKeys sets the names of the custom attributes.
func (g *FaceGroup) SetCustomKeys(k [5]string) {
	g.CustomKey1, g.CustomKey2, g.CustomKey3, g.CustomKey4, g.CustomKey5 = k[0], k[1], k[2], k[3], k[4]
}

// The states of a face (0003_faces.sql says what each means).
const (
	FacePending  = "pending"
	FaceEnrolled = "enrolled"
	FaceFailed   = "failed"
	FaceDeleting = "deleting"
	FaceMissing  = "missing"
)

// Where a face came from.
const (
	OriginHere   = "here"
	OriginVendor = "vendor"
)

// Face is a person's face in a group.
type Face struct {
	ID              uint `gorm:"primaryKey"`
	ShopID          uint
	GroupID         uint
	Vendor          string
	Source          string
	VendorFaceID    string
	State           string
	Origin          string
	Name            string
	Gender          string
	AgeRange        int
	Custom1         string
	Custom2         string
	Custom3         string
	Custom4         string
	Custom5         string
	Visits          int
	LastVisitAt     *time.Time
	VendorCreatedAt *time.Time
	PhotoHash       string
	ThumbHash       string
	SourceHash      string
	BoxX            int
	BoxY            int
	BoxSize         int
	ConsentBy       string
	ConsentAt       *time.Time
	ConsentPurpose  string
	Error           string
	Attempts        int
	SubmittedAt     *time.Time
	EnrolledAt      *time.Time
	CreatedBy       string
	SyncedAt        *time.Time
	// Visitors (SenseLink): the visit window and the receptionist's
	// vendor id.
	VisitFrom    *time.Time
	VisitTo      *time.Time
	Receptionist string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Custom returns the face's custom attribute values.
func (f *Face) Custom() [5]string {
	return [5]string{f.Custom1, f.Custom2, f.Custom3, f.Custom4, f.Custom5}
}

// SetCustom sets the custom attribute values.
func (f *Face) SetCustom(v [5]string) {
	f.Custom1, f.Custom2, f.Custom3, f.Custom4, f.Custom5 = v[0], v[1], v[2], v[3], v[4]
}

// FaceDeletion tracks one deletion until it is done at the vendor and here.
type FaceDeletion struct {
	ID            uint `gorm:"primaryKey"`
	ShopID        *uint
	FaceID        uint
	Vendor        string
	Source        string
	VendorGroupID string
	VendorFaceID  string
	PhotoHash     string
	ThumbHash     string
	RequestedBy   string
	RequestedAt   time.Time
	VendorDoneAt  *time.Time
	LocalDoneAt   *time.Time
	Attempts      int
	LastError     string
	Note          string
}

// FaceGroups lists a shop's groups: defaults first, then by name.
func (s *Store) FaceGroups(ctx context.Context, shopID uint) ([]FaceGroup, error) {
	var gs []FaceGroup
	err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).Order("is_default DESC, vendor, source, name, id").Find(&gs).Error
	return gs, err
}

// FaceGroup returns group id of shop shopID.
func (s *Store) FaceGroup(ctx context.Context, shopID, id uint) (FaceGroup, error) {
	var g FaceGroup
	err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).First(&g, id).Error
	return g, translate(err)
}

// SaveFaceGroup inserts or updates a group (by id).
func (s *Store) SaveFaceGroup(ctx context.Context, g *FaceGroup) error {
	return translate(s.db.WithContext(ctx).Save(g).Error)
}

// DeleteFaceGroup removes a group and, by cascade, its faces' rows (the
// caller has dealt with their photos).
func (s *Store) DeleteFaceGroup(ctx context.Context, shopID, id uint) error {
	return translate(s.db.WithContext(ctx).Where("shop_id = ?", shopID).Delete(&FaceGroup{}, id).Error)
}

// SyncFaceGroups makes the shop's groups of one library match the vendor's
// list: known ones (by vendor id) are updated, new ones added. A group
// kept locally as "member" stays one when the vendor can only say
// "custom". Groups the vendor no longer lists are returned, not deleted:
// their faces need the deletion flow.
func (s *Store) SyncFaceGroups(ctx context.Context, shopID uint, vendor, source string, accountID *uint, fresh []FaceGroup) (gone []FaceGroup, err error) {
	now := s.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var have []FaceGroup
		if err := tx.Where("shop_id = ? AND vendor = ? AND source = ?", shopID, vendor, source).Find(&have).Error; err != nil {
			return err
		}
		byID := map[string]*FaceGroup{}
		for i := range have {
			byID[have[i].VendorGroupID] = &have[i]
		}
		seen := map[string]bool{}
		for _, f := range fresh {
			seen[f.VendorGroupID] = true
			g, ok := byID[f.VendorGroupID]
			if !ok {
				g = &FaceGroup{ShopID: shopID, Vendor: vendor, Source: source, VendorGroupID: f.VendorGroupID}
			}
			kind := f.Kind
			if g.Kind == "member" && kind == "custom" {
				kind = "member"
			}
			g.AccountID, g.Kind, g.Name, g.Description = accountID, kind, f.Name, f.Description
			g.Capacity, g.FaceCount, g.IsDefault = f.Capacity, f.FaceCount, f.IsDefault
			g.SetCustomKeys(f.CustomKeys())
			g.VendorModifiedAt, g.SyncedAt = f.VendorModifiedAt, &now
			if err := tx.Save(g).Error; err != nil {
				return err
			}
		}
		for _, g := range have {
			if !seen[g.VendorGroupID] {
				gone = append(gone, g)
			}
		}
		return nil
	})
	return gone, translate(err)
}

// FaceSort orders a face list.
type FaceSort string

// The orders of a face list.
const (
	SortName       FaceSort = "name"
	SortNewest     FaceSort = "newest"
	SortVisits     FaceSort = "visits" // most visits first: the top visitors
	SortLongAbsent FaceSort = "absent" // longest since the last visit first
)

// FaceFilter selects a page of faces of a shop.
type FaceFilter struct {
	ShopID  uint
	GroupID uint // 0: every group
	Query   string
	Sort    FaceSort
	Page    int
	PerPage int
}

// Faces returns one page of faces and the total.
func (s *Store) Faces(ctx context.Context, f FaceFilter) ([]Face, int64, error) {
	if f.PerPage <= 0 {
		f.PerPage = 48
	}
	if f.Page < 1 {
		f.Page = 1
	}
	q := s.db.WithContext(ctx).Model(&Face{}).Where("shop_id = ?", f.ShopID)
	if f.GroupID != 0 {
		q = q.Where("group_id = ?", f.GroupID)
	}
	if term := strings.TrimSpace(f.Query); term != "" {
		q = q.Where("name "+s.dialect.like()+" ? ESCAPE '\\'", "%"+escapeLike(term)+"%")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	switch f.Sort {
	case SortNewest:
		q = q.Order("created_at DESC, id DESC")
	case SortVisits:
		q = q.Order("visits DESC, name, id")
	case SortLongAbsent:
		// Never seen counts as longest absent; then the oldest last visit.
		q = q.Order("last_visit_at IS NOT NULL, last_visit_at, name, id")
	default:
		q = q.Order("name, id")
	}
	var out []Face
	err := q.Limit(f.PerPage).Offset((f.Page - 1) * f.PerPage).Find(&out).Error
	return out, total, err
}

// Face returns face id of shop shopID.
func (s *Store) Face(ctx context.Context, shopID, id uint) (Face, error) {
	var f Face
	err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).First(&f, id).Error
	return f, translate(err)
}

// FacesByID returns the faces of a shop among ids.
func (s *Store) FacesByID(ctx context.Context, shopID uint, ids []uint) ([]Face, error) {
	var out []Face
	if len(ids) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Where("shop_id = ? AND id IN ?", shopID, ids).Order("id").Find(&out).Error
	return out, err
}

// FaceByVendorID finds a shop's face by its id at the vendor.
func (s *Store) FaceByVendorID(ctx context.Context, shopID uint, vendor, source, vendorFaceID string) (Face, error) {
	var f Face
	err := s.db.WithContext(ctx).Where("shop_id = ? AND vendor = ? AND source = ? AND vendor_face_id = ?",
		shopID, vendor, source, vendorFaceID).First(&f).Error
	return f, translate(err)
}

// FaceByVendorPerson finds a shop's face by its vendor's id whatever
// library (source) holds it: an event names the vendor and the person only.
func (s *Store) FaceByVendorPerson(ctx context.Context, shopID uint, vendor, vendorFaceID string) (Face, error) {
	var f Face
	if vendorFaceID == "" {
		return f, ErrNotFound
	}
	err := s.db.WithContext(ctx).Where("shop_id = ? AND vendor = ? AND vendor_face_id = ?",
		shopID, vendor, vendorFaceID).Order("id").First(&f).Error
	return f, translate(err)
}

// FaceBySourceHash finds the face enrolled in a shop from the same file.
func (s *Store) FaceBySourceHash(ctx context.Context, shopID uint, hash string) (Face, error) {
	var f Face
	err := s.db.WithContext(ctx).Where("shop_id = ? AND source_hash = ?", shopID, hash).First(&f).Error
	return f, translate(err)
}

// CreateFace stores a new face, with its audit entry in the same
// transaction. A face whose source file is already enrolled in the shop
// is ErrConflict.
func (s *Store) CreateFace(ctx context.Context, f *Face, audit AuditEntry) error {
	return translate(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(f).Error; err != nil {
			return err
		}
		if audit.TargetID == "" {
			audit.TargetID = strconv.FormatUint(uint64(f.ID), 10)
		}
		return tx.Create(s.stamp(audit)).Error
	}))
}

// UpdateFace saves the fields a user edits, with an audit entry.
func (s *Store) UpdateFace(ctx context.Context, f *Face, audit AuditEntry) error {
	return translate(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(f).Select("name", "gender", "age_range", "custom1", "custom2", "custom3", "custom4", "custom5").
			Updates(f).Error; err != nil {
			return err
		}
		return tx.Create(s.stamp(audit)).Error
	}))
}

// SetFaceSubmitted records that the photo was sent: the vendor's id if it
// gave one, one more attempt, no error.
func (s *Store) SetFaceSubmitted(ctx context.Context, id uint, vendorFaceID string) error {
	now := s.Now()
	return translate(s.db.WithContext(ctx).Model(&Face{}).Where("id = ?", id).Updates(map[string]any{
		"vendor_face_id": vendorFaceID, "state": FacePending, "error": "", "submitted_at": now,
		"attempts": gorm.Expr("attempts + 1"),
	}).Error)
}

// SetFaceEnrolled records the vendor's id of a pending face. A face being
// deleted keeps its state: its deletion can now go ahead.
func (s *Store) SetFaceEnrolled(ctx context.Context, id uint, vendorFaceID string) error {
	now := s.Now()
	db := s.db.WithContext(ctx)
	if err := db.Model(&Face{}).Where("id = ? AND state = ?", id, FacePending).Updates(map[string]any{
		"vendor_face_id": vendorFaceID, "state": FaceEnrolled, "error": "", "enrolled_at": now,
	}).Error; err != nil {
		return translate(err)
	}
	return translate(db.Model(&Face{}).Where("id = ? AND state = ?", id, FaceDeleting).
		Update("vendor_face_id", vendorFaceID).Error)
}

// AdoptFace records that a failed face is at the vendor after all.
func (s *Store) AdoptFace(ctx context.Context, id uint, vendorFaceID string) error {
	return translate(s.db.WithContext(ctx).Model(&Face{}).Where("id = ?", id).Updates(map[string]any{
		"vendor_face_id": vendorFaceID, "state": FaceEnrolled, "error": "", "enrolled_at": s.Now(),
	}).Error)
}

// SetFaceFailed records why the vendor did not take a face; sent says
// whether this was an attempt to send it (counted), or a verdict later.
func (s *Store) SetFaceFailed(ctx context.Context, id uint, reason string, sent bool, audit AuditEntry) error {
	up := map[string]any{"state": FaceFailed, "error": reason}
	if sent {
		up["attempts"] = gorm.Expr("attempts + 1")
		up["submitted_at"] = s.Now()
	}
	return translate(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Face{}).Where("id = ? AND state IN ?", id, []string{FacePending, FaceFailed}).
			Updates(up).Error; err != nil {
			return err
		}
		return tx.Create(s.stamp(audit)).Error
	}))
}

// MoveFaces moves faces to another group, with an audit entry.
func (s *Store) MoveFaces(ctx context.Context, shopID uint, ids []uint, groupID uint, audit AuditEntry) error {
	return translate(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Face{}).Where("shop_id = ? AND id IN ?", shopID, ids).Update("group_id", groupID).Error; err != nil {
			return err
		}
		return tx.Create(s.stamp(audit)).Error
	}))
}

// OpenFaces lists the faces waiting on their vendor (pending, or being
// deleted while pending), oldest submission first.
func (s *Store) OpenFaces(ctx context.Context, limit int) ([]Face, error) {
	var out []Face
	err := s.db.WithContext(ctx).Where("state IN ?", []string{FacePending, FaceDeleting}).
		Order("submitted_at, id").Limit(limit).Find(&out).Error
	return out, err
}

// VendorFaceIDs returns the vendor ids known for a shop's library.
func (s *Store) VendorFaceIDs(ctx context.Context, shopID uint, vendor, source string) (map[string]bool, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&Face{}).Where("shop_id = ? AND vendor = ? AND source = ? AND vendor_face_id <> ''",
		shopID, vendor, source).Pluck("vendor_face_id", &ids).Error
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// VendorFace is a face as a vendor listed it, for SyncFaces.
type VendorFace struct {
	VendorFaceID string
	Name         string
	Gender       string
	AgeRange     int
	Custom       [5]string
	Visits       int
	LastVisitAt  *time.Time
	CreatedAt    *time.Time
}

// FaceSyncResult counts what a sync changed.
type FaceSyncResult struct {
	Added, Updated, Missing, Back int
	VendorGone                    int // faces of the vendor's own it no longer lists: their rows go (no photo here)
}

// SyncFaces makes the faces of one group match the vendor's full list of
// it: known faces (by vendor id, wherever they were: a face moved at the
// vendor follows) get the vendor's attributes and visits; unknown ones are
// added as the vendor's; faces enrolled here that the vendor no longer has
// become missing, and missing ones it has again become enrolled; the
// vendor's own faces it no longer lists go. Pending,
// failed and deleting faces are left to their own flows.
func (s *Store) SyncFaces(ctx context.Context, g FaceGroup, list []VendorFace) (FaceSyncResult, error) {
	var res FaceSyncResult
	now := s.Now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var have []Face
		if err := tx.Where("shop_id = ? AND vendor = ? AND source = ? AND vendor_face_id <> ''", g.ShopID, g.Vendor, g.Source).
			Find(&have).Error; err != nil {
			return err
		}
		byID := make(map[string]*Face, len(have))
		for i := range have {
			byID[have[i].VendorFaceID] = &have[i]
		}
		seen := make(map[string]bool, len(list))
		var fresh []Face
		for _, v := range list {
			seen[v.VendorFaceID] = true
			f, ok := byID[v.VendorFaceID]
			if !ok {
				n := Face{ShopID: g.ShopID, GroupID: g.ID, Vendor: g.Vendor, Source: g.Source, VendorFaceID: v.VendorFaceID,
					State: FaceEnrolled, Origin: OriginVendor, Name: v.Name, Gender: v.Gender, AgeRange: v.AgeRange,
					Visits: v.Visits, LastVisitAt: v.LastVisitAt, VendorCreatedAt: v.CreatedAt, SyncedAt: &now}
				n.SetCustom(v.Custom)
				fresh = append(fresh, n)
				continue
			}
			if f.State == FaceDeleting {
				continue
			}
			up := map[string]any{"group_id": g.ID, "name": v.Name, "gender": v.Gender, "age_range": v.AgeRange,
				"custom1": v.Custom[0], "custom2": v.Custom[1], "custom3": v.Custom[2], "custom4": v.Custom[3], "custom5": v.Custom[4],
				"visits": v.Visits, "last_visit_at": v.LastVisitAt, "vendor_created_at": v.CreatedAt, "synced_at": now}
			if v.Name == "" {
				delete(up, "name") // a vendor without names (the camera on the LAN) keeps ours
			}
			switch f.State {
			case FaceMissing:
				up["state"] = FaceEnrolled
				res.Back++
			case FacePending:
				up["state"], up["enrolled_at"], up["error"] = FaceEnrolled, now, ""
			}
			if err := tx.Model(&Face{}).Where("id = ?", f.ID).Updates(up).Error; err != nil {
				return err
			}
			res.Updated++
		}
		if len(fresh) > 0 {
			if err := tx.CreateInBatches(fresh, 100).Error; err != nil {
				return err
			}
			res.Added = len(fresh)
		}
		var missing, vendorGone []uint
		for _, f := range have {
			if f.GroupID != g.ID || seen[f.VendorFaceID] || f.State != FaceEnrolled {
				continue
			}
			if f.Origin == OriginVendor {
				vendorGone = append(vendorGone, f.ID)
			} else {
				missing = append(missing, f.ID)
			}
		}
		if len(missing) > 0 {
			if err := tx.Model(&Face{}).Where("id IN ?", missing).Update("state", FaceMissing).Error; err != nil {
				return err
			}
			res.Missing = len(missing)
		}
		if len(vendorGone) > 0 {
			if err := tx.Where("id IN ?", vendorGone).Delete(&Face{}).Error; err != nil {
				return err
			}
			res.VendorGone = len(vendorGone)
		}
		return tx.Model(&FaceGroup{}).Where("id = ?", g.ID).Updates(map[string]any{"face_count": len(list), "synced_at": now}).Error
	})
	return res, translate(err)
}

// PhotoInShop reports whether a photo or thumbnail hash belongs to a face
// of the shop: the only way a stored photo is ever served.
func (s *Store) PhotoInShop(ctx context.Context, shopID uint, hash string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Face{}).
		Where("shop_id = ? AND (photo_hash = ? OR thumb_hash = ?)", shopID, hash, hash).Limit(1).Count(&n).Error
	return n > 0, err
}

// PhotoInUse reports whether any face still refers to a photo file.
func (s *Store) PhotoInUse(ctx context.Context, hash string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Face{}).Where("photo_hash = ? OR thumb_hash = ?", hash, hash).Limit(1).Count(&n).Error
	return n > 0, err
}

// FaceCounts counts a shop's faces per group and state.
type FaceCounts struct {
	GroupID uint
	State   string
	N       int
}

// CountFaces returns the shop's face counts per group and state.
func (s *Store) CountFaces(ctx context.Context, shopID uint) ([]FaceCounts, error) {
	var out []FaceCounts
	err := s.db.WithContext(ctx).Model(&Face{}).Select("group_id, state, COUNT(*) AS n").
		Where("shop_id = ?", shopID).Group("group_id, state").Scan(&out).Error
	return out, err
}

// StartFaceDeletion records a deletion and marks the face deleting (when
// it must wait for its vendor id), with an audit entry, in one transaction.
func (s *Store) StartFaceDeletion(ctx context.Context, d *FaceDeletion, markDeleting bool, audit AuditEntry) error {
	return translate(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(d).Error; err != nil {
			return err
		}
		if markDeleting {
			if err := tx.Model(&Face{}).Where("id = ?", d.FaceID).Update("state", FaceDeleting).Error; err != nil {
				return err
			}
		}
		return tx.Create(s.stamp(audit)).Error
	}))
}

// FinishFaceDeletionAtVendor records that the vendor no longer has the face.
func (s *Store) FinishFaceDeletionAtVendor(ctx context.Context, id uint, note string) error {
	now := s.Now()
	return translate(s.db.WithContext(ctx).Model(&FaceDeletion{}).Where("id = ?", id).
		Updates(map[string]any{"vendor_done_at": now, "note": note, "last_error": ""}).Error)
}

// RemoveDeletedFace deletes the face's row of a deletion (the caller then
// removes the photo files and marks the local side done).
func (s *Store) RemoveDeletedFace(ctx context.Context, d FaceDeletion) error {
	return translate(s.db.WithContext(ctx).Delete(&Face{}, d.FaceID).Error)
}

// MarkDeletionLocalDone records that the face is gone here, photo included.
func (s *Store) MarkDeletionLocalDone(ctx context.Context, id uint) error {
	return translate(s.db.WithContext(ctx).Model(&FaceDeletion{}).Where("id = ?", id).Update("local_done_at", s.Now()).Error)
}

// SetFaceState sets a face's state.
func (s *Store) SetFaceState(ctx context.Context, id uint, state string) error {
	return translate(s.db.WithContext(ctx).Model(&Face{}).Where("id = ?", id).Update("state", state).Error)
}

// SetFaceVisits records a face's visit count and last visit.
func (s *Store) SetFaceVisits(ctx context.Context, id uint, visits int, last *time.Time) error {
	return translate(s.db.WithContext(ctx).Model(&Face{}).Where("id = ?", id).
		Updates(map[string]any{"visits": visits, "last_visit_at": last}).Error)
}

// FailFaceDeletion records a failed attempt at the vendor.
func (s *Store) FailFaceDeletion(ctx context.Context, id uint, reason string) error {
	return translate(s.db.WithContext(ctx).Model(&FaceDeletion{}).Where("id = ?", id).
		Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_error": reason}).Error)
}

// OpenFaceDeletions lists deletions not complete on both sides.
func (s *Store) OpenFaceDeletions(ctx context.Context, limit int) ([]FaceDeletion, error) {
	var out []FaceDeletion
	err := s.db.WithContext(ctx).Where("local_done_at IS NULL OR vendor_done_at IS NULL").Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// FaceDeletionsOf lists a shop's deletions, newest first.
func (s *Store) FaceDeletionsOf(ctx context.Context, shopID uint, limit int) ([]FaceDeletion, error) {
	var out []FaceDeletion
	err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// FaceDeletionOf returns the open deletion of a face, if any.
func (s *Store) FaceDeletionOf(ctx context.Context, faceID uint) (FaceDeletion, error) {
	var d FaceDeletion
	err := s.db.WithContext(ctx).Where("face_id = ? AND local_done_at IS NULL", faceID).Order("id DESC").First(&d).Error
	return d, translate(err)
}

// ShopsWithFaceGroups lists the shops that have face groups, for the daily
// reconciliation.
func (s *Store) ShopsWithFaceGroups(ctx context.Context) ([]Shop, error) {
	var out []Shop
	err := s.db.WithContext(ctx).Where("id IN (SELECT DISTINCT shop_id FROM face_groups)").Order("id").Find(&out).Error
	return out, err
}

// stamp fills an audit entry's time.
func (s *Store) stamp(e AuditEntry) *AuditEntry {
	if e.At.IsZero() {
		e.At = s.Now()
	}
	return &e
}

// LANFaceCameras lists a shop's Sunmi cameras on the LAN that keep a face
// library: activated, with an account, and not an FM010 (face recognition
// is the FM020's, 003 NOTES 45). By id.
func (s *Store) LANFaceCameras(ctx context.Context, shopID uint) ([]Camera, error) {
	var out []Camera
	err := s.db.WithContext(ctx).Where("shop_id = ? AND vendor = ? AND activated AND lan_account_id IS NOT NULL AND model <> ?",
		shopID, "sunmilan", "FM010").Order("id").Find(&out).Error
	return out, err
}

// HasLANFaceCameras reports whether the shop has such a camera.
func (s *Store) HasLANFaceCameras(ctx context.Context, shopID uint) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Camera{}).Where("shop_id = ? AND vendor = ? AND activated AND lan_account_id IS NOT NULL AND model <> ?",
		shopID, "sunmilan", "FM010").Count(&n).Error
	return n > 0, err
}
