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

//go:embed *.sql
var files embed.FS

// noTxMarker on the first line of a file runs it outside a transaction, for
// table rebuilds that need PRAGMA foreign_keys=OFF (a no-op inside one).
const noTxMarker = "-- no-transaction"

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// All returns the embedded migrations in version order.
func All() ([]Migration, error) {
	names, err := fs.Glob(files, "*.sql")
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
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Up applies every migration not yet recorded, in version order, each in its
// own transaction (unless marked no-transaction), and returns how many it
// applied. Applying what is missing, rather than what is above the highest
// version, keeps a migration merged out of number order from being skipped.
func Up(ctx context.Context, db *sql.DB) (int, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return 0, fmt.Errorf("migrations: create schema_migrations: %w", err)
	}
	done, err := appliedVersions(ctx, db)
	if err != nil {
		return 0, err
	}
	all, err := All()
	if err != nil {
		return 0, err
	}
	applied := 0
	for _, m := range all {
		if done[m.Version] {
			continue
		}
		if err := apply(ctx, db, m); err != nil {
			return applied, fmt.Errorf("migrations: %s: %w", m.Name, err)
		}
		applied++
	}
	return applied, nil
}

func appliedVersions(ctx context.Context, db *sql.DB) (map[int]bool, error) {
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

func apply(ctx context.Context, db *sql.DB, m Migration) error {
	record := `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`
	if strings.HasPrefix(m.SQL, noTxMarker) {
		conn, err := db.Conn(ctx) // one connection: PRAGMAs are per connection
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		_, err = conn.ExecContext(ctx, record, m.Version, m.Name)
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
