-- 0029 on PostgreSQL: files kept in the database (see ../0029_blobs.sql).
-- The pictures are JPEG or PNG, compressed already: STORAGE EXTERNAL keeps
-- them out of line without trying pglz on every one.
CREATE TABLE blobs (
    space   TEXT   NOT NULL,
    name    TEXT   NOT NULL,
    data    BYTEA  NOT NULL,
    put_at  BIGINT NOT NULL,
    PRIMARY KEY (space, name)
);
ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;
