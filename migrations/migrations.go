// Package migrations holds the numbered SQL migrations of the StoreLens
// database and the small runner that applies them at start-up.
//
// A small runner instead of goose: goose raises modernc.org/sqlite and
// modernc.org/libc for the whole build past what glebarez/go-sqlite is tested
// with, and golang-migrate's sqlite driver panics next to glebarez
// ("Register called twice"). Forty lines of our own avoid both.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.sql postgres/*.sql
var files embed.FS

// Dialect names a migration set: the SQLite files in this directory, or
// their PostgreSQL twins in postgres/, with the same numbers.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// dir is where a dialect's files are inside the embedded tree.
func (d Dialect) dir() string {
	if d == Postgres {
		return "postgres"
	}
	return "."
}

// pgLockKey is the advisory lock that keeps two instances starting together
// from applying the same migration twice (PostgreSQL only; SQLite's file
// has one writer anyway).
const pgLockKey = 0x53544f52454c454e // "STORELEN"

// noTxMarker on the first line of a file runs it outside a transaction, for
// table rebuilds that need PRAGMA foreign_keys=OFF (a no-op inside one).
const noTxMarker = "-- no-transaction"

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// All returns the embedded SQLite migrations in version order.
func All() ([]Migration, error) { return AllFor(SQLite) }

// AllFor returns a dialect's embedded migrations in version order.
func AllFor(d Dialect) ([]Migration, error) {
	sub, err := fs.Sub(files, d.dir())
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(sub, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	seen := map[int]string{}
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migrations: %s: name must start with a positive number and _", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations: %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := fs.ReadFile(sub, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Up applies every SQLite migration not yet recorded: UpDialect(SQLite).
func Up(ctx context.Context, db *sql.DB) (int, error) { return UpDialect(ctx, db, SQLite) }

// conn is what the runner needs of *sql.DB or *sql.Conn.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// UpDialect applies every migration of the dialect's set not yet recorded,
// in version order, each in its own transaction (unless marked
// no-transaction), and returns how many it applied. Applying what is
// missing, rather than what is above the highest version, keeps a migration
// merged out of number order from being skipped. On PostgreSQL the whole run
// holds an advisory lock on one connection, so instances starting together
// migrate one after another and the later ones find nothing to do.
func UpDialect(ctx context.Context, db *sql.DB, d Dialect) (int, error) {
	var c conn = db
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)`
	if d == Postgres {
		one, err := db.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("migrations: %w", err)
		}
		defer one.Close()
		if _, err := one.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(pgLockKey)); err != nil {
			return 0, fmt.Errorf("migrations: lock: %w", err)
		}
		defer one.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(pgLockKey)) //nolint:errcheck // the lock also ends with the session
		c = one
		create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)`
	}
	if _, err := c.ExecContext(ctx, create); err != nil {
		return 0, fmt.Errorf("migrations: create schema_migrations: %w", err)
	}
	done, err := Applied(ctx, c)
	if err != nil {
		return 0, err
	}
	all, err := AllFor(d)
	if err != nil {
		return 0, err
	}
	applied := 0
	for _, m := range all {
		if done[m.Version] {
			continue
		}
		if err := apply(ctx, c, d, m); err != nil {
			return applied, fmt.Errorf("migrations: %s: %w", m.Name, err)
		}
		applied++
	}
	return applied, nil
}

// Pending returns how many of the dialect's migrations are not recorded in
// schema_migrations (an error if the table cannot be read), for /readyz.
func Pending(ctx context.Context, db *sql.DB, d Dialect) (int, error) {
	done, err := Applied(ctx, db)
	if err != nil {
		return 0, err
	}
	all, err := AllFor(d)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range all {
		if !done[m.Version] {
			n++
		}
	}
	return n, nil
}

// Applied returns the versions recorded in schema_migrations.
func Applied(ctx context.Context, db interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}) (map[int]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migrations: read versions: %w", err)
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	return done, rows.Err()
}

func apply(ctx context.Context, db conn, d Dialect, m Migration) error {
	record := `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`
	if d == Postgres {
		record = `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`
	}
	if strings.HasPrefix(m.SQL, noTxMarker) {
		var c conn = db
		if pool, ok := db.(*sql.DB); ok {
			one, err := pool.Conn(ctx) // one connection: PRAGMAs are per connection
			if err != nil {
				return err
			}
			defer one.Close()
			c = one
		}
		if _, err := c.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		_, err := c.ExecContext(ctx, record, m.Version, m.Name)
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, record, m.Version, m.Name); err != nil {
		return err
	}
	return tx.Commit()
}
