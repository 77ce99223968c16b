package models

import "gorm.io/gorm"

// Scope is the set of shops a user may see. Every shop-scoped query takes
// one, so the rule "a manager sees only assigned shops" lives here and
// nowhere else: an id outside the scope reads as ErrNotFound.
type Scope struct {
	all    bool
	userID uint
}

// ScopeFor returns the scope of u: every shop for an admin, the assigned
// shops for a manager.
func ScopeFor(u *User) Scope {
	if u.IsAdmin() {
		return Scope{all: true}
	}
	return Scope{userID: u.ID}
}

// AllShops is the scope of the system itself (demo seeding, background jobs).
func AllShops() Scope { return Scope{all: true} }

// shops restricts a query on the shops table (aliased as shops) to the scope.
// EXISTS lets SQLite walk shops in index order (by name) and probe the
// assignment for each, so a sorted page needs no sort of the whole scope.
func (sc Scope) shops(db *gorm.DB) *gorm.DB {
	if sc.all {
		return db
	}
	return db.Where("EXISTS (SELECT 1 FROM user_shops us WHERE us.user_id = ? AND us.shop_id = shops.id)", sc.userID)
}

// countAll counts every shop in scope, from the cheapest table that knows:
// a manager's assignments always name existing shops (cascading deletes).
func (sc Scope) countAll(db *gorm.DB) (int64, error) {
	var n int64
	if sc.all {
		return n, db.Table("shops").Count(&n).Error
	}
	return n, db.Table("user_shops").Where("user_id = ?", sc.userID).Count(&n).Error
}
