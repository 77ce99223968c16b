package models

import (
	"context"
	"strings"
	"time"
)

// ShopFilter selects a page of shops.
type ShopFilter struct {
	Query   string // matches name, address or city
	Page    int    // 1-based
	PerPage int
}

// ShopRow is a shop with its camera counts, for the list page.
type ShopRow struct {
	Shop
	Cameras int
	Offline int
}

// ListShops returns one page of the shops in scope, by name, and the total.
func (s *Store) ListShops(ctx context.Context, sc Scope, f ShopFilter) ([]ShopRow, int64, error) {
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	db := s.db.WithContext(ctx)
	q := sc.shops(db.Table("shops"))
	var total int64
	var err error
	if term := strings.TrimSpace(f.Query); term != "" {
		like := "%" + escapeLike(term) + "%"
		l := s.dialect.like()
		q = q.Where("shops.name "+l+" ? ESCAPE '\\' OR shops.address "+l+" ? ESCAPE '\\' OR shops.city "+l+" ? ESCAPE '\\'", like, like, like)
		err = q.Count(&total).Error
	} else {
		total, err = sc.countAll(db)
	}
	if err != nil {
		return nil, 0, err
	}
	// Pick the page's ids in name order first (an index walk), then read
	// those rows and count their cameras: counting in the sorted query
	// would count cameras for every shop in scope.
	page := q.Select("shops.id").Order("shops.name, shops.id").Limit(f.PerPage).Offset((f.Page - 1) * f.PerPage)
	var rows []ShopRow
	err = db.Table("shops").Where("shops.id IN (?)", page).Select(`shops.*,
			(SELECT COUNT(*) FROM cameras c WHERE c.shop_id = shops.id) AS cameras,
			(SELECT COUNT(*) FROM cameras c WHERE c.shop_id = shops.id AND NOT c.online) AS offline`).
		Order("shops.name, shops.id").Scan(&rows).Error
	return rows, total, err
}

// escapeLike keeps % and _ typed by a user literal in a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Shop returns the shop with id if it is in scope.
func (s *Store) Shop(ctx context.Context, sc Scope, id uint) (Shop, error) {
	var sh Shop
	err := sc.shops(s.db.WithContext(ctx)).First(&sh, id).Error
	return sh, translate(err)
}

// AllShopsBrief lists every shop in scope by name (id and name only), for
// selects such as a manager's shop assignment.
func (s *Store) AllShopsBrief(ctx context.Context, sc Scope) ([]Shop, error) {
	var shops []Shop
	err := sc.shops(s.db.WithContext(ctx)).Select("id", "name", "city").Order("name, id").Find(&shops).Error
	return shops, err
}

// CreateShop stores a new shop.
func (s *Store) CreateShop(ctx context.Context, sh *Shop) error {
	if sh.Timezone == "" {
		sh.Timezone = DefaultTimezone
	}
	return translate(s.db.WithContext(ctx).Create(sh).Error)
}

// DefaultTimezone is where a shop is unless told otherwise: Sunmi's shops
// are in China and its dates are China dates.
const DefaultTimezone = "Asia/Shanghai"

// UpdateShop saves the editable fields of a shop.
func (s *Store) UpdateShop(ctx context.Context, sh *Shop) error {
	return translate(s.db.WithContext(ctx).Model(sh).Select(
		"name", "address", "city", "timezone", "sunmi_account_id", "sunmi_shop_no", "sunmi_shop_id", "sunmi_company_no", "senselink_account_id",
	).Updates(sh).Error)
}

// DeleteShop deletes a shop and, by cascade, its cameras and assignments.
func (s *Store) DeleteShop(ctx context.Context, sc Scope, id uint) error {
	res := sc.shops(s.db.WithContext(ctx)).Delete(&Shop{}, id)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// SetShopSyncResult records the outcome of a camera sync.
func (s *Store) SetShopSyncResult(ctx context.Context, shopID uint, at time.Time, syncErr string) error {
	return s.db.WithContext(ctx).Model(&Shop{}).Where("id = ?", shopID).
		Updates(map[string]any{"cameras_synced_at": at.UTC(), "cameras_sync_error": syncErr}).Error
}

// ShopsOfAccount lists the shops linked to a vendor account.
func (s *Store) ShopsOfAccount(ctx context.Context, accountID uint) ([]Shop, error) {
	var shops []Shop
	err := s.db.WithContext(ctx).Where("sunmi_account_id = ?", accountID).Order("name").Find(&shops).Error
	return shops, err
}

// CountShops counts the shops in scope.
func (s *Store) CountShops(ctx context.Context, sc Scope) (int64, error) {
	var n int64
	err := sc.shops(s.db.WithContext(ctx).Model(&Shop{})).Count(&n).Error
	return n, err
}
