package migrations

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// namePattern is a migration's file name: four or more digits, _, a name,
// .sql.
var namePattern = regexp.MustCompile(`^([0-9]{4,})_[^/]+\.sql$`)

// TestVersionsIncreaseAndAreUnique: every file name parses, and in name
// order the versions strictly increase (so no two share a number and the
// zero-padded names sort as the runner applies them). Gaps are allowed
// (README.md: 0006 is absent).
func TestVersionsIncreaseAndAreUnique(t *testing.T) {
	for _, d := range []Dialect{SQLite, Postgres} {
		t.Run(string(d), func(t *testing.T) { testVersionsIncrease(t, d) })
	}
}

func testVersionsIncrease(t *testing.T, d Dialect) {
	all, err := AllFor(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no migrations embedded")
	}
	names := make([]string, len(all))
	for i, m := range all {
		names[i] = m.Name
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("All() is not in file-name order: %v", names)
	}
	prev := 0
	for _, m := range all {
		sub := namePattern.FindStringSubmatch(m.Name)
		if sub == nil {
			t.Errorf("%s: name is not NNNN_name.sql", m.Name)
			continue
		}
		v, _ := strconv.Atoi(sub[1])
		if v != m.Version {
			t.Errorf("%s: version %d, name says %d", m.Name, m.Version, v)
		}
		if v <= prev {
			t.Errorf("%s: version %d does not follow %d (versions must strictly increase)", m.Name, v, prev)
		}
		prev = v
		if strings.TrimSpace(m.SQL) == "" {
			t.Errorf("%s is empty", m.Name)
		}
	}
}

// TestEmbeddedSetIsTheFiles: what the binary carries is exactly the *.sql
// files of this directory (a file the embed pattern missed, or a stale
// embed, would mean a schema the tests never saw).
func TestEmbeddedSetIsTheFiles(t *testing.T) {
	for _, d := range []Dialect{SQLite, Postgres} {
		t.Run(string(d), func(t *testing.T) { testEmbeddedSet(t, d) })
	}
}

func testEmbeddedSet(t *testing.T, d Dialect) {
	dir, err := os.ReadDir(d.dir())
	if err != nil {
		t.Fatal(err)
	}
	onDisk := map[string]bool{}
	for _, e := range dir {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") {
			onDisk[e.Name()] = true
		}
	}
	all, err := AllFor(d)
	if err != nil {
		t.Fatal(err)
	}
	embedded := map[string]bool{}
	for _, m := range all {
		embedded[m.Name] = true
		if !onDisk[m.Name] {
			t.Errorf("%s is embedded but not in the directory", m.Name)
			continue
		}
		b, err := os.ReadFile(filepath.Join(d.dir(), m.Name))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != m.SQL {
			t.Errorf("%s: embedded text differs from the file", m.Name)
		}
	}
	for n := range onDisk {
		if !embedded[n] {
			t.Errorf("%s is in the directory but not embedded", n)
		}
	}
	if len(embedded) != len(onDisk) {
		t.Errorf("%d embedded, %d on disk", len(embedded), len(onDisk))
	}
}

// TestNoSixButNoRenumbering pins the README's account: 0005 and 0007 exist
// and 0006 does not, so nobody "fixes" the gap by renumbering shipped
// files. A new 0006 would be applied to databases that already have 0007+.
func TestNoSixButNoRenumbering(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	have := map[int]bool{}
	for _, m := range all {
		have[m.Version] = true
	}
	if !have[5] || !have[7] || have[6] {
		t.Fatalf("versions 5 and 7 must exist and 6 must not (README.md); have %v", have)
	}
}

// TestBothSetsHaveTheSameNumbers: every SQLite migration has a PostgreSQL
// twin with the same number and name and the other way round, so a version
// in schema_migrations means the same schema on either database.
func TestBothSetsHaveTheSameNumbers(t *testing.T) {
	lite, err := AllFor(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := AllFor(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	names := func(ms []Migration) map[int]string {
		out := map[int]string{}
		for _, m := range ms {
			out[m.Version] = m.Name
		}
		return out
	}
	l, p := names(lite), names(pg)
	for v, n := range l {
		if p[v] != n {
			t.Errorf("SQLite %s has no PostgreSQL twin postgres/%s (found %q)", n, n, p[v])
		}
	}
	for v, n := range p {
		if _, ok := l[v]; !ok {
			t.Errorf("postgres/%s has no SQLite migration with version %d", n, v)
		}
	}
	if len(lite) != len(pg) {
		t.Errorf("%d SQLite migrations, %d PostgreSQL", len(lite), len(pg))
	}
}

// TestPostgresSetHasNoSQLiteSyntax: the PostgreSQL files never carry the
// SQLite-only words that would fail there (or, worse, mean something else).
func TestPostgresSetHasNoSQLiteSyntax(t *testing.T) {
	pg, err := AllFor(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`(?i)\b(AUTOINCREMENT|WITHOUT ROWID|PRAGMA|COLLATE NOCASE|INSERT OR|DATETIME|BLOB|fts5)\b`)
	for _, m := range pg {
		for i, line := range strings.Split(m.SQL, "\n") {
			code, _, _ := strings.Cut(line, "--")
			if w := bad.FindString(code); w != "" {
				t.Errorf("postgres/%s:%d: %q is SQLite syntax", m.Name, i+1, w)
			}
		}
		if strings.HasPrefix(m.SQL, noTxMarker) {
			t.Errorf("postgres/%s: no-transaction is for SQLite table rebuilds; PostgreSQL has transactional DDL", m.Name)
		}
	}
}
