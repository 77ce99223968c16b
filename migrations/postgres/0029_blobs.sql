-- 0029 on PostgreSQL: files kept in the database (see ../0029_blobs.sql).
CREATE TABLE blobs (
    space   TEXT   NOT NULL,
    name    TEXT   NOT NULL,
    data    BYTEA  NOT NULL,
    put_at  BIGINT NOT NULL,
    PRIMARY KEY (space, name)
);
