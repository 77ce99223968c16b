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
