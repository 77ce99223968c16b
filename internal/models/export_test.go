package models

import "context"

// EventSearchSQL is the SQL SearchEvents runs for f, for the query plan tests.
func (s *Store) EventSearchSQL(ctx context.Context, sc Scope, f EventFilter) (string, []any, error) {
	q, err := s.searchQuery(ctx, sc, f)
	return q.sql, q.args, err
}

// NameMatchSQL is the subquery of the names holding p.
func NameMatchSQL(p string) (string, []any) { return dialect{}.nameContains(p) }

// InsertEventsDB is the database/sql form of InsertEvents, for the benchmark.
func (s *Store) InsertEventsDB(ctx context.Context, evs []*Event) ([]bool, error) {
	return s.insertEventsDB(ctx, evs)
}
