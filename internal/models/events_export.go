package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// EventPages reads every event of f in scope, in the order the history
// lists them (newest first, SearchEvents' order), in keyset pages of size
// events: each page is read, its cursor closed, then handed to fn, so an
// export keeps one page in memory and no cursor open while its client
// reads. The page slice is reused: fn must not keep it. f's own cursors
// and page size are ignored: the walk starts at the newest event of f.
//
// Each page is SearchEvents' query for the page before it (the same SQL,
// the same indexes), so the rows are exactly those the history's pages
// list one after another. Only the columns an export writes are read
// (EventExportColumns); the others stay zero.
func (s *Store) EventPages(ctx context.Context, sc Scope, f EventFilter, size int, fn func([]Event) error) (int, error) {
	if size <= 0 {
		size = 1000
	}
	f.PerPage, f.After, f.Before = size, nil, nil
	db, err := s.db.DB()
	if err != nil {
		return 0, err
	}
	cols := EventExportColumns
	if !s.dialect.postgres() {
		// The time as SQLite keeps it (text): the driver would parse it by
		// trying its layouts in turn, an error allocated per miss. The
		// query still orders by the column itself (and its index).
		cols = slices.Clone(cols)
		cols[slices.Index(cols, "occurred_at")] = "CAST(events.occurred_at AS TEXT) AS occurred_text"
	}
	buf := make([]Event, 0, size+1)
	n := 0
	for {
		q, err := s.searchQueryOf(ctx, sc, f, cols)
		if err != nil {
			return n, err
		}
		if buf, err = scanExportEvents(ctx, db, s.dialect.rebind(q.sql), q.args, buf[:0]); err != nil {
			return n, err
		}
		more := len(buf) > size
		if more {
			buf = buf[:size]
		}
		if len(buf) > 0 {
			if err := fn(buf); err != nil {
				return n, err
			}
		}
		n += len(buf)
		if !more {
			return n, nil
		}
		c := CursorOf(buf[len(buf)-1])
		f.Before = &c
	}
}

// EventExportColumns are the columns EventPages fills in.
var EventExportColumns = []string{"id", "shop_id", "camera_name", "device_sn", "kind", "occurred_at", "person_id",
	"cloud_person_id", "person_name", "group_name", "group_kind", "age", "age_range", "gender", "visits", "motion", "alert"}

func scanExportEvents(ctx context.Context, db *sql.DB, q string, args []any, buf []Event) ([]Event, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return buf, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return buf, err
	}
	var ev Event
	var at anyTime
	var skip sql.RawBytes
	dest := make([]any, len(cols))
	for i, c := range cols {
		switch c {
		case "id":
			dest[i] = &ev.ID
		case "shop_id":
			dest[i] = &ev.ShopID
		case "camera_name":
			dest[i] = &ev.CameraName
		case "device_sn":
			dest[i] = &ev.DeviceSN
		case "kind":
			dest[i] = &ev.Kind
		case "occurred_at", "occurred_text":
			dest[i] = &at
		case "person_id":
			dest[i] = &ev.PersonID
		case "cloud_person_id":
			dest[i] = &ev.CloudPersonID
		case "person_name":
			dest[i] = &ev.PersonName
		case "group_name":
			dest[i] = &ev.GroupName
		case "group_kind":
			dest[i] = &ev.GroupKind
		case "age":
			dest[i] = &ev.Age
		case "age_range":
			dest[i] = &ev.AgeRange
		case "gender":
			dest[i] = &ev.Gender
		case "visits":
			dest[i] = &ev.Visits
		case "motion":
			dest[i] = &ev.Motion
		case "alert":
			dest[i] = &ev.Alert
		default:
			dest[i] = &skip
		}
	}
	for rows.Next() {
		ev = Event{}
		if err := rows.Scan(dest...); err != nil {
			return buf, err
		}
		ev.OccurredAt = at.t
		buf = append(buf, ev)
	}
	return buf, rows.Err()
}

// anyTime scans a time as either driver hands it over: a time.Time, or
// text in one of SQLite's layouts.
type anyTime struct{ t time.Time }

var timeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}

func (a *anyTime) Scan(v any) error {
	var s string
	switch x := v.(type) {
	case time.Time:
		a.t = x
		return nil
	case string:
		s = x
	case []byte:
		s = string(x)
	case nil:
		a.t = time.Time{}
		return nil
	default:
		return fmt.Errorf("models: a time stored as %T", v)
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			a.t = t
			return nil
		}
	}
	return fmt.Errorf("models: a time stored as %q", s)
}
