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
package sunmicloud
