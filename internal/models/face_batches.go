package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// FaceBatch is one bulk enrollment.
type FaceBatch struct {
	ID             uint `gorm:"primaryKey"`
	ShopID         uint
	GroupID        uint
	State          string // running, done
	Total          int
	CreatedBy      string
	ConsentBy      string
	ConsentAt      *time.Time
	ConsentPurpose string
	FinishedAt     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// The states of a batch item.
const (
	ItemQueued  = "queued"
	ItemDone    = "done" // sent: its face says whether it is pending or enrolled
	ItemFailed  = "failed"
	ItemSkipped = "skipped" // already enrolled: not again
)

// FaceBatchItem is one photo of a batch.
type FaceBatchItem struct {
	ID        uint `gorm:"primaryKey"`
	BatchID   uint
	Seq       int
	FileName  string
	Name      string
	Gender    string
	AgeRange  int
	Custom1   string
	Custom2   string
	Custom3   string
	Custom4   string
	Custom5   string
	State     string
	FaceID    *uint
	Result    string
	Detail    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Custom returns the item's custom attribute values.
func (it *FaceBatchItem) Custom() [5]string {
	return [5]string{it.Custom1, it.Custom2, it.Custom3, it.Custom4, it.Custom5}
}

// SetCustom sets the item's custom attribute values.
func (it *FaceBatchItem) SetCustom(v [5]string) {
	it.Custom1, it.Custom2, it.Custom3, it.Custom4, it.Custom5 = v[0], v[1], v[2], v[3], v[4]
}

// CreateFaceBatch stores a batch with its items (queued unless they carry
// a state) and an audit
// entry, in one transaction.
func (s *Store) CreateFaceBatch(ctx context.Context, b *FaceBatch, items []FaceBatchItem, audit AuditEntry) error {
	return translate(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		b.State, b.Total = "running", len(items)
		if err := tx.Create(b).Error; err != nil {
			return err
		}
		for i := range items {
			items[i].BatchID = b.ID
			if items[i].State == "" {
				items[i].State = ItemQueued
			}
		}
		if len(items) > 0 {
			if err := tx.CreateInBatches(items, 100).Error; err != nil {
				return err
			}
		}
		return tx.Create(s.stamp(audit)).Error
	}))
}

// FaceBatch returns batch id of shop shopID.
func (s *Store) FaceBatch(ctx context.Context, shopID, id uint) (FaceBatch, error) {
	var b FaceBatch
	err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).First(&b, id).Error
	return b, translate(err)
}

// FaceBatchByID returns a batch of any shop (for its worker).
func (s *Store) FaceBatchByID(ctx context.Context, id uint) (FaceBatch, error) {
	var b FaceBatch
	err := s.db.WithContext(ctx).First(&b, id).Error
	return b, translate(err)
}

// RunningFaceBatches lists the batches not finished (to resume at start).
func (s *Store) RunningFaceBatches(ctx context.Context) ([]FaceBatch, error) {
	var out []FaceBatch
	err := s.db.WithContext(ctx).Where("state = ?", "running").Order("id").Find(&out).Error
	return out, err
}

// QueuedBatchItems returns a batch's queued items in order.
func (s *Store) QueuedBatchItems(ctx context.Context, batchID uint) ([]FaceBatchItem, error) {
	var out []FaceBatchItem
	err := s.db.WithContext(ctx).Where("batch_id = ? AND state = ?", batchID, ItemQueued).Order("seq").Find(&out).Error
	return out, err
}

// FinishBatchItem records an item's outcome.
func (s *Store) FinishBatchItem(ctx context.Context, id uint, state string, faceID *uint, result, detail string) error {
	return translate(s.db.WithContext(ctx).Model(&FaceBatchItem{}).Where("id = ?", id).
		Updates(map[string]any{"state": state, "face_id": faceID, "result": result, "detail": detail}).Error)
}

// FinishFaceBatch marks a batch done.
func (s *Store) FinishFaceBatch(ctx context.Context, id uint) error {
	now := s.Now()
	return translate(s.db.WithContext(ctx).Model(&FaceBatch{}).Where("id = ?", id).
		Updates(map[string]any{"state": "done", "finished_at": now}).Error)
}

// BatchItemRow is an item with its face's state, for the result table.
type BatchItemRow struct {
	FaceBatchItem
	FaceState string
	FaceError string
	ThumbHash string
}

// FaceBatchItems lists a batch's items in order, with their faces' states.
func (s *Store) FaceBatchItems(ctx context.Context, batchID uint) ([]BatchItemRow, error) {
	var out []BatchItemRow
	err := s.db.WithContext(ctx).Table("face_batch_items AS i").
		Select("i.*, COALESCE(f.state, '') AS face_state, COALESCE(f.error, '') AS face_error, COALESCE(f.thumb_hash, '') AS thumb_hash").
		Joins("LEFT JOIN faces f ON f.id = i.face_id").
		Where("i.batch_id = ?", batchID).Order("i.seq").Scan(&out).Error
	return out, err
}

// BatchProgress counts a batch's items by state.
type BatchProgress struct {
	Total, Queued, Done, Failed, Skipped int
}

// FaceBatchProgress counts a batch's items by state.
func (s *Store) FaceBatchProgress(ctx context.Context, batchID uint) (BatchProgress, error) {
	var rows []struct {
		State string
		N     int
	}
	err := s.db.WithContext(ctx).Model(&FaceBatchItem{}).Select("state, COUNT(*) AS n").
		Where("batch_id = ?", batchID).Group("state").Scan(&rows).Error
	var p BatchProgress
	for _, r := range rows {
		p.Total += r.N
		switch r.State {
		case ItemQueued:
			p.Queued = r.N
		case ItemDone:
			p.Done = r.N
		case ItemFailed:
			p.Failed = r.N
		case ItemSkipped:
			p.Skipped = r.N
		}
	}
	return p, err
}
