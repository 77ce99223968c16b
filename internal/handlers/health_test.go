package handlers_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestHealthAndReadiness: /healthz says the process is alive and reads
// nothing, so it stays 200 whatever the database does; /readyz is 200 only
// while the database answers and every migration is recorded, and names
// which part failed (never the error text) when not.
func TestHealthAndReadiness(t *testing.T) {
	a := newTestApp(t)
	get := func(path string) (int, string) {
		r := a.browser().get(path)
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, cc)
		}
		return r.status, strings.TrimSpace(r.body)
	}
	if st, body := get("/healthz"); st != http.StatusOK || body != "ok" {
		t.Fatalf("healthz: %d %q", st, body)
	}
	if st, body := get("/readyz"); st != http.StatusOK || body != "ready" {
		t.Fatalf("readyz on a migrated store: %d %q", st, body)
	}

	// A migration not recorded: not ready (an instance started from an older
	// binary than the schema's, or a migration that failed half-way).
	var newest int
	if err := a.st.DB().Raw("SELECT MAX(version) FROM schema_migrations").Scan(&newest).Error; err != nil || newest == 0 {
		t.Fatalf("newest migration: %d %v", newest, err)
	}
	if err := a.st.DB().Exec("DELETE FROM schema_migrations WHERE version = ?", newest).Error; err != nil {
		t.Fatal(err)
	}
	if st, body := get("/readyz"); st != http.StatusServiceUnavailable || body != "migrations not applied" {
		t.Fatalf("readyz with migration %d unrecorded: %d %q", newest, st, body)
	}
	if st, _ := get("/healthz"); st != http.StatusOK {
		t.Fatalf("healthz must not depend on the migrations: %d", st)
	}

	// The database gone: not ready, still alive.
	a.st.Close()
	if st, body := get("/readyz"); st != http.StatusServiceUnavailable || body != "database unavailable" {
		t.Fatalf("readyz with the database closed: %d %q", st, body)
	}
	if st, body := get("/healthz"); st != http.StatusOK || body != "ok" {
		t.Fatalf("healthz with the database closed: %d %q", st, body)
	}
}
