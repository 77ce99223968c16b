package models

import (
	"testing"

	"storelens/migrations"
)

// TestDialectSpellings pins each rule's two spellings: the SQLite one is
// what the code always sent (so the default path is unchanged), the
// PostgreSQL one what postgres/0001_init.sql's types need.
func TestDialectSpellings(t *testing.T) {
	lite, pg := dialect{name: migrations.SQLite}, dialect{name: migrations.Postgres}
	for _, c := range []struct{ name, lite, pg string }{
		{"noCase", lite.noCase(), pg.noCase()},
		{"indexedBy", lite.indexedBy("i"), pg.indexedBy("i")},
		{"noIndex", lite.noIndex("c"), pg.noIndex("c")},
		{"offsetOnly", lite.offsetOnly(), pg.offsetOnly()},
		{"idTable", lite.idTable(), pg.idTable()},
		{"idList", lite.idList([]uint{3, 10}), pg.idList([]uint{3, 10})},
		{"like", lite.like(), pg.like()},
		{"rebind", lite.rebind("a = ? AND b IN (?, ?)"), pg.rebind("a = ? AND b IN (?, ?)")},
	} {
		want := map[string][2]string{
			"noCase":     {" COLLATE NOCASE", ""},
			"indexedBy":  {" INDEXED BY i", ""},
			"noIndex":    {"+c", "c"},
			"offsetOnly": {"LIMIT -1 OFFSET ?", "OFFSET ?"},
			"idTable":    {"json_each(?) AS j", "unnest(CAST(? AS bigint[])) AS j(value)"},
			"idList":     {"[3,10]", "{3,10}"},
			"like":       {"LIKE", "ILIKE"},
			"rebind":     {"a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
		}[c.name]
		if c.lite != want[0] || c.pg != want[1] {
			t.Errorf("%s: sqlite %q, postgres %q; want %q, %q", c.name, c.lite, c.pg, want[0], want[1])
		}
	}
	if lite.indexedBy("") != "" {
		t.Error("an empty index must add no hint")
	}
}
