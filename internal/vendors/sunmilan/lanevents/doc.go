// Package lanevents receives events from Sunmi cameras on the shop's LAN
// (vendor document 003, "IPC Notification Center"): the webhook posts of
// §1 (and the hook/add, hook/query, hook/delete calls that subscribe them)
// and the TLS message channel of §2 on the camera's port 10021.
//
// It sits beside the camera LAN adapter (package sunmilan, which owns the
// camera records, activation and the signed HTTPS client) and uses the
// shared Sunmi signature (package sunmisign). Its simulator is package
// sunmilan/sim (the one simulated camera: device API, message channel,
// webhooks), which imports nothing from here.
//
// # Decisions where 003 is silent or contradicts itself (NOTES.md)
//
// Frames (§2.1, items 39 and 40):
//   - FF 3E 3E FF | version 01 | type (1 byte) | length (2 bytes,
//     big-endian) | JSON payload | CRC32/IEEE of the payload (4 bytes,
//     big-endian).
//   - Types are the table's numbers; 0x11 is read as DISCONNECT too (§2.6
//     writes it that way), 11 is written.
//   - Any malformed frame (flag, version, unknown type, CRC, a frame cut
//     short) ends the connection: after a bad header the stream cannot be
//     resynchronised. The client sends DISCONNECT and closes with the TLS
//     close_notify.
//
// Connection (§2.2-§2.5, items 41-43):
//   - CONNECT carries app_id, timestamp (10-digit seconds, as a string),
//     random (10 letters and digits), keep_alive (seconds, a number) and
//     sign. Every field but sign is signed, each as its string value, by
//     the rule of NOTES.md "Signing" (keep_alive too).
//   - CONNACK and SUBACK codes: 0 success; 003 has no table (item 37), so
//     the simulator's is ours: 1 sign, 2 parameter, 3 timestamp, 5 not
//     activated, 7 internal, 310 unknown event type, 311 an event this
//     model does not publish. A 311 to a subscription of both topics makes
//     the client subscribe to motion events only (an FM010, item 45).
//   - PINGREQ every keep_alive; three periods without any frame (a
//     PINGRESP comes every period) is a dead connection (item 42).
//   - A PUBLISH is stored first and acknowledged after (PUBACK
//     {"event_id":N}); an event that could not be stored is not
//     acknowledged, and the connection is closed so the camera sends it
//     again on the next one (item 43: redelivery of unacknowledged events).
//     A well-framed event that cannot be read is acknowledged if it has an
//     id (a redelivery would be no better) and logged.
//   - Reconnects wait 1 s doubling to 60 s, each wait drawn from the upper
//     half of the current step; a connection that lived two keep-alive
//     periods starts the backoff over.
//
// Webhook (§1.3, item 44):
//   - multipart/form-data with app_id, random, timestamp, sign and payload;
//     the signature is the app's secret over app_id, payload, random and
//     timestamp. Each field must come exactly once; file parts are refused;
//     the body is at most 64 KiB.
//   - The timestamp must be within 5 minutes of our clock (003 gives no
//     window), and a signature seen within that window is a replay. The
//     replay memory is in-process: after a restart, the event store's
//     de-duplication still keeps a replayed event from being stored twice.
//   - hook/query returns callbacks without their scheme (item 44); hook/add
//     sends event_list as JSON text and signs that text (NOTES.md
//     "Signing").
//
// Events (§1.3, §2.5, items 2, 3, 38, 46):
//   - detect_type follows the table of the section the event came through:
//     the channel's 1 picture, 2 voice, 3 both; the webhook's 0 motion,
//     1 audio, 2 both, 3 human (the internal kind "person"). The raw code is
//     kept. (NOTES.md item 38 calls 1/2/3 canonical and maps the webhook's 0
//     and 3; reading each section by its own table is our reading of that,
//     and the simulator writes by the same rule.)
//   - report_time: 10-digit seconds; 13-digit milliseconds accepted; the
//     documents' 11-digit example is not a time, and such an event is dated
//     when it arrived.
//   - age may be a number, a string or blank; age_range 1..8 is mapped onto
//     the canonical buckets (the LAN table's overlapping 45/55 edges read as
//     the cloud's 46-55 and 56+); with no range, it is computed from age.
//   - Gender 0 unknown, 1 male, 2 female.
//   - Group names map to kinds: stranger, regular (and the zh typo
//     "regulart"), employee/staff, vip/member, anything else custom.
//   - The payload names no person: a custom attribute "name" (registered on
//     the camera with addFaceInfoItem) is used when present; otherwise the
//     faces area names the person by faceid.
//   - An event's identity (the events store's dedupe key) is the capture's
//     own: sn, event type, event_id, for a face event faceid, and the file
//     name of the capture's picture (pic_url) or clip (video_url), which
//     the camera names by the capture time (003 §1.3's examples:
//     snap/1597894624456_7.jpg, captured at ...624.456 and reported at
//     ...809; video_detect/1579158761.flv, reported 4 s later). Not
//     report_time: a camera sending the same capture again may stamp a new
//     report time, and it would be stored twice. Not event_id alone: it is
//     a counter that starts again after an activation (item 49), and the
//     capture's file name keeps a new event 1 apart from an old one. The
//     URL's host and auth_key are left out (both change on a re-send: the
//     key carries its expiry, the camera's address may move). Only an
//     event with neither picture nor clip URL (003 always sends one) falls
//     back on report_time. Keys before this rule included report_time: an
//     event stored then and redelivered after an upgrade is stored once
//     more, once.
package lanevents
