package models

import "context"

// SetCameraEventDelivery stores how a LAN camera delivers its events (and
// the message channel's port, 0 for the camera's default).
func (s *Store) SetCameraEventDelivery(ctx context.Context, cameraID uint, delivery string, channelPort int) error {
	res := s.db.WithContext(ctx).Model(&Camera{}).Where("id = ?", cameraID).
		Updates(map[string]any{"event_delivery": delivery, "channel_port": channelPort})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// CamerasDeliveringEvents lists the cameras of a vendor with an event
// delivery chosen, by id.
func (s *Store) CamerasDeliveringEvents(ctx context.Context, vendor string) ([]Camera, error) {
	var out []Camera
	err := s.db.WithContext(ctx).Where("vendor = ? AND event_delivery <> ''", vendor).Order("id").Find(&out).Error
	return out, err
}

// ShopCamerasOfVendor lists a shop's cameras of a vendor, by name.
func (s *Store) ShopCamerasOfVendor(ctx context.Context, shopID uint, vendor string) ([]Camera, error) {
	var out []Camera
	err := s.db.WithContext(ctx).Where("shop_id = ? AND vendor = ?", shopID, vendor).Order("name, id").Find(&out).Error
	return out, err
}
