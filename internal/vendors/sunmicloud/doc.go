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
package sunmicloud
