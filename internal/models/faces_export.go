package models

import "context"

// RosterColumns are the columns of a face a roster export reads: who the
// person is, their group, when and by whom they were enrolled and their
// consent. Never a photo (no hash, no box) nor anything of the face.
var RosterColumns = []string{"id", "group_id", "name", "state", "origin", "created_by", "enrolled_at", "vendor_created_at",
	"created_at", "consent_by", "consent_at", "consent_purpose"}

// FacePages reads the faces of a shop's groups by id in keyset pages of
// size, handing each page to fn (the slice is reused: fn must not keep
// it). Only RosterColumns are read.
func (s *Store) FacePages(ctx context.Context, shopID uint, groupIDs []uint, size int, fn func([]Face) error) (int, error) {
	if size <= 0 {
		size = 1000
	}
	if len(groupIDs) == 0 {
		return 0, nil
	}
	buf := make([]Face, 0, size)
	var after uint
	n := 0
	for {
		buf = buf[:0]
		err := s.db.WithContext(ctx).Model(&Face{}).Select(RosterColumns).
			Where("shop_id = ? AND group_id IN ? AND id > ?", shopID, groupIDs, after).
			Order("id").Limit(size).Find(&buf).Error
		if err != nil {
			return n, err
		}
		if len(buf) > 0 {
			if err := fn(buf); err != nil {
				return n, err
			}
			after = buf[len(buf)-1].ID
		}
		n += len(buf)
		if len(buf) < size {
			return n, nil
		}
	}
}
