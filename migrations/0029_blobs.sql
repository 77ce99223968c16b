-- 0029: files kept in the database (internal/blobs): face photos and event
-- pictures when several instances share it (PostgreSQL), so what one
-- instance stored every other serves. space is "faces" or "pictures"; name
-- is the content hash the rows of those areas hold; put_at (Unix
-- milliseconds, UTC) is the last time it was stored, for the sweepers.
CREATE TABLE blobs (
    space   TEXT    NOT NULL,
    name    TEXT    NOT NULL,
    data    BLOB    NOT NULL,
    put_at  INTEGER NOT NULL,
    PRIMARY KEY (space, name)
);
