// Package sunmicloud is the adapter for the Sunmi Store cloud OpenAPI
// (vendor document 000, and 001 for faces).
//
// Decisions where the document is silent or contradicts itself (NOTES.md):
//   - Signing follows NOTES.md "Signing / Sunmi cloud": every sent
//     parameter but sign and files, byte-wise sorted, k=v joined by &, raw
//     values, then &key=<secret>, MD5, upper-case hex. Empty optional
//     parameters are never sent, so the question of signing them never
//     arises (item 15).
//   - The base URL includes the /openapi prefix
//     (https://store.uat.sunmi.com/openapi), paths are the document's
//     (/device/ipc/getList).
//   - Success is code 0 only (item 32); HTTP 401 is a refused signature.
//   - Codes are mapped per endpoint (item 22: 5041 and 5509 mean different
//     things in different calls).
//   - getList answering 5013 "未查询到数据" is KindNoData: Sunmi says the
//     same for an empty shop and for an unknown shop number, so the caller
//     empties the list and tells the user to check the number.
//     getListByCompany's 5013 is an empty company (an unknown one is 5041).
//   - MACs are sent as 12 upper-case hex digits (item 24).
//   - Timestamps in replies are 10-digit seconds; 13-digit milliseconds are
//     accepted too (item 3).
//   - Reads are retried on transport errors and 5xx (re-signed each time);
//     writes (bind, unbind, rename) are never retried: a lost reply to a bind
//     must not become a 5509 on the retry.
//
// Passenger flow (人流统计接口 §4.3; traffic.go):
//   - Entries are total_count (with a face) + unexposed_count (without),
//     NOTES 7. Missing counts read as 0 (NOTES 32); hour labels are read
//     padded or not (NOTES 3) in the shop's zone; an hour of another day
//     than the one asked is a malformed reply.
//   - History is split into 30-day calls (inclusive), hour trends and ages
//     per day; a 5013 for a day is an empty closed day. Today's hours carry
//     no kinds of face (Sunmi gives them per hour only in history), so
//     today's strangers/regulars/members are the day's, from groupByTag.
//   - Strangers of an age range are its visits less regulars and members.
//   - The frequency list is never split (unique people do not add up): a
//     period over 30 days, or one not ending before today, is refused here.
//
// Media (直播回放接口 §5.3; media.go):
//   - Stream URLs expire at the timestamp in their
//     auth_key (Alibaba CDN type A, NOTES 11/27: read as the expiry). The
//     video list is asked in windows of 3600 s (§5.3.4, 5021 beyond) and
//     de-duplicated; motion detections page by 100 (§5.3.5) until total_num.
//     "http: //" in URLs is repaired (NOTES 29). live/start and
//     playback/start are not retried (the live manager retries); stops are.
//     playback/stop sends only client_id (§5.3.9). 5515 is KindQuota;
//     playback/start's 5087/5506 are KindNoData and 5088 KindInternal.
//
// Faces (001, faces.go), where the document is silent or contradicts itself:
//   - /face/add is multipart/form-data (001 says "application/form-data",
//     NOTES 17); its value fields are signed, the pic part is not. The photo
//     is at most 1,000,000 bytes (NOTES 9), checked before sending; a 413
//     reads as a refused photo. The add is never retried.
//   - /face/add is asynchronous (NOTES 18): the face is always returned
//     pending, with the face_id when the answer has one (the example) and
//     without when it is data {} (the note). ResolveFaces then finds it:
//     by /face/getInfo for an id (5506 while processing), else by name in
//     its group, created no earlier than five minutes before submission,
//     not already claimed, pairing same-named faces in order. A photo the
//     vendor refuses never appears; the caller decides when to give up (the
//     notification center that would say so is not in our documents).
//   - /face/group/create answers data {} (NOTES 19): the group is found by
//     name in a fresh list (names are unique: 5523).
//   - /face/group/update sends group_id and never type (NOTES 20).
//   - Default groups carry no flag: the first group of each of types 1, 2
//     and 3 (the lowest id) is the default one, as 001 §3.3.1's example
//     lists them; a staff group made later is ordinary.
//   - Types: 1 stranger, 2 regular, 3 staff, 5 custom; members are created
//     as type 5 ("5-自定义,会员", NOTES 8) and read back as custom; type 4
//     (not in 001) reads as custom. No visitor groups.
//   - Gender is sent as 1 male / 2 female and read with 0 unknown (NOTES 1);
//     unknown gender and age are not sent, so an update cannot reset them.
//   - Face lists carry custom values as customer_key1..5 (the example);
//     customer_value1..5 is read too (NOTES 35).
//   - face_id_list is JSON text (NOTES 16), at most 100 ids per call (the
//     simulator's limit; 001 names none): longer lists are split. Pages
//     ask for at most 100 faces.
//   - The move strategy's period is sent in seconds (NOTES 34).
//   - Codes per endpoint (faces_http.go): 5506 is an unknown group in the
//     group calls and an unknown face in /face/getInfo; 5509 a non-empty
//     group; 5520 full; 5521 face not in group; 5522 unknown group in move;
//     5523 name taken; 5524/5525 default group; 5518 the vendor's failure;
//     5041 the shop parameter missing.
package sunmicloud
