// Package modelstest gives each test a fresh, migrated store: a SQLite file
// in the test's temporary directory by default or, when
// STORELENS_TEST_DATABASE_URL names a PostgreSQL server, a database created
// for that test on it and dropped after (scripts/pgtest.sh sets it).
package modelstest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for CREATE/DROP DATABASE

	"storelens/internal/models"
)

// EnvURL is the variable naming the PostgreSQL server the tests run on: a
// URL whose user may create databases (the database it names is only used
// to create and drop the tests' own).
const EnvURL = "STORELENS_TEST_DATABASE_URL"

// PostgresURL returns the server URL the tests run on, "" for SQLite.
func PostgresURL() string { return os.Getenv(EnvURL) }

// OnPostgres reports whether the tests run on PostgreSQL.
func OnPostgres() bool { return PostgresURL() != "" }

// SkipOnPostgres skips a test that is about SQLite itself (its file, its
// pragmas, its query plans), saying why.
func SkipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if OnPostgres() {
		t.Skip("SQLite only: " + why)
	}
}

// Open returns a fresh migrated store for t, closed (and on PostgreSQL its
// database dropped) when t ends. opt.Logger defaults to a discarding one.
func Open(t testing.TB, opt models.Options) *models.Store {
	t.Helper()
	if os.Getenv("STORELENS_TEST_LOG") != "" { // the failing SQL, when chasing a dialect difference
		opt.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	} else if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "t.db")
	if base := PostgresURL(); base != "" {
		u, err := NewDatabase(t, base)
		if err != nil {
			t.Fatal(err)
		}
		opt.DatabaseURL = u
	}
	st, err := models.Open(ctx, path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// NewDatabase creates an empty database on the server at base for t and
// returns its URL; it is dropped when t ends (after the cleanups t
// registers later, such as closing the store on it).
func NewDatabase(t testing.TB, base string) (string, error) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("modelstest: %s: %w", EnvURL, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "storelens_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", fmt.Errorf("modelstest: create database: %w", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("modelstest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String(), nil
}
