package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TrafficCounters are the counters of an hour or a day (migration 0005).
type TrafficCounters struct {
	Entries, EntriesFace, EntriesNoFace, PassersBy, LeftCount int64
	Strangers, Regulars, Members                              int64
	UniqTotal, UniqStrangers, UniqRegulars, UniqMembers       int64
}

// Add adds o to c.
func (c *TrafficCounters) Add(o TrafficCounters) {
	c.Entries += o.Entries
	c.EntriesFace += o.EntriesFace
	c.EntriesNoFace += o.EntriesNoFace
	c.PassersBy += o.PassersBy
	c.LeftCount += o.LeftCount
	c.Strangers += o.Strangers
	c.Regulars += o.Regulars
	c.Members += o.Members
	c.UniqTotal += o.UniqTotal
	c.UniqStrangers += o.UniqStrangers
	c.UniqRegulars += o.UniqRegulars
	c.UniqMembers += o.UniqMembers
}

// Sub takes o from c.
func (c *TrafficCounters) Sub(o TrafficCounters) {
	c.Entries -= o.Entries
	c.EntriesFace -= o.EntriesFace
	c.EntriesNoFace -= o.EntriesNoFace
	c.PassersBy -= o.PassersBy
	c.LeftCount -= o.LeftCount
	c.Strangers -= o.Strangers
	c.Regulars -= o.Regulars
	c.Members -= o.Members
	c.UniqTotal -= o.UniqTotal
	c.UniqStrangers -= o.UniqStrangers
	c.UniqRegulars -= o.UniqRegulars
	c.UniqMembers -= o.UniqMembers
}

// TrafficHour is one hour of a shop's counters; HourStart is Unix seconds.
type TrafficHour struct {
	ShopID          uint  `gorm:"primaryKey;autoIncrement:false"`
	HourStart       int64 `gorm:"primaryKey;autoIncrement:false"`
	Have            uint8
	TrafficCounters `gorm:"embedded"`
}

// TrafficDay is one shop day (the shop's date, YYYY-MM-DD).
type TrafficDay struct {
	ShopID          uint   `gorm:"primaryKey;autoIncrement:false"`
	Day             string `gorm:"primaryKey"`
	Final           bool
	Have            uint8
	TrafficCounters `gorm:"embedded"`
	SyncedAt        time.Time
}

// TrafficAge is one shop day's visits of one age range (1..8).
type TrafficAge struct {
	ShopID                       uint   `gorm:"primaryKey;autoIncrement:false"`
	Day                          string `gorm:"primaryKey"`
	Age                          int    `gorm:"primaryKey;autoIncrement:false"`
	Male, Female                 int64
	MaleRegular, FemaleRegular   int64
	MaleMember, FemaleMember     int64
	Strangers, Regulars, Members int64
}

// TrafficFrequency is how many unique people came Visits times in a period.
type TrafficFrequency struct {
	ShopID                       uint   `gorm:"primaryKey;autoIncrement:false"`
	PeriodEnd                    string `gorm:"primaryKey"`
	PeriodStart                  string
	Visits                       int `gorm:"primaryKey;autoIncrement:false"`
	Strangers, Regulars, Members int64
}

// TableName implements gorm's Tabler.
func (TrafficFrequency) TableName() string { return "traffic_frequency" }

// TrafficSync is a shop's counter sync state and backfill.
type TrafficSync struct {
	ShopID        uint `gorm:"primaryKey;autoIncrement:false"`
	Source        string
	LastAttemptAt *time.Time
	LastSuccessAt *time.Time
	LastError     string
	TodaySyncedAt *time.Time
	BackfillState string // "", running, paused, failed, done
	BackfillFrom  string
	BackfillTo    string
	BackfillNext  string
	BackfillTotal int
	BackfillDone  int
	BackfillError string
}

// TableName implements gorm's Tabler.
func (TrafficSync) TableName() string { return "traffic_sync" }

// OpRetailAccount is the mobileLogin of an OpRetail vendor account.
type OpRetailAccount struct {
	AccountID   uint `gorm:"primaryKey;autoIncrement:false"`
	UserName    string
	PasswordEnc []byte
}

// TableName implements gorm's Tabler.
func (OpRetailAccount) TableName() string { return "opretail_accounts" }

// ShopOpRetail links a shop to its OpRetail department.
type ShopOpRetail struct {
	ShopID    uint `gorm:"primaryKey;autoIncrement:false"`
	AccountID uint
	DepID     string
}

// TableName implements gorm's Tabler.
func (ShopOpRetail) TableName() string { return "shop_opretail" }

// trafficModels are the traffic area's models, for AllModels.
func trafficModels() []any {
	return []any{&TrafficHour{}, &TrafficDay{}, &TrafficAge{}, &TrafficFrequency{}, &TrafficSync{}, &TrafficMonth{}, &OpRetailAccount{}, &ShopOpRetail{}}
}

// SaveTrafficDay replaces one shop day: its hours in [from, to), its day
// row, its month's rollup (traffic_months) and its age rows, in one
// transaction: a correction (the vendor re-reporting the day) rewrites
// them all.
func (s *Store) SaveTrafficDay(ctx context.Context, day TrafficDay, from, to int64, hours []TrafficHour, ages []TrafficAge) error {
	day.SyncedAt = s.Now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("shop_id = ? AND hour_start >= ? AND hour_start < ?", day.ShopID, from, to).Delete(&TrafficHour{}).Error; err != nil {
			return err
		}
		if len(hours) > 0 {
			if err := tx.Create(&hours).Error; err != nil {
				return err
			}
		}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&day).Error; err != nil {
			return err
		}
		if err := rollupMonth(tx, day.ShopID, day.Day); err != nil {
			return err
		}
		if err := tx.Where("shop_id = ? AND day = ?", day.ShopID, day.Day).Delete(&TrafficAge{}).Error; err != nil {
			return err
		}
		if len(ages) > 0 {
			return tx.Create(&ages).Error
		}
		return nil
	})
}

// FinalTrafficDays returns which days of from..to (YYYY-MM-DD) the shop
// already has closed.
func (s *Store) FinalTrafficDays(ctx context.Context, shopID uint, from, to string) (map[string]bool, error) {
	var days []string
	err := s.db.WithContext(ctx).Model(&TrafficDay{}).Where("shop_id = ? AND final AND day BETWEEN ? AND ?", shopID, from, to).
		Pluck("day", &days).Error
	out := make(map[string]bool, len(days))
	for _, d := range days {
		out[d] = true
	}
	return out, err
}

const dayColumns = "shop_id, day, final, have, entries, entries_face, entries_no_face, passers_by, left_count, " +
	"strangers, regulars, members, uniq_total, uniq_strangers, uniq_regulars, uniq_members"

// TrafficDayRows lists the day rows of the shops from..to, by day then shop,
// scanned by hand (reports read these; GORM's reflection was most of the
// cost).
func (s *Store) TrafficDayRows(ctx context.Context, shopIDs []uint, from, to string) ([]TrafficDay, error) {
	if len(shopIDs) == 0 {
		return nil, nil
	}
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	q := "SELECT " + dayColumns + " FROM traffic_days WHERE day BETWEEN ? AND ? AND shop_id IN (" + placeholders(len(shopIDs)) + ") ORDER BY day, shop_id"
	args := append([]any{from, to}, idArgs(shopIDs)...)
	rows, err := db.QueryContext(ctx, s.dialect.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrafficDay
	for rows.Next() {
		var d TrafficDay
		c := &d.TrafficCounters
		if err := rows.Scan(&d.ShopID, &d.Day, &d.Final, &d.Have, &c.Entries, &c.EntriesFace, &c.EntriesNoFace, &c.PassersBy, &c.LeftCount,
			&c.Strangers, &c.Regulars, &c.Members, &c.UniqTotal, &c.UniqStrangers, &c.UniqRegulars, &c.UniqMembers); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// hourColumns are the columns of traffic_hours in scanHour's order.
const hourColumns = "shop_id, hour_start, have, entries, entries_face, entries_no_face, passers_by, left_count, " +
	"strangers, regulars, members, uniq_total, uniq_strangers, uniq_regulars, uniq_members"

func scanHour(rows *sql.Rows, h *TrafficHour) error {
	c := &h.TrafficCounters
	return rows.Scan(&h.ShopID, &h.HourStart, &h.Have, &c.Entries, &c.EntriesFace, &c.EntriesNoFace, &c.PassersBy, &c.LeftCount,
		&c.Strangers, &c.Regulars, &c.Members, &c.UniqTotal, &c.UniqStrangers, &c.UniqRegulars, &c.UniqMembers)
}

// TrafficHourRows lists the hours [from, to) of the shops, by hour.
func (s *Store) TrafficHourRows(ctx context.Context, shopIDs []uint, from, to int64) ([]TrafficHour, error) {
	if len(shopIDs) == 0 {
		return nil, nil
	}
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	q := "SELECT " + hourColumns + " FROM traffic_hours WHERE shop_id IN (" + placeholders(len(shopIDs)) + ") AND hour_start >= ? AND hour_start < ? ORDER BY hour_start, shop_id"
	rows, err := db.QueryContext(ctx, s.dialect.rebind(q), append(idArgs(shopIDs), from, to)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrafficHour
	for rows.Next() {
		var h TrafficHour
		if err := scanHour(rows, &h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// ShopTotal is one shop's sums over a range of days.
type ShopTotal struct {
	ShopID                    uint
	Entries, PassersBy, Left  int64
	Strangers, Regulars, Days int64
}

// TrafficTotals sums the day rows of each shop from..to.
func (s *Store) TrafficTotals(ctx context.Context, shopIDs []uint, from, to string) (map[uint]ShopTotal, error) {
	out := map[uint]ShopTotal{}
	if len(shopIDs) == 0 {
		return out, nil
	}
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	// The shops as one array argument, each walked on the primary key (as
	// TrafficDaySums): an IN list of 1,000 placeholders cost more to bind
	// than the sums.
	rows, err := db.QueryContext(ctx, s.dialect.rebind("SELECT d.shop_id, SUM(d.entries), SUM(d.passers_by), SUM(d.left_count), SUM(d.strangers), "+
		"SUM(d.regulars), COUNT(*) FROM "+s.dialect.idTable()+" CROSS JOIN traffic_days AS d WHERE d.shop_id = j.value AND d.day BETWEEN ? AND ? "+
		"GROUP BY d.shop_id"), s.dialect.idList(shopIDs), from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t ShopTotal
		if err := rows.Scan(&t.ShopID, &t.Entries, &t.PassersBy, &t.Left, &t.Strangers, &t.Regulars, &t.Days); err != nil {
			return nil, err
		}
		out[t.ShopID] = t
	}
	return out, rows.Err()
}

// TrafficAgeTotals sums the age rows of the shops from..to per age range
// (index 0 = range 1).
func (s *Store) TrafficAgeTotals(ctx context.Context, shopIDs []uint, from, to string) ([8]TrafficAge, int, error) {
	var out [8]TrafficAge
	if len(shopIDs) == 0 {
		return out, 0, nil
	}
	var rows []struct {
		Age                                        int
		Male, Female, MaleRegular, FemaleRegular   int64
		MaleMember, FemaleMember, Strangers, Regul int64
		Members, Days                              int64
	}
	err := s.db.WithContext(ctx).Table("traffic_ages").Where("shop_id IN ? AND day BETWEEN ? AND ?", shopIDs, from, to).
		Select("age, SUM(male) AS male, SUM(female) AS female, SUM(male_regular) AS male_regular, SUM(female_regular) AS female_regular, " +
			"SUM(male_member) AS male_member, SUM(female_member) AS female_member, SUM(strangers) AS strangers, SUM(regulars) AS regul, " +
			"SUM(members) AS members, COUNT(DISTINCT day) AS days").Group("age").Scan(&rows).Error
	days := 0
	for _, r := range rows {
		if r.Age < 1 || r.Age > 8 {
			continue
		}
		out[r.Age-1] = TrafficAge{Age: r.Age, Male: r.Male, Female: r.Female, MaleRegular: r.MaleRegular, FemaleRegular: r.FemaleRegular,
			MaleMember: r.MaleMember, FemaleMember: r.FemaleMember, Strangers: r.Strangers, Regulars: r.Regul, Members: r.Members}
		days = max(days, int(r.Days))
	}
	return out, days, err
}

// SaveTrafficFrequency replaces one shop period's frequency list.
func (s *Store) SaveTrafficFrequency(ctx context.Context, shopID uint, start, end string, rows []TrafficFrequency) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("shop_id = ? AND period_end = ?", shopID, end).Delete(&TrafficFrequency{}).Error; err != nil {
			return err
		}
		for i := range rows {
			rows[i].ShopID, rows[i].PeriodStart, rows[i].PeriodEnd = shopID, start, end
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.Create(&rows).Error
	})
}

// TrafficFrequencyPeriods lists the period ends stored for a shop, newest
// first.
func (s *Store) TrafficFrequencyPeriods(ctx context.Context, shopID uint) ([]string, error) {
	var ends []string
	err := s.db.WithContext(ctx).Model(&TrafficFrequency{}).Where("shop_id = ?", shopID).
		Distinct("period_end").Order("period_end DESC").Pluck("period_end", &ends).Error
	return ends, err
}

// TrafficFrequencyRows returns one period's list, by visits.
func (s *Store) TrafficFrequencyRows(ctx context.Context, shopID uint, end string) ([]TrafficFrequency, error) {
	var rows []TrafficFrequency
	err := s.db.WithContext(ctx).Where("shop_id = ? AND period_end = ?", shopID, end).Order("visits").Find(&rows).Error
	return rows, err
}

// TrafficSyncState returns a shop's sync state (the zero state if none).
func (s *Store) TrafficSyncState(ctx context.Context, shopID uint) (TrafficSync, error) {
	st := TrafficSync{ShopID: shopID}
	err := s.db.WithContext(ctx).First(&st, "shop_id = ?", shopID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return TrafficSync{ShopID: shopID}, nil
	}
	return st, err
}

// TrafficSyncStates returns the sync states of the shops that have one.
func (s *Store) TrafficSyncStates(ctx context.Context, shopIDs []uint) (map[uint]TrafficSync, error) {
	var list []TrafficSync
	out := map[uint]TrafficSync{}
	if len(shopIDs) == 0 {
		return out, nil
	}
	if err := s.db.WithContext(ctx).Where("shop_id IN ?", shopIDs).Find(&list).Error; err != nil {
		return nil, err
	}
	for _, st := range list {
		out[st.ShopID] = st
	}
	return out, nil
}

// SaveTrafficSync stores a shop's sync state.
func (s *Store) SaveTrafficSync(ctx context.Context, st *TrafficSync) error {
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(st).Error
}

// TrafficShop is a shop with what the traffic sync needs to know of it.
type TrafficShop struct {
	Shop
	OpRetailAccountID *uint
	OpRetailDepID     string
	// LANCounters is how many of the shop's Sunmi cameras on the LAN can
	// count it (activated, with a pinned certificate: LANCounterCameras).
	LANCounters int
}

// HasTrafficSource reports whether the shop has a vendor to count it.
// (traffic.SourceVendor says which one.)
func (t TrafficShop) HasTrafficSource() bool {
	return (t.OpRetailAccountID != nil && t.OpRetailDepID != "") || t.HasSunmi() || t.LANCounters > 0
}

// lanCounterWhere selects the cameras that count a shop on the LAN.
const lanCounterWhere = "cameras.vendor = 'sunmilan' AND cameras.activated AND cameras.lan_account_id IS NOT NULL AND " +
	"cameras.address <> '' AND cameras.cert_fingerprint <> ''"

// trafficShopColumns are the columns TrafficShop reads.
const trafficShopColumns = "shops.*, so.account_id AS op_retail_account_id, COALESCE(so.dep_id, '') AS op_retail_dep_id, " +
	"(SELECT COUNT(*) FROM cameras WHERE cameras.shop_id = shops.id AND " + lanCounterWhere + ") AS lan_counters"

// LANCounterCameras lists the shop's cameras on the LAN that count it.
func (s *Store) LANCounterCameras(ctx context.Context, shopID uint) ([]Camera, error) {
	var out []Camera
	err := s.db.WithContext(ctx).Where("cameras.shop_id = ? AND "+lanCounterWhere, shopID).Order("id").Find(&out).Error
	return out, err
}

// TrafficShops lists the shops in scope with their OpRetail link, by name.
func (s *Store) TrafficShops(ctx context.Context, sc Scope) ([]TrafficShop, error) {
	var out []TrafficShop
	err := sc.shops(s.db.WithContext(ctx).Table("shops")).
		Joins("LEFT JOIN shop_opretail so ON so.shop_id = shops.id").
		Select(trafficShopColumns).
		Order("shops.name, shops.id").Scan(&out).Error
	return out, err
}

// TrafficShopOf returns one shop (in scope) with its OpRetail link.
func (s *Store) TrafficShopOf(ctx context.Context, sc Scope, id uint) (TrafficShop, error) {
	var out []TrafficShop
	err := sc.shops(s.db.WithContext(ctx).Table("shops")).Where("shops.id = ?", id).
		Joins("LEFT JOIN shop_opretail so ON so.shop_id = shops.id").
		Select(trafficShopColumns).Scan(&out).Error
	if err != nil {
		return TrafficShop{}, err
	}
	if len(out) == 0 {
		return TrafficShop{}, ErrNotFound
	}
	return out[0], nil
}

// OpRetailLogin returns an OpRetail account's login row.
func (s *Store) OpRetailLogin(ctx context.Context, accountID uint) (OpRetailAccount, error) {
	var a OpRetailAccount
	err := s.db.WithContext(ctx).First(&a, "account_id = ?", accountID).Error
	return a, translate(err)
}

// SaveOpRetailLogin stores an OpRetail account's login; an empty
// passwordEnc keeps the stored password.
func (s *Store) SaveOpRetailLogin(ctx context.Context, accountID uint, user string, passwordEnc []byte) error {
	row := OpRetailAccount{AccountID: accountID, UserName: user, PasswordEnc: passwordEnc}
	cols := []string{"user_name"}
	if passwordEnc != nil {
		cols = append(cols, "password_enc")
	}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "account_id"}},
		DoUpdates: clause.AssignmentColumns(cols)}).Create(&row).Error
}

// SetShopOpRetail links a shop to an OpRetail department; accountID 0
// removes the link.
func (s *Store) SetShopOpRetail(ctx context.Context, shopID, accountID uint, depID string) error {
	db := s.db.WithContext(ctx)
	if accountID == 0 {
		return db.Where("shop_id = ?", shopID).Delete(&ShopOpRetail{}).Error
	}
	return translate(db.Clauses(clause.OnConflict{UpdateAll: true}).
		Create(&ShopOpRetail{ShopID: shopID, AccountID: accountID, DepID: depID}).Error)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func idArgs(ids []uint) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// ShopIDsInScope lists the ids of the shops in scope.
func (s *Store) ShopIDsInScope(ctx context.Context, sc Scope) ([]uint, error) {
	var ids []uint
	err := sc.shops(s.db.WithContext(ctx).Table("shops")).Order("shops.name, shops.id").Pluck("shops.id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("shops in scope: %w", err)
	}
	return ids, nil
}

// packedHours selects an hour's counters two to an integer (32 bits each:
// an hour's count never nears 4 billion). The export reads 8 columns a row
// instead of 15: through database/sql each column costs two mutex-guarded
// calls into SQLite, which were most of the export's time.
const packedHours = "SELECT hour_start, (have << 32) | entries, (entries_face << 32) | entries_no_face, (passers_by << 32) | left_count, " +
	"(strangers << 32) | regulars, (members << 32) | uniq_total, (uniq_strangers << 32) | uniq_regulars, uniq_members " +
	"FROM traffic_hours WHERE shop_id = ? AND hour_start > ? AND hour_start < ? ORDER BY hour_start LIMIT ?"

// HourChunkPacked reads up to limit hours of one shop in (after, to), by
// hour, packed (see packedHours): a keyset page, so an export never keeps a
// cursor open while a slow client downloads. ShopID is left 0.
func (s *Store) HourChunkPacked(ctx context.Context, buf []TrafficHour, shopID uint, after, to int64, limit int) ([]TrafficHour, error) {
	db, err := s.db.DB()
	if err != nil {
		return buf, err
	}
	rows, err := db.QueryContext(ctx, s.dialect.rebind(packedHours), shopID, after, to, limit)
	if err != nil {
		return buf, err
	}
	defer rows.Close()
	var p [7]int64
	const lo = 1<<32 - 1
	for rows.Next() {
		var h TrafficHour
		if err := rows.Scan(&h.HourStart, &p[0], &p[1], &p[2], &p[3], &p[4], &p[5], &p[6]); err != nil {
			return buf, err
		}
		c := &h.TrafficCounters
		h.Have, c.Entries = uint8(p[0]>>32), p[0]&lo
		c.EntriesFace, c.EntriesNoFace = p[1]>>32, p[1]&lo
		c.PassersBy, c.LeftCount = p[2]>>32, p[2]&lo
		c.Strangers, c.Regulars = p[3]>>32, p[3]&lo
		c.Members, c.UniqTotal = p[4]>>32, p[4]&lo
		c.UniqStrangers, c.UniqRegulars = p[5]>>32, p[5]&lo
		c.UniqMembers = p[6]
		buf = append(buf, h)
	}
	return buf, rows.Err()
}
