package models_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/migrations"
)

func openStore(t testing.TB) *models.Store {
	t.Helper()
	return modelstest.Open(t, models.Options{})
}

// TestSchemaMatchesModels: the migrated schema (SQLite, or PostgreSQL when
// STORELENS_TEST_DATABASE_URL is set) has every model's table, a column for
// every field, and a column type the field's Go type is read and written as.
func TestSchemaMatchesModels(t *testing.T) {
	st := openStore(t)
	m := st.DB().Migrator()
	for _, model := range models.AllModels() {
		sch, err := schema.Parse(model, &sync.Map{}, st.DB().NamingStrategy)
		if err != nil {
			t.Fatal(err)
		}
		if !m.HasTable(sch.Table) {
			t.Errorf("table %s missing", sch.Table)
			continue
		}
		cols, err := m.ColumnTypes(model)
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]string{}
		for _, c := range cols {
			types[c.Name()] = strings.ToUpper(c.DatabaseTypeName())
		}
		for _, f := range sch.Fields {
			if f.DBName == "" {
				continue // relations
			}
			dbType, ok := types[f.DBName]
			if !ok {
				t.Errorf("%s.%s (field %s) has no column", sch.Table, f.DBName, f.Name)
				continue
			}
			if want := compatibleTypes(st.Dialect(), f.DataType); want != nil && !slices.Contains(want, dbType) {
				t.Errorf("%s.%s (field %s, %s): column is %s, want one of %v", sch.Table, f.DBName, f.Name, f.DataType, dbType, want)
			}
		}
	}
}

// compatibleTypes are the column types (as the driver names them) a field
// of GORM data type dt may have on d; nil accepts any (custom types).
func compatibleTypes(d migrations.Dialect, dt schema.DataType) []string {
	if d == migrations.Postgres {
		switch dt {
		case schema.Bool:
			return []string{"BOOL"}
		case schema.Int, schema.Uint:
			return []string{"INT8", "INT4", "INT2"}
		case schema.Float:
			return []string{"FLOAT8", "FLOAT4", "NUMERIC"}
		case schema.String:
			return []string{"TEXT", "CITEXT", "VARCHAR"}
		case schema.Time:
			return []string{"TIMESTAMPTZ"}
		case schema.Bytes:
			return []string{"BYTEA"}
		}
		return nil
	}
	switch dt {
	case schema.Bool, schema.Int, schema.Uint:
		return []string{"INTEGER"}
	case schema.Float:
		return []string{"REAL", "NUMERIC"}
	case schema.String:
		return []string{"TEXT"}
	case schema.Time:
		return []string{"DATETIME"}
	case schema.Bytes:
		return []string{"BLOB"}
	}
	return nil
}

func TestMigrationsIdempotent(t *testing.T) {
	st := openStore(t)
	sqlDB, _ := st.DB().DB()
	n, err := migrations.UpDialect(context.Background(), sqlDB, st.Dialect())
	if err != nil || n != 0 {
		t.Fatalf("second Up applied %d, err %v; want 0, nil", n, err)
	}
	all, _ := migrations.AllFor(st.Dialect())
	var v int
	sqlDB.QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&v)
	if v != all[len(all)-1].Version {
		t.Fatalf("recorded version %d, want %d", v, all[len(all)-1].Version)
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	err := st.DB().Create(&models.Camera{ShopID: 999, Vendor: "x", SN: "S1"}).Error
	if err == nil {
		t.Fatal("camera of a missing shop was stored: foreign keys are off")
	}
	acc := models.VendorAccount{Vendor: "sunmicloud", Name: "a", BaseURL: "http://127.0.0.1", AppID: "x", SecretEnc: []byte{1}}
	if err := st.CreateVendorAccount(ctx, &acc); err != nil {
		t.Fatal(err)
	}
	shop := models.Shop{Name: "S", SunmiAccountID: &acc.ID}
	if err := st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteVendorAccount(ctx, acc.ID); !errors.Is(err, models.ErrInUse) {
		t.Fatalf("deleting an account in use: %v, want ErrInUse", err)
	}
}

// Many goroutines doing read-then-write transactions at once must never see
// "database is locked" (STYLE.md P5).
func TestConcurrentWritersNeverLocked(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	shop := models.Shop{Name: "S"}
	if err := st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				cams := []models.Camera{{SN: fmt.Sprintf("W%d-%d", w, i), Name: "c"}}
				// Read then write inside one transaction, and plain writes.
				if err := st.SyncCameras(ctx, shop.ID, fmt.Sprintf("v%d", w), cams); err != nil {
					errs <- err
				}
				if err := st.Audit(ctx, models.AuditEntry{Action: "test"}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write failed: %v", err)
	}
	var n int64
	st.DB().Model(&models.AuditEntry{}).Count(&n)
	if n != workers*each {
		t.Fatalf("audit rows %d, want %d", n, workers*each)
	}
}

func TestSessionStoreSkipsTouches(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	ss := st.Sessions()
	exp := time.Now().Add(time.Hour)
	if err := ss.CommitCtx(ctx, "tok", []byte("a"), exp); err != nil {
		t.Fatal(err)
	}
	// Same data, expiry 30 s later: no write needed.
	st.DB().Exec("UPDATE sessions SET data = ? WHERE token = ?", []byte("marker"), "tok")
	ss.CommitCtx(ctx, "tok", []byte("a"), exp.Add(30*time.Second))
	if b, _, _ := ss.FindCtx(ctx, "tok"); string(b) != "marker" {
		t.Fatal("a touch-only commit was written")
	}
	// Changed data is always written; so is an expiry moved a minute or more.
	ss.CommitCtx(ctx, "tok", []byte("b"), exp.Add(30*time.Second))
	if b, _, _ := ss.FindCtx(ctx, "tok"); string(b) != "b" {
		t.Fatalf("changed data not written: %q", b)
	}
	st.DB().Exec("UPDATE sessions SET data = ? WHERE token = ?", []byte("marker"), "tok")
	ss.CommitCtx(ctx, "tok", []byte("b"), exp.Add(2*time.Minute))
	if b, _, _ := ss.FindCtx(ctx, "tok"); string(b) != "b" {
		t.Fatal("expiry a minute later not written")
	}
	ss.DeleteCtx(ctx, "tok")
	if _, found, _ := ss.FindCtx(ctx, "tok"); found {
		t.Fatal("deleted session found")
	}
}

// A query cut short by its request's context is not a database error: it is
// logged at debug level, while a real failure stays an error.
func TestCanceledQueryLogsAtDebug(t *testing.T) {
	var buf safeBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st := modelstest.Open(t, models.Options{Logger: log})
	defer st.Close()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var n int64
	if err := st.DB().WithContext(ctx).Table("shops").Count(&n).Error; !errors.Is(err, context.Canceled) {
		t.Fatalf("count with a canceled context: %v", err)
	}
	if out := buf.String(); !strings.Contains(out, "level=DEBUG") || strings.Contains(out, "level=ERROR") {
		t.Fatalf("canceled query logged as:\n%s", out)
	}
	buf.Reset()
	st.DB().Exec("SELECT * FROM no_such_table")
	if out := buf.String(); !strings.Contains(out, "level=ERROR") {
		t.Fatalf("a real failure logged as:\n%s", out)
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
func (s *safeBuffer) Reset()         { s.mu.Lock(); defer s.mu.Unlock(); s.b.Reset() }

// TestInstancesStartingTogetherMigrateOnce: three stores opened at once on
// one empty PostgreSQL database (three instances starting together) all
// open, and each migration is applied once: the runner's advisory lock.
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	base := modelstest.PostgresURL()
	if base == "" {
		t.Skip("PostgreSQL only (STORELENS_TEST_DATABASE_URL): a SQLite file has one writer anyway")
	}
	url, err := modelstest.NewDatabase(t, base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stores := make([]*models.Store, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() {
			stores[i], errs[i] = models.Open(ctx, "", models.Options{DatabaseURL: url, Logger: slog.New(slog.DiscardHandler)})
		})
	}
	wg.Wait()
	for i, st := range stores {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		defer st.Close()
	}
	all, _ := migrations.AllFor(migrations.Postgres)
	var n, distinct int
	if err := stores[0].DB().Raw("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations").Row().Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != len(all) || distinct != len(all) {
		t.Fatalf("schema_migrations has %d rows (%d versions), want %d once each", n, distinct, len(all))
	}
	for i, st := range stores {
		if err := st.Ready(ctx); err != nil {
			t.Errorf("instance %d not ready: %v", i, err)
		}
	}
}
