-- 0010: event search that scales (issue 12 item 5). The history page's
-- person and group filters answer from indexes instead of a scan of events.
--
-- Every index ends in occurred_at (the rowid, the event id, follows it in
-- every SQLite index), so "this person / this group, newest first, 51
-- rows" is one ordered index walk that stops at the page size, whatever
-- the shop or day range. They are partial: motion events and strangers
-- have no name, no face id and often no group, and take no room.
CREATE INDEX events_person_name_idx ON events (person_name, occurred_at) WHERE person_name <> '';
CREATE INDEX events_person_id_idx ON events (person_id, occurred_at) WHERE person_id <> '';
CREATE INDEX events_cloud_person_idx ON events (cloud_person_id, occurred_at) WHERE cloud_person_id <> '';
CREATE INDEX events_group_name_idx ON events (group_name COLLATE NOCASE, occurred_at) WHERE group_name <> '';
CREATE INDEX events_group_kind_idx ON events (group_kind, occurred_at) WHERE group_kind <> '';

-- The distinct person names seen in events, with a trigram full-text index
-- (FTS5, external content): a part of a name (3 characters or more) finds
-- the names holding it from this small table; the events of each found
-- name then come from events_person_name_idx. Shorter parts (a 2-character
-- Chinese name such as 李伟) are matched with LIKE over this table, which
-- holds one row per name, not per event. Names stay when their events are
-- swept by retention: a stale name only costs one empty index probe.
CREATE TABLE event_names (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE event_names_fts USING fts5 (
    name, content = 'event_names', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER event_names_ai AFTER INSERT ON event_names BEGIN
    INSERT INTO event_names_fts (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER event_names_ad AFTER DELETE ON event_names BEGIN
    INSERT INTO event_names_fts (event_names_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER events_name_ai AFTER INSERT ON events WHEN new.person_name <> '' BEGIN
    INSERT OR IGNORE INTO event_names (name) VALUES (new.person_name);
END;
CREATE TRIGGER events_name_au AFTER UPDATE OF person_name ON events WHEN new.person_name <> '' BEGIN
    INSERT OR IGNORE INTO event_names (name) VALUES (new.person_name);
END;

-- Backfill: the names of the events already stored.
INSERT OR IGNORE INTO event_names (name)
    SELECT DISTINCT person_name FROM events WHERE person_name <> '';
