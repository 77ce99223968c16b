package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// eventWriter is the event writer's own SQLite connection, with its
// statements compiled once and kept.
//
// Why not database/sql: glebarez/go-sqlite keeps a "prepared" statement as
// its SQL text and runs sqlite3_prepare_v2 at every execution, so each
// event's 28-column INSERT was compiled again (~100 µs of CPU an event,
// BENCHMARKS.md "Event latency and ingest"). This connection talks to the
// same transpiled SQLite (modernc.org/sqlite/lib, the library glebarez
// binds) directly: prepare once, then bind, step and reset per row.
//
// Same file, same pragmas as the pool (WAL, synchronous=NORMAL,
// foreign_keys, busy_timeout 10 s), and each batch is one BEGIN IMMEDIATE …
// COMMIT: InsertEvents returns only after the commit, so the rule "store
// before the acknowledgement" holds as before.
type eventWriter struct {
	mu  sync.Mutex
	tls *libc.TLS
	db  uintptr

	begin, commit, rollback uintptr // statements, kept
	existing                uintptr
	inserts                 map[int]uintptr // multi-row INSERTs by row count

	buf  uintptr // C memory the row's text values are copied into (bound SQLITE_STATIC)
	bufN int
}

const existingEventSQL = `SELECT id FROM events WHERE dedupe_key = ?`

// openEventWriter opens path for the event writer.
func openEventWriter(path string) (_ *eventWriter, err error) {
	w := &eventWriter{tls: libc.NewTLS(), inserts: map[int]uintptr{}}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	name, err := libc.CString(path)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(w.tls, name)
	pdb := libc.Xmalloc(w.tls, uint64(unsafe.Sizeof(uintptr(0))))
	if pdb == 0 {
		return nil, errors.New("models: event writer: out of memory")
	}
	defer libc.Xfree(w.tls, pdb)
	*cPtr(pdb) = 0
	rc := sqlite3.Xsqlite3_open_v2(w.tls, name, pdb,
		sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_FULLMUTEX, 0)
	w.db = *cPtr(pdb)
	if rc != sqlite3.SQLITE_OK {
		return nil, w.errorf(rc, "open %s", path)
	}
	sqlite3.Xsqlite3_extended_result_codes(w.tls, w.db, 1)
	sqlite3.Xsqlite3_busy_timeout(w.tls, w.db, 10000)
	for _, p := range []string{"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL", "PRAGMA journal_mode = WAL"} {
		if err := w.execOnce(p); err != nil {
			return nil, err
		}
	}
	for _, st := range []struct {
		to  *uintptr
		sql string
	}{
		{&w.begin, "BEGIN IMMEDIATE"}, {&w.commit, "COMMIT"}, {&w.rollback, "ROLLBACK"},
		{&w.existing, existingEventSQL},
	} {
		if *st.to, err = w.prepare(st.sql); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (w *eventWriter) prepare(q string) (uintptr, error) {
	z, err := libc.CString(q)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(w.tls, z)
	pp := libc.Xmalloc(w.tls, uint64(unsafe.Sizeof(uintptr(0))))
	if pp == 0 {
		return 0, errors.New("models: event writer: out of memory")
	}
	defer libc.Xfree(w.tls, pp)
	*cPtr(pp) = 0
	if rc := sqlite3.Xsqlite3_prepare_v2(w.tls, w.db, z, -1, pp, 0); rc != sqlite3.SQLITE_OK {
		return 0, w.errorf(rc, "prepare")
	}
	return *cPtr(pp), nil
}

// execOnce runs a statement that is not kept (the pragmas at open).
func (w *eventWriter) execOnce(q string) error {
	st, err := w.prepare(q)
	if err != nil {
		return err
	}
	defer sqlite3.Xsqlite3_finalize(w.tls, st)
	for {
		switch rc := sqlite3.Xsqlite3_step(w.tls, st); rc {
		case sqlite3.SQLITE_ROW:
		case sqlite3.SQLITE_DONE:
			return nil
		default:
			return w.errorf(rc, "%s", q)
		}
	}
}

// run steps a kept statement that returns no row, and resets it.
func (w *eventWriter) run(st uintptr) error {
	rc := sqlite3.Xsqlite3_step(w.tls, st)
	sqlite3.Xsqlite3_reset(w.tls, st)
	if rc != sqlite3.SQLITE_DONE {
		return w.errorf(rc, "step")
	}
	return nil
}

func (w *eventWriter) errorf(rc int32, format string, args ...any) error {
	msg := libc.GoString(sqlite3.Xsqlite3_errstr(w.tls, rc))
	if w.db != 0 {
		if m := libc.GoString(sqlite3.Xsqlite3_errmsg(w.tls, w.db)); m != "" && m != msg {
			msg += ": " + m
		}
	}
	return fmt.Errorf("models: event writer: %s: %s (%d)", fmt.Sprintf(format, args...), msg, rc)
}

// maxRowsPerStatement bounds the rows of one multi-row INSERT (28
// parameters a row; SQLite allows 32,766).
const maxRowsPerStatement = 256

// keptInserts bounds the multi-row INSERTs kept compiled (one per row count
// seen; the writer's batches are 1–128 rows).
const keptInserts = 48

// insertStmt is the kept INSERT of n rows, compiled on first use.
func (w *eventWriter) insertStmt(n int) (uintptr, error) {
	if st, ok := w.inserts[n]; ok {
		return st, nil
	}
	if len(w.inserts) >= keptInserts {
		for k, st := range w.inserts { // any one: sizes recur
			sqlite3.Xsqlite3_finalize(w.tls, st)
			delete(w.inserts, k)
			break
		}
	}
	var b strings.Builder
	b.WriteString(insertEventHead)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(insertEventRow)
	}
	b.WriteString(" ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key")
	st, err := w.prepare(b.String())
	if err != nil {
		return 0, err
	}
	w.inserts[n] = st
	return st, nil
}

const insertEventHead = `INSERT INTO events (shop_id, camera_id, camera_name, device_sn, vendor, source, dedupe_key,
	vendor_event_id, kind, occurred_at, received_at, person_id, cloud_person_id, person_name, group_name, group_kind,
	age, age_range, gender, visits, motion, motion_raw, alert, picture_src, clip_src, picture, picture_tries, attrs) VALUES `

const insertEventRow = `(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

const eventParams = 28

// eventTexts are an event's text values in column order, with the
// parameter index of each (1-based, within its row).
func eventTexts(e *Event) [20]string {
	return [20]string{e.CameraName, e.DeviceSN, e.Vendor, e.Source, e.DedupeKey, e.VendorEventID, e.Kind,
		e.OccurredAt.UTC().Format(sqliteTime), e.ReceivedAt.UTC().Format(sqliteTime), e.PersonID, e.CloudPersonID,
		e.PersonName, e.GroupName, e.GroupKind, e.Gender, e.Motion, e.PictureSrc, e.ClipSrc, e.Picture, e.Attrs}
}

var textParam = [20]int32{3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 19, 21, 24, 25, 26, 28}

// grow makes buf hold at least n bytes.
func (w *eventWriter) grow(n int) error {
	if n <= w.bufN {
		return nil
	}
	if w.buf != 0 {
		libc.Xfree(w.tls, w.buf)
	}
	size := max(n, 64<<10)
	if w.buf = libc.Xmalloc(w.tls, uint64(size)); w.buf == 0 {
		w.bufN = 0
		return errors.New("models: event writer: out of memory")
	}
	w.bufN = size
	return nil
}

// bindRows binds evs to st. Text values are copied into buf, bound
// SQLITE_STATIC: buf must not change until st is reset.
func (w *eventWriter) bindRows(st uintptr, evs []*Event) error {
	t := w.tls
	texts := make([][20]string, len(evs))
	n := 0
	for i, e := range evs {
		texts[i] = eventTexts(e)
		for _, v := range texts[i] {
			n += len(v)
		}
	}
	if err := w.grow(n + 1); err != nil {
		return err
	}
	mem := unsafe.Slice((*byte)(cMem(w.buf)), w.bufN)
	off := 0
	var rc int32
	ok := func(r int32) {
		if rc == sqlite3.SQLITE_OK {
			rc = r
		}
	}
	for i, e := range evs {
		base := int32(i * eventParams)
		num := func(idx int32, v int64) { ok(sqlite3.Xsqlite3_bind_int64(t, st, base+idx, v)) }
		for k, v := range texts[i] {
			p := w.buf + uintptr(off)
			off += copy(mem[off:], v)
			ok(sqlite3.Xsqlite3_bind_text(t, st, base+textParam[k], p, int32(len(v)), 0))
		}
		num(1, int64(e.ShopID))
		if e.CameraID == nil {
			ok(sqlite3.Xsqlite3_bind_null(t, st, base+2))
		} else {
			num(2, int64(*e.CameraID))
		}
		num(17, int64(e.Age))
		num(18, int64(e.AgeRange))
		num(20, int64(e.Visits))
		num(22, int64(e.MotionRaw))
		alert := int64(0)
		if e.Alert {
			alert = 1
		}
		num(23, alert)
		num(27, int64(e.PictureTries))
	}
	if rc != sqlite3.SQLITE_OK {
		return w.errorf(rc, "bind")
	}
	return nil
}

// insert stores evs in one transaction; see Store.InsertEvents.
//
// A batch of up to maxRowsPerStatement rows is one multi-row INSERT run
// as its own transaction (autocommit): SQLite then needs no statement
// journal, which an INSERT inside BEGIN … COMMIT writes for every page it
// touches (the events table has triggers and a foreign key), and which
// cost about half the CPU of a per-row INSERT. A larger batch is several
// such statements inside BEGIN IMMEDIATE … COMMIT.
func (w *eventWriter) insert(ctx context.Context, evs []*Event) ([]bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.db == 0 {
		return nil, errors.New("models: event writer closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	stored := make([]bool, len(evs))
	if len(evs) <= maxRowsPerStatement {
		if err := w.insertChunk(evs, stored); err != nil {
			return nil, err
		}
		return stored, w.lookupDuplicates(evs, stored)
	}
	if err := w.run(w.begin); err != nil {
		return nil, err
	}
	err := func() error {
		for i := 0; i < len(evs); i += maxRowsPerStatement {
			j := min(i+maxRowsPerStatement, len(evs))
			if err := w.insertChunk(evs[i:j], stored[i:j]); err != nil {
				return err
			}
		}
		return w.lookupDuplicates(evs, stored)
	}()
	if err == nil {
		err = w.run(w.commit)
	}
	if err != nil {
		// COMMIT can fail busy: the transaction is then still open.
		if sqlite3.Xsqlite3_get_autocommit(w.tls, w.db) == 0 {
			w.run(w.rollback)
		}
		return nil, err
	}
	return stored, nil
}

// insertChunk runs one multi-row INSERT of evs and sets the ids and
// stored of the rows it inserted (RETURNING gives id and key; a key
// repeated in evs is inserted once, by its first row).
func (w *eventWriter) insertChunk(evs []*Event, stored []bool) error {
	t := w.tls
	st, err := w.insertStmt(len(evs))
	if err != nil {
		return err
	}
	defer func() {
		sqlite3.Xsqlite3_reset(t, st)
		sqlite3.Xsqlite3_clear_bindings(t, st)
	}()
	if err := w.bindRows(st, evs); err != nil {
		return err
	}
	ids := make(map[string]int64, len(evs))
	for {
		rc := sqlite3.Xsqlite3_step(t, st)
		if rc == sqlite3.SQLITE_DONE {
			break
		}
		if rc != sqlite3.SQLITE_ROW {
			return w.errorf(rc, "insert %d events", len(evs))
		}
		id := sqlite3.Xsqlite3_column_int64(t, st, 0)
		key := libc.GoString(sqlite3.Xsqlite3_column_text(t, st, 1))
		ids[key] = id
	}
	for i, e := range evs {
		if id, ok := ids[e.DedupeKey]; ok {
			e.ID, stored[i] = id, true
			delete(ids, e.DedupeKey)
		}
	}
	return nil
}

// lookupDuplicates sets the id of every row not stored to the stored
// event with its key.
func (w *eventWriter) lookupDuplicates(evs []*Event, stored []bool) error {
	t := w.tls
	for i, e := range evs {
		if stored[i] {
			continue
		}
		if err := w.grow(len(e.DedupeKey) + 1); err != nil {
			return err
		}
		copy(unsafe.Slice((*byte)(cMem(w.buf)), w.bufN), e.DedupeKey)
		sqlite3.Xsqlite3_bind_text(t, w.existing, 1, w.buf, int32(len(e.DedupeKey)), 0)
		rc := sqlite3.Xsqlite3_step(t, w.existing)
		if rc == sqlite3.SQLITE_ROW {
			e.ID = sqlite3.Xsqlite3_column_int64(t, w.existing, 0)
		}
		sqlite3.Xsqlite3_reset(t, w.existing)
		sqlite3.Xsqlite3_clear_bindings(t, w.existing)
		if rc != sqlite3.SQLITE_ROW {
			return fmt.Errorf("models: duplicate event %s: %w", e.DedupeKey, w.errorf(rc, "select"))
		}
	}
	return nil
}

// close finalizes the statements and closes the connection.
func (w *eventWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.tls == nil {
		return nil
	}
	for n, st := range w.inserts {
		sqlite3.Xsqlite3_finalize(w.tls, st)
		delete(w.inserts, n)
	}
	for _, st := range []*uintptr{&w.begin, &w.commit, &w.rollback, &w.existing} {
		if *st != 0 {
			sqlite3.Xsqlite3_finalize(w.tls, *st)
			*st = 0
		}
	}
	var err error
	if w.db != 0 {
		if rc := sqlite3.Xsqlite3_close_v2(w.tls, w.db); rc != sqlite3.SQLITE_OK {
			err = w.errorf(rc, "close")
		}
		w.db = 0
	}
	if w.buf != 0 {
		libc.Xfree(w.tls, w.buf)
		w.buf, w.bufN = 0, 0
	}
	w.tls.Close()
	w.tls = nil
	return err
}

// cMem is the Go view of C memory from libc.Xmalloc (outside the Go heap,
// never moved or collected).
func cMem(p uintptr) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(nil), p) }

// cPtr is a C pointer-sized out-parameter.
func cPtr(p uintptr) *uintptr { return (*uintptr)(cMem(p)) }

// sqliteTime is how glebarez/go-sqlite writes a time.Time (its default
// write format), so rows stored here read and compare like the others.
const sqliteTime = "2006-01-02 15:04:05.999999999-07:00"
