-- 0017: the audit log is filtered by person, kind and shop (issue 14): the
-- page reads newest first (id DESC) within a filter, so each filter column
-- is indexed with id; a shop's entries are found by their target.
CREATE INDEX audit_entries_username_idx ON audit_entries (username, id);
CREATE INDEX audit_entries_action_idx ON audit_entries (action, id);
CREATE INDEX audit_entries_target_idx ON audit_entries (target_type, target_id);
