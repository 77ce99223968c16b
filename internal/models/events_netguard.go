package models

import "context"

// GiveUpEventPicture stops the picture fetcher from trying an event's link
// again (the outbound policy refused it: retrying cannot help): its tries
// are set to tries.
func (s *Store) GiveUpEventPicture(ctx context.Context, id int64, tries int) error {
	return s.db.WithContext(ctx).Model(&Event{}).Where("id = ?", id).Update("picture_tries", tries).Error
}
