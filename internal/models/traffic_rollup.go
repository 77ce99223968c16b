package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// TrafficMonth is one shop's calendar month, summed from its day rows
// (migration 0015). Days is a bit set of the days that have a row (bit d-1
// for day d); Have the counters known on every one of them, HaveAny on
// any (migration 0020).
type TrafficMonth struct {
	ShopID          uint   `gorm:"primaryKey;autoIncrement:false"`
	Month           string `gorm:"primaryKey"` // YYYY-MM
	Days            int64
	Have            uint8
	HaveAny         uint8
	TrafficCounters `gorm:"embedded"`
}

// haveAnd is the AND of a have column over a group: SQLite has no bitwise
// aggregate, so each of the 8 bits is the MIN of that bit. Used where a
// group is one shop's month (at most 31 rows); the reports instead group
// by (period, have) and AND the few groups in Go, which costs SQLite 8
// aggregate steps a row less.
func haveAnd(col string) string {
	parts := make([]string, 8)
	for i := range parts {
		parts[i] = fmt.Sprintf("MIN(%s & %d)", col, 1<<i)
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

// haveOr is the OR of a have column over a group, bit by bit as haveAnd.
func haveOr(col string) string {
	parts := make([]string, 8)
	for i := range parts {
		parts[i] = fmt.Sprintf("MAX(%s & %d)", col, 1<<i)
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

// sumCounters are the counters summed, in TrafficCounters' order.
const sumCounters = "SUM(entries), SUM(entries_face), SUM(entries_no_face), SUM(passers_by), SUM(left_count), " +
	"SUM(strangers), SUM(regulars), SUM(members), SUM(uniq_total), SUM(uniq_strangers), SUM(uniq_regulars), SUM(uniq_members)"

// rollupMonthSQL rewrites one shop month from its day rows (the same
// statement as migration 0015's, for one month). Run in the transaction
// that writes the day, so the month never disagrees with its days. Its
// callers delete the months first, so a plain INSERT (the same on SQLite and
// PostgreSQL) never meets a row already there.
var rollupMonthSQL = "INSERT INTO traffic_months (shop_id, month, days, have, have_any, entries, entries_face, entries_no_face, " +
	"passers_by, left_count, strangers, regulars, members, uniq_total, uniq_strangers, uniq_regulars, uniq_members) " +
	"SELECT shop_id, substr(day, 1, 7), SUM(1 << (CAST(substr(day, 9, 2) AS INTEGER) - 1)), " + haveAnd("have") + ", " + haveOr("have") + ", " + sumCounters +
	" FROM traffic_days WHERE shop_id = ? AND day BETWEEN ? AND ? GROUP BY shop_id, substr(day, 1, 7)"

// rollupMonth rewrites the month of day (YYYY-MM-DD) for the shop, or
// removes it when the month has no day rows left.
func rollupMonth(tx *gorm.DB, shopID uint, day string) error {
	if len(day) < 7 {
		return fmt.Errorf("models: traffic day %q", day)
	}
	month := day[:7]
	if err := tx.Exec("DELETE FROM traffic_months WHERE shop_id = ? AND month = ?", shopID, month).Error; err != nil {
		return err
	}
	return tx.Exec(rollupMonthSQL, shopID, month+"-01", month+"-31").Error
}

// RebuildTrafficMonths rewrites every month of the shop from its day rows
// (after a backfill: a belt to SaveTrafficDay's braces).
func (s *Store) RebuildTrafficMonths(ctx context.Context, shopID uint, fromDay, toDay string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(fromDay) < 7 || len(toDay) < 7 {
			return fmt.Errorf("models: traffic months %q..%q", fromDay, toDay)
		}
		if err := tx.Exec("DELETE FROM traffic_months WHERE shop_id = ? AND month BETWEEN ? AND ?", shopID, fromDay[:7], toDay[:7]).Error; err != nil {
			return err
		}
		return tx.Exec(rollupMonthSQL, shopID, fromDay[:7]+"-01", toDay[:7]+"-31").Error
	})
}

// TrafficSum is the shops' sums of one period (a day or a month): Have is
// the counters known on every shop day of it, Days (months only) the bit
// set of its days that any shop has numbers for.
type TrafficSum struct {
	Period string // YYYY-MM-DD or YYYY-MM
	Have   uint8
	Days   int64
	TrafficCounters
}

// scanSums reads rows of (period, have, days, sums...) grouped by period
// and the columns that cannot be summed, and merges each period's groups:
// counters add up, haves AND, day sets OR. The groups of a period are few
// (shops of one vendor share a have; whole months share a day set).
func scanSums(ctx context.Context, s *Store, q string, args []any) ([]TrafficSum, error) {
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, s.dialect.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrafficSum
	for rows.Next() {
		var d TrafficSum
		c := &d.TrafficCounters
		if err := rows.Scan(&d.Period, &d.Have, &d.Days, &c.Entries, &c.EntriesFace, &c.EntriesNoFace, &c.PassersBy, &c.LeftCount,
			&c.Strangers, &c.Regulars, &c.Members, &c.UniqTotal, &c.UniqStrangers, &c.UniqRegulars, &c.UniqMembers); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].Period == d.Period {
			p := &out[n-1]
			p.Have &= d.Have
			p.Days |= d.Days
			p.TrafficCounters.Add(d.TrafficCounters)
			continue
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// shopList is the shops as one JSON array argument, for json_each: one
// parameter instead of one per shop.
func shopList(ids []uint) string {
	b := make([]byte, 0, len(ids)*6+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(id), 10)
	}
	return string(append(b, ']'))
}

// TrafficDaySums sums the shops' day rows from..to per day, in SQLite (a
// row or two a day reach Go, however many shops), by day. The CROSS JOIN
// fixes SQLite's order: for each shop, its range of days on the primary
// key. Left to itself it walked the (day, shop_id) index over every shop's
// days and looked each row up again: 30x slower at 1,000 shops.
func (s *Store) TrafficDaySums(ctx context.Context, shopIDs []uint, from, to string) ([]TrafficSum, error) {
	if len(shopIDs) == 0 {
		return nil, nil
	}
	q := "SELECT d.day, d.have, 0, " + sumCounters + " FROM " + s.dialect.idTable() + " CROSS JOIN traffic_days AS d " +
		"WHERE d.shop_id = j.value AND d.day BETWEEN ? AND ? GROUP BY d.day, d.have ORDER BY d.day"
	return scanSums(ctx, s, q, []any{s.dialect.idList(shopIDs), from, to})
}

// TrafficMonthSums sums the shops' month rollups fromMonth..toMonth
// (YYYY-MM) per month, by month.
func (s *Store) TrafficMonthSums(ctx context.Context, shopIDs []uint, fromMonth, toMonth string) ([]TrafficSum, error) {
	if len(shopIDs) == 0 {
		return nil, nil
	}
	q := "SELECT m.month, m.have, m.days, " + sumCounters + " FROM " + s.dialect.idTable() + " CROSS JOIN traffic_months AS m " +
		"WHERE m.shop_id = j.value AND m.month BETWEEN ? AND ? GROUP BY m.month, m.have, m.days ORDER BY m.month"
	return scanSums(ctx, s, q, []any{s.dialect.idList(shopIDs), fromMonth, toMonth})
}

// TrafficSpanSum sums the shops' day rows from..to, which lie in one
// month, into one row: no GROUP BY, so SQLite sorts nothing (grouping by
// day sorted every shop day first: most of a cut month's cost). Days is
// the bit set of the days any shop has (SUM of the distinct day bits is
// their OR); Period is from's month.
func (s *Store) TrafficSpanSum(ctx context.Context, shopIDs []uint, from, to string) (TrafficSum, error) {
	out := TrafficSum{Period: from[:min(7, len(from))]}
	if len(shopIDs) == 0 || from[:7] != to[:min(7, len(to))] {
		if len(shopIDs) == 0 {
			return out, nil
		}
		return out, fmt.Errorf("models: traffic span %s..%s is not within one month", from, to)
	}
	db, err := s.db.DB()
	if err != nil {
		return out, err
	}
	q := "SELECT COUNT(*), COALESCE(" + haveAnd("d.have") + ", 0), COALESCE(SUM(DISTINCT 1 << (CAST(substr(d.day, 9, 2) AS INTEGER) - 1)), 0), " +
		coalesced(sumCounters) + " FROM " + s.dialect.idTable() + " CROSS JOIN traffic_days AS d WHERE d.shop_id = j.value AND d.day BETWEEN ? AND ?"
	var n int
	c := &out.TrafficCounters
	err = db.QueryRowContext(ctx, s.dialect.rebind(q), s.dialect.idList(shopIDs), from, to).Scan(&n, &out.Have, &out.Days, &c.Entries, &c.EntriesFace, &c.EntriesNoFace,
		&c.PassersBy, &c.LeftCount, &c.Strangers, &c.Regulars, &c.Members, &c.UniqTotal, &c.UniqStrangers, &c.UniqRegulars, &c.UniqMembers)
	return out, err
}

// coalesced wraps each SUM(x) of a list in COALESCE(SUM(x), 0).
func coalesced(sums string) string {
	parts := strings.Split(sums, ", ")
	for i, p := range parts {
		parts[i] = "COALESCE(" + p + ", 0)"
	}
	return strings.Join(parts, ", ")
}

// TrafficMonthGroup is one group of the shops' month rows of a month:
// those with the same have, have_any and kept days (Days & the mask asked).
type TrafficMonthGroup struct {
	Have, HaveAny uint8
	Days          int64 // the kept days of the group's months
	TrafficCounters
}

// TrafficMonthGroups sums the shops' month rows of month (YYYY-MM) by
// (have, have_any, days & keep): a handful of groups however many shops.
// keep is a bit set of days (bit d-1 for day d).
func (s *Store) TrafficMonthGroups(ctx context.Context, shopIDs []uint, month string, keep int64) ([]TrafficMonthGroup, error) {
	if len(shopIDs) == 0 {
		return nil, nil
	}
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	q := "SELECT m.have, m.have_any, m.days & ?, " + sumCounters + " FROM " + s.dialect.idTable() + " CROSS JOIN traffic_months AS m " +
		"WHERE m.shop_id = j.value AND m.month = ? GROUP BY 1, 2, 3" // by position: PostgreSQL sees "m.days & $1" and "& $4" as two expressions
	rows, err := db.QueryContext(ctx, s.dialect.rebind(q), keep, s.dialect.idList(shopIDs), month)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrafficMonthGroup
	for rows.Next() {
		var g TrafficMonthGroup
		c := &g.TrafficCounters
		if err := rows.Scan(&g.Have, &g.HaveAny, &g.Days, &c.Entries, &c.EntriesFace, &c.EntriesNoFace, &c.PassersBy, &c.LeftCount,
			&c.Strangers, &c.Regulars, &c.Members, &c.UniqTotal, &c.UniqStrangers, &c.UniqRegulars, &c.UniqMembers); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
