// Package opretail is the adapter for the OpRetail (万店掌) open platform
// gateway, vendor document 002_27f837bf28bd89a4.txt ("002"), for the
// passenger-flow indicators of shops counted by OpRetail devices.
//
// Decisions where 002 is silent or contradicts itself (NOTES.md "Signing /
// OpRetail" and items 63-71):
//   - Every call is a POST of a form body (application/x-www-form-urlencoded)
//     to the configured gateway URL: .../cloud.api (002) or .../m.api (other
//     clients, item 64). System parameters: _aid S107, _akey, _mt, _sm md5,
//     _requestMode post (lower case, as the SDK; item 66), _version v1,
//     _timestamp yyyyMMddHHmmss in China time (item 65), _format json (sent,
//     so signed; item 67), _sig.
//   - _sig: every sent parameter but _sig, empty values included, sorted
//     byte-wise by name, name+value concatenated, wrapped in the secret,
//     MD5, upper-case hex (item 63). Checked against NOTES.md's vector.
//   - Business calls carry the login token in the "authenticator" header
//     (item 69), from open.shopweb.security.mobileLogin (userName,
//     password) as data.token. The token is cached and renewed once when a
//     call answers 9990001 (token missing or expired); a fresh token is also
//     fetched after 50 minutes, before the hour the token is said to last.
//   - The gateway's reply is {stat:{cid,code,codename,systime},result,data};
//     stat.code is read whether it comes as a number or a string (items 6,
//     70). 0 is success. The gateway codes of 002 become typed errors:
//     1-3, 6, 7, 11, 12 credentials (KindAuth); 4, 5, 8-10, 13, 15, 17 a
//     request we built wrong (KindInvalidParam); 14, 16 our clock
//     (KindClock); -100 a repeated call (KindBusy: retried after a second,
//     with a new timestamp and so a new _sig); -500, -999 the platform
//     (KindUnavailable, retried). Business codes come through stat.code
//     too, with the message in result: 103094 / 103095 (user name /
//     password wrong) are KindAuth; others KindOther with the vendor's text.
//   - getPassengerIndicatorData (item 68): depId, startTime, endTime
//     ("yyyy-MM-dd HH:mm:ss", the shop's local time, both inclusive),
//     isOnBusinessTime 0 (the whole day). data: passengerFlow (entered),
//     passPassengerFlow (passed by), outsidePassengerFlow (their sum),
//     inShopRate (percent), outFlowCount (left; head-shoulder devices only).
//   - Hourly buckets are one call per hour (HH:00:00..HH:59:59); the day's
//     own figure is one call for the whole day. Face devices de-duplicate a
//     day per day and an hour per hour (002's 特殊说明, item 71), so the
//     hours do not add up to the day: the day's call is kept as the day's
//     unique entries, and the hours as the hours' entries.
//   - Reads are retried on transport failures, 5xx, -500 and -999.
package opretail
