-- 0009: clips cut by Sunmi cameras on the LAN (003 Video Streaming 5,
-- getCurVideos). url is the camera's, with its auth_key: read server side
-- only, through the camera's pinned certificate. ready_at is when the
-- camera's file is due (4 to 12 s after the call). Times are UTC.
CREATE TABLE lan_clips (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id  INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    preceding  INTEGER NOT NULL,
    following  INTEGER NOT NULL,
    ready_at   DATETIME NOT NULL,
    created_at DATETIME NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX lan_clips_camera_idx ON lan_clips (camera_id, id);
