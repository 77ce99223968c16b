// Package models holds the GORM models of StoreLens and the queries that
// belong to them. It imports neither Gin nor templ.
package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"storelens/migrations"
)

// dsnParams are the only DSN knobs glebarez understands (_pragma, _txlock,
// _time_format); mattn-style ones are silently ignored, so Open asserts them.
// _txlock=immediate makes every transaction take the write lock up front:
// without it two read-then-write transactions deadlock on the lock upgrade
// and one fails with "database is locked" whatever busy_timeout says.
const dsnParams = "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// Store is the database of one StoreLens installation.
type Store struct {
	db  *gorm.DB
	now func() time.Time

	sessionsOnce sync.Once
	sessions     *SessionStore

	dialect dialect
	path    string       // the database file, for the event writer's connection (SQLite)
	evMu    sync.Mutex   // guards evw
	evw     *eventWriter // opened by the first InsertEvents
	closed  bool
}

// Options tune Open; the zero value is fine.
type Options struct {
	Now    func() time.Time // clock for created/updated stamps; time.Now if nil
	Logger *slog.Logger
	// DatabaseURL, when set, is a postgres:// (or postgresql://) URL: the
	// store then runs on that PostgreSQL database and path is not used.
	// Empty means the SQLite file at path.
	DatabaseURL string
	// MaxConns bounds the PostgreSQL pool (default 16); SQLite's stays 8.
	MaxConns int
}

// IsPostgresURL reports whether url names a PostgreSQL database.
func IsPostgresURL(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open opens the store: the SQLite database at path (created if needed,
// its pragmas checked) or, when opt.DatabaseURL is set, that PostgreSQL
// database; then it applies the pending migrations of that dialect.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	if opt.DatabaseURL != "" {
		return openPostgres(ctx, opt)
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	db, err := gorm.Open(sqlite.Open("file:"+path+dsnParams), &gorm.Config{
		TranslateError: true,
		NowFunc:        func() time.Time { return now().UTC() },
		Logger:         newGormLogger(log),
	})
	if err != nil {
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// WAL lets readers run beside the one writer; a small pool is enough.
	sqlDB.SetMaxOpenConns(8)
	sqlDB.SetMaxIdleConns(8)
	s := &Store{db: db, now: now, path: path, dialect: dialect{name: migrations.SQLite}}
	if err := s.checkPragmas(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if n, err := migrations.Up(ctx, sqlDB); err != nil {
		sqlDB.Close()
		return nil, err
	} else if n > 0 {
		log.Info("database migrated", "applied", n)
	}
	return s, nil
}

func openPostgres(ctx context.Context, opt Options) (*Store, error) {
	if !IsPostgresURL(opt.DatabaseURL) {
		// Never echo the URL: it may carry a password.
		return nil, errors.New("models: the database URL must start with postgres:// or postgresql:// (empty means the embedded SQLite)")
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	db, err := gorm.Open(postgres.New(postgres.Config{DSN: opt.DatabaseURL}), &gorm.Config{
		TranslateError: true,
		NowFunc:        func() time.Time { return now().UTC() },
		Logger:         newGormLogger(log),
	})
	if err != nil {
		return nil, fmt.Errorf("models: open postgresql: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	n := opt.MaxConns
	if n <= 0 {
		n = 16
	}
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("models: open postgresql: %w", err)
	}
	s := &Store{db: db, now: now, dialect: dialect{name: migrations.Postgres}}
	if n, err := migrations.UpDialect(ctx, sqlDB, migrations.Postgres); err != nil {
		sqlDB.Close()
		return nil, err
	} else if n > 0 {
		log.Info("database migrated", "applied", n, "database", "postgresql")
	}
	return s, nil
}

// Dialect is the store's database: migrations.SQLite or migrations.Postgres.
func (s *Store) Dialect() migrations.Dialect { return s.dialect.name }

// Ready reports whether the database answers and every migration of its
// dialect is applied, for /readyz.
func (s *Store) Ready(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return err
	}
	n, err := migrations.Pending(ctx, sqlDB, s.dialect.name)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("models: %d migrations not applied", n)
	}
	return nil
}

func (s *Store) checkPragmas(ctx context.Context) error {
	var fk int
	var mode string
	var busy int
	db := s.db.WithContext(ctx)
	if err := db.Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil {
		return fmt.Errorf("models: read pragmas: %w", err)
	}
	db.Raw("PRAGMA journal_mode").Scan(&mode)
	db.Raw("PRAGMA busy_timeout").Scan(&busy)
	if fk != 1 || mode != "wal" || busy <= 0 {
		return fmt.Errorf("models: sqlite pragmas not applied (foreign_keys=%d journal_mode=%s busy_timeout=%d)", fk, mode, busy)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.evMu.Lock()
	var werr error
	if s.evw != nil {
		werr = s.evw.close()
		s.evw = nil
	}
	s.closed = true
	s.evMu.Unlock()
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return errors.Join(sqlDB.Close(), werr)
}

// Ping reports whether the database answers, for /healthz.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// DB exposes the GORM handle to tests in other packages and to migrations
// checks; application code uses the Store's methods.
func (s *Store) DB() *gorm.DB { return s.db }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now().UTC() }

// ErrNotFound is returned when a record does not exist or is not visible to
// the caller: the two are deliberately the same answer.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a unique constraint refuses a write.
var ErrConflict = errors.New("already exists")

// ErrInUse is returned when a foreign key refuses a delete.
var ErrInUse = errors.New("still in use")

// translate maps GORM errors onto the package's sentinels.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%w: %v", ErrConflict, err)
	case errors.Is(err, gorm.ErrForeignKeyViolated),
		// A RESTRICT on delete surfaces as SQLITE_CONSTRAINT_TRIGGER (1811),
		// which the dialector does not translate.
		strings.Contains(err.Error(), "FOREIGN KEY constraint failed"),
		// PostgreSQL: foreign_key_violation, whatever the dialector made of it.
		strings.Contains(err.Error(), "SQLSTATE 23503"):
		return fmt.Errorf("%w: %v", ErrInUse, err)
	}
	return err
}

func newGormLogger(log *slog.Logger) logger.Interface {
	return quietCancel{Interface: logger.NewSlogLogger(log, logger.Config{
		SlowThreshold:             500 * time.Millisecond,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true, // never log values: they may hold secrets
	}), log: log}
}

// quietCancel logs a query that failed only because its request's context
// ended (a browser closed the page, a stream ended) at debug level: that is
// not a database error, and logging it as one hides the real ones.
type quietCancel struct {
	logger.Interface
	log *slog.Logger
}

func (q quietCancel) LogMode(l logger.LogLevel) logger.Interface {
	return quietCancel{Interface: q.Interface.LogMode(l), log: q.log}
}

func (q quietCancel) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		sql, _ := fc()
		q.log.DebugContext(ctx, "query ended with its context", "sql", sql, "err", err)
		return
	}
	q.Interface.Trace(ctx, begin, fc, err)
}
