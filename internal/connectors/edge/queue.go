package edge

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "github.com/glebarez/go-sqlite" // database/sql driver "sqlite", pure Go (CGO off)
)

// QueueFile is the durable webhook queue's name in the data directory.
const QueueFile = "queue.db"

// DefaultQueueMax is the queue's bound in posts when none is given.
const DefaultQueueMax = 100000

// ErrQueueFull: the queue holds its maximum; the post is refused (the
// camera retries it) and the central is told.
var ErrQueueFull = errors.New("edge: the webhook queue is full")

// Post is one queued camera post: its raw body and the headers the
// central needs to read and verify it.
type Post struct {
	ID          int64
	Received    time.Time
	ContentType string
	Body        []byte
}

// Queue is the edge's durable outbox of camera posts (SQLite in the data
// directory, WAL, synchronous=FULL: Put returns only once the post is on
// disk, so the camera's acknowledgement follows the write). Posts leave
// it in order, and only by Delete (the central answered stored).
type Queue struct {
	db  *sql.DB
	max int
	mu  sync.Mutex
	n   int // depth, kept with the table
}

// OpenQueue opens (or creates) dir/queue.db bounded to max posts
// (DefaultQueueMax when max <= 0).
func OpenQueue(dir string, max int) (*Queue, error) {
	if max <= 0 {
		max = DefaultQueueMax
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, QueueFile)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one writer; every call is serialised here
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS posts (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		received_ns INTEGER NOT NULL,
		content_type TEXT NOT NULL,
		body BLOB NOT NULL)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("edge: queue %s: %w", path, err)
	}
	_ = os.Chmod(path, 0o600)
	q := &Queue{db: db, max: max}
	if err := db.QueryRow(`SELECT count(*) FROM posts`).Scan(&q.n); err != nil {
		db.Close()
		return nil, err
	}
	return q, nil
}

// Close closes the database.
func (q *Queue) Close() error { return q.db.Close() }

// Max is the bound.
func (q *Queue) Max() int { return q.max }

// Depth is how many posts wait.
func (q *Queue) Depth() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Put stores a post durably and returns its id; ErrQueueFull at the bound.
func (q *Queue) Put(ctx context.Context, p Post) (int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n >= q.max {
		return 0, ErrQueueFull
	}
	res, err := q.db.ExecContext(ctx, `INSERT INTO posts (received_ns, content_type, body) VALUES (?, ?, ?)`,
		p.Received.UnixNano(), p.ContentType, p.Body)
	if err != nil {
		return 0, err
	}
	q.n++
	return res.LastInsertId()
}

// After returns up to n posts with an id above after, oldest first.
func (q *Queue) After(ctx context.Context, after int64, n int) ([]Post, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	rows, err := q.db.QueryContext(ctx, `SELECT id, received_ns, content_type, body FROM posts WHERE id > ? ORDER BY id LIMIT ?`, after, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Post
	for rows.Next() {
		var p Post
		var ns int64
		if err := rows.Scan(&p.ID, &ns, &p.ContentType, &p.Body); err != nil {
			return nil, err
		}
		p.Received = time.Unix(0, ns)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Delete removes the post id (the central stored it, or refused it for
// good).
func (q *Queue) Delete(ctx context.Context, id int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	res, err := q.db.ExecContext(ctx, `DELETE FROM posts WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		q.n -= int(n)
	}
	return nil
}
