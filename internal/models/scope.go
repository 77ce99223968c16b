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
func (sc Scope) shops(db *gorm.DB) *gorm.DB {
	if sc.all {
		return db
	}
	return db.Where("shops.id IN (SELECT shop_id FROM user_shops WHERE user_id = ?)", sc.userID)
}
