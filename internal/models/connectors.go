package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// ConnectorCode is a one-time pairing code of a shop's on-site connector
// (issue 15), stored only as the SHA-256 of the code (hex).
type ConnectorCode struct {
	ID        uint `gorm:"primaryKey"`
	ShopID    uint
	CodeHash  string
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// Connector is a paired storelens-edge: its ed25519 public key (base64),
// bound to one shop. A revoked connector is refused from then on.
type Connector struct {
	ID        uint `gorm:"primaryKey"`
	ShopID    uint
	PublicKey string
	Name      string
	CodeID    *uint
	CreatedAt time.Time
	RevokedAt *time.Time
	LastSeen  *time.Time
	Version   string
	// HookURL is the edge's webhook receiver on the shop's LAN, as it last
	// reported it (migration 0024).
	HookURL string
	// RelayURL is the address of the instance holding the connector's
	// tunnel, refreshed at RelayAt while it does (migration 0031); the
	// other instances relay the shop's LAN dials through it.
	RelayURL string
	RelayAt  *time.Time
}

// Pairing errors.
var (
	ErrCodeUnknown = errors.New("unknown pairing code")
	ErrCodeUsed    = errors.New("pairing code already used")
	ErrCodeExpired = errors.New("pairing code expired")
)

// CreateConnectorCode stores a pairing code (its hash).
func (s *Store) CreateConnectorCode(ctx context.Context, c *ConnectorCode) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.Now()
	}
	return s.db.WithContext(ctx).Create(c).Error
}

// PairConnector trades the code whose hash is codeHash for a connector of
// the code's shop with publicKey, in one transaction: the code is marked
// used (a second use fails with ErrCodeUsed), and every other connector of
// that shop still active is revoked (pairing replaces: that is Rotate).
// It returns the new connector and the ids it revoked.
func (s *Store) PairConnector(ctx context.Context, codeHash, publicKey, name string) (Connector, []uint, error) {
	var out Connector
	var revoked []uint
	now := s.Now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var code ConnectorCode
		if err := tx.Where("code_hash = ?", codeHash).First(&code).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrCodeUnknown
			}
			return err
		}
		if code.UsedAt != nil {
			return ErrCodeUsed
		}
		if !now.Before(code.ExpiresAt) {
			return ErrCodeExpired
		}
		res := tx.Model(&ConnectorCode{}).Where("id = ? AND used_at IS NULL", code.ID).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrCodeUsed
		}
		if err := tx.Model(&Connector{}).Where("shop_id = ? AND revoked_at IS NULL", code.ShopID).Pluck("id", &revoked).Error; err != nil {
			return err
		}
		if len(revoked) > 0 {
			if err := tx.Model(&Connector{}).Where("id IN ?", revoked).Update("revoked_at", now).Error; err != nil {
				return err
			}
		}
		id := code.ID
		out = Connector{ShopID: code.ShopID, PublicKey: publicKey, Name: name, CodeID: &id, CreatedAt: now}
		return tx.Create(&out).Error
	})
	return out, revoked, err
}

// ConnectorByKey is the connector with publicKey (revoked or not).
func (s *Store) ConnectorByKey(ctx context.Context, publicKey string) (Connector, error) {
	var c Connector
	err := s.db.WithContext(ctx).Where("public_key = ?", publicKey).First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, ErrNotFound
	}
	return c, err
}

// ShopConnector is the shop's active (not revoked) connector.
func (s *Store) ShopConnector(ctx context.Context, shop uint) (Connector, error) {
	var c Connector
	err := s.db.WithContext(ctx).Where("shop_id = ? AND revoked_at IS NULL", shop).Order("id DESC").First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, ErrNotFound
	}
	return c, err
}

// PendingConnectorCode reports whether the shop has an unused code that
// has not expired yet (the page says a pairing is awaited).
func (s *Store) PendingConnectorCode(ctx context.Context, shop uint) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&ConnectorCode{}).
		Where("shop_id = ? AND used_at IS NULL AND expires_at > ?", shop, s.Now()).Count(&n).Error
	return n > 0, err
}

// RevokeConnector revokes the shop's connector id (ErrNotFound when it is
// not the shop's or already revoked).
func (s *Store) RevokeConnector(ctx context.Context, shop, id uint) error {
	res := s.db.WithContext(ctx).Model(&Connector{}).Where("id = ? AND shop_id = ? AND revoked_at IS NULL", id, shop).
		Update("revoked_at", s.Now())
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ConnectorShop is an active connector with its shop.
type ConnectorShop struct {
	Connector
	ShopName     string
	ShopTimezone string
}

// ActiveConnectors lists the connectors not revoked of the shops in scope.
func (s *Store) ActiveConnectors(ctx context.Context, sc Scope) ([]ConnectorShop, error) {
	var out []ConnectorShop
	err := sc.shops(s.db.WithContext(ctx).Table("connectors").Joins("JOIN shops ON shops.id = connectors.shop_id")).
		Where("connectors.revoked_at IS NULL").
		Select("connectors.*, shops.name AS shop_name, shops.timezone AS shop_timezone").
		Order("connectors.last_seen IS NULL DESC, connectors.last_seen, connectors.id").Scan(&out).Error
	return out, err
}

// SetConnectorHook records connector id's webhook receiver.
func (s *Store) SetConnectorHook(ctx context.Context, id uint, hook string) error {
	return s.db.WithContext(ctx).Model(&Connector{}).Where("id = ?", id).Update("hook_url", hook).Error
}

// TouchConnector records that the connector was connected now, running version.
func (s *Store) TouchConnector(ctx context.Context, id uint, version string) error {
	return s.db.WithContext(ctx).Model(&Connector{}).Where("id = ?", id).
		Updates(map[string]any{"last_seen": s.Now(), "version": version}).Error
}

// HoldConnector records that the instance at url holds connector id's
// tunnel, as of now (called again to say it still does).
func (s *Store) HoldConnector(ctx context.Context, id uint, url string) error {
	return s.db.WithContext(ctx).Model(&Connector{}).Where("id = ?", id).
		Updates(map[string]any{"relay_url": url, "relay_at": s.Now()}).Error
}

// ReleaseConnector clears connector id's holder if it is still url: a
// tunnel that moved to another instance meanwhile stays recorded there.
func (s *Store) ReleaseConnector(ctx context.Context, id uint, url string) error {
	return s.db.WithContext(ctx).Model(&Connector{}).Where("id = ? AND relay_url = ?", id, url).
		Updates(map[string]any{"relay_url": "", "relay_at": nil}).Error
}
