package models

import (
	"strconv"
	"strings"

	"storelens/migrations"
)

// dialect holds every rule where SQLite and PostgreSQL SQL differ, one
// method a rule, so the queries say what they mean and this file says how
// each database spells it. GORM's own queries (Where, Create, OnConflict)
// are already portable; these are for the raw SQL.
type dialect struct {
	name migrations.Dialect
}

func (d dialect) postgres() bool { return d.name == migrations.Postgres }

// noCase follows a comparison with a case-insensitive text column: SQLite
// says COLLATE NOCASE; on PostgreSQL those columns are CITEXT, whose = is
// already case-insensitive (postgres/0001_init.sql).
func (d dialect) noCase() string {
	if d.postgres() {
		return ""
	}
	return " COLLATE NOCASE"
}

// indexedBy pins SQLite's planner to index (its cost model guesses badly on
// the search's UNION arms); PostgreSQL has no hint and plans from statistics.
func (d dialect) indexedBy(index string) string {
	if d.postgres() || index == "" {
		return ""
	}
	return " INDEXED BY " + index
}

// noIndex spells col so the planner does not use an index on it (SQLite's
// unary +); PostgreSQL has no such spelling and needs none.
func (d dialect) noIndex(col string) string {
	if d.postgres() {
		return col
	}
	return "+" + col
}

// nameContains is a subquery of the event_names ids whose name holds p,
// case-insensitively: SQLite's FTS5 trigram table for three characters or
// more (LIKE over the names below that); PostgreSQL's pg_trgm GIN index
// serves ILIKE at any length of three or more, and a scan below.
func (d dialect) nameContains(p string) (string, []any) {
	if d.postgres() {
		return `SELECT id FROM event_names WHERE name ILIKE ? ESCAPE '\'`, []any{"%" + escapeLike(p) + "%"}
	}
	if len([]rune(p)) >= 3 {
		return "SELECT rowid FROM event_names_fts WHERE event_names_fts MATCH ?", []any{`"` + strings.ReplaceAll(p, `"`, `""`) + `"`}
	}
	return "SELECT id FROM event_names WHERE name LIKE ? ESCAPE '\\'", []any{"%" + escapeLike(p) + "%"}
}

// rebind turns the ? placeholders of SQL given straight to database/sql
// (not through GORM, which rebinds itself) into PostgreSQL's $1, $2, ….
// The SQL it is used on has no ? inside string literals.
func (d dialect) rebind(q string) string {
	if !d.postgres() || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Rebind is rebind for SQL a caller gives database/sql itself (the
// benchmarks that build their data inside the database).
func (s *Store) Rebind(q string) string { return s.dialect.rebind(q) }

// offsetOnly skips the first n rows with no limit on the rest: SQLite has
// no OFFSET without LIMIT (LIMIT -1 is "no limit"); PostgreSQL refuses a
// negative LIMIT and takes OFFSET alone.
func (d dialect) offsetOnly() string {
	if d.postgres() {
		return "OFFSET ?"
	}
	return "LIMIT -1 OFFSET ?"
}

// idTable is a FROM item j whose column j.value is each id of one list
// parameter (given as idList): SQLite's json_each over a JSON array,
// PostgreSQL's unnest over a bigint[] — one parameter however many shops.
func (d dialect) idTable() string {
	if d.postgres() {
		return "unnest(CAST(? AS bigint[])) AS j(value)"
	}
	return "json_each(?) AS j"
}

// idList is the parameter of idTable: a JSON array, or a PostgreSQL array
// literal (the same digits between braces).
func (d dialect) idList(ids []uint) string {
	l := shopList(ids)
	if d.postgres() {
		return "{" + l[1:len(l)-1] + "}"
	}
	return l
}

// like is the case-insensitive LIKE (Latin letters; Chinese has no case):
// SQLite's LIKE already is, PostgreSQL's is not and has ILIKE.
func (d dialect) like() string {
	if d.postgres() {
		return "ILIKE"
	}
	return "LIKE"
}
