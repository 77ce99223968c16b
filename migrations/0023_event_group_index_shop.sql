-- 0023: the group indexes of the event search (0010) carry the shop. A
-- group searched in one shop and a day range walked the group's events of
-- every shop in the range and looked each row up for its shop: 105 ms at
-- 10M events for a group with no event in that shop (BENCHMARKS.md, event
-- search). With shop_id in the index the walk reads no row of events (the
-- arm selects id and occurred_at), so the shop is checked in the index.
-- The order the walk depends on (group, occurred_at, id) is unchanged: id
-- is named before shop_id, or the page's tie-break by id would need a sort.
DROP INDEX events_group_name_idx;
CREATE INDEX events_group_name_idx ON events (group_name COLLATE NOCASE, occurred_at, id, shop_id) WHERE group_name <> '';
DROP INDEX events_group_kind_idx;
CREATE INDEX events_group_kind_idx ON events (group_kind, occurred_at, id, shop_id) WHERE group_kind <> '';
