// Package sunmilan is the adapter for a Sunmi IPC camera spoken to directly
// on the shop's LAN (vendor document 003, "IPC OpenAPI"): UDP discovery,
// activation, device management and the Basic Configurations, people-flow
// settings, snapshots, event-hook subscriptions, and the camera's own face
// library (Face Recognition 1-15 with the visitor calls of Customer Flow
// Statistics 8-9: faces.go typed calls, facelib.go the vendors.FaceLibrary
// and the capabilities).
//
// # The core, and how to add an endpoint group
//
// A Client talks to one camera. Every endpoint goes through one method,
// Client.call, with a request value:
//
//	var out struct{ IrMode int `json:"irmode"` }
//	err := c.call(ctx, request{Path: "/config/getIrMode", Read: true}, &out)
//
// call adds the public parameters (app_id, random, timestamp) and the sign
// (internal/vendors/sunmisign, the same rule as the cloud), posts the form
// (or multipart/form-data when the request has Files: files are never
// signed), checks the pinned certificate, decodes {code, data} into out and
// maps the code to a vendors.Error. Reads (Read: true) are retried on
// transport failures; writes never are. A new group of endpoints (faces,
// people-flow statistics, video, ...) is a new file in this package with
// its own typed functions on *Client, each validating its arguments with
// the helpers of validate.go before it calls c.call. Nothing in client.go
// needs to change.
//
// # Decisions where 003 is silent or contradicts itself (NOTES.md)
//
//   - Signing: NOTES "Signing": every sent parameter but sign and files,
//     byte-wise sorted, raw k=v joined with &, then &key=<secret>; MD5,
//     upper-case. Activation signs with the activation code instead of the
//     secret (003 Device Management 1, NOTES 49). Empty optional parameters
//     are never sent.
//   - timestamp is 10-digit seconds (the examples' 11 digits are damage,
//     NOTES 47); random is 10 letters and digits.
//   - Error codes: 003 has no table (NOTES 37). The simulator's table
//     decides 1 sign refused, 2 invalid parameter, 3 timestamp expired,
//     5 not activated, 7 internal error; those map to Kinds. Every other
//     code is KindOther and is shown raw ("camera code 113").
//   - People-flow statistics (Customer Flow Statistics 5-7): "error if no
//     record is found" names no code; 280 (listed for those calls only,
//     nearly) is taken as "no record" and read as zero counts. The reply
//     is nested under stat_list (NOTES 57), buckets follow the camera's
//     clock.
//   - setWifiConfWithoutAuth and getApListWithoutAuth are sent without any
//     public parameter (their names, and 003 "This API requires no public
//     parameter"); the getApListWithoutAuth example's sign is taken as
//     copy-paste (NOTES 48). Both only work before activation.
//   - The reboot call is /openapi/device/reboot; 003's reboot example posts
//     to /device/reset, which is the factory reset (NOTES 60).
//   - getZoomFocusConf answers focused_x/focused_y although the table says
//     focus_x/focus_y (NOTES 59): both are read.
//   - getName is typed int in the table; the example is a string: read as
//     text.
//   - The mac in getInfo has a trailing space and colons (NOTES 61, 24): it
//     is normalised to 12 upper-case hex digits.
//   - Replies with trailing commas (NOTES 57) are read by a lenient decoder
//     that drops a comma before } or ].
//   - Arrays in forms (event_list) are JSON text, signed as that text
//     (NOTES "Signing").
//   - Face library (faces.go, facelib.go). Groups are known by name: a
//     vendors.FaceGroup's ID is the name, and a rename changes it
//     (GroupsByName). Custom attributes are names registered with
//     addFaceInfoItem right after createGroup (and diffed on update);
//     values are sent and read under those names (the examples' named
//     keys, NOTES 35), and item1..5 are read too (getFaceByArrival's
//     example). The camera keeps no person's name: names stay in
//     StoreLens. addFace takes an age, not a range: the middle of the
//     chosen range is sent (NOTES 2's 8 ranges); unknown sends none and
//     the camera infers it. addFace answers the faceid at once, so a face
//     is never pending. The migration period is whole days, rounded up
//     (NOTES 34). Moves are updateFace's new_group_name, one face a call.
//   - Face codes (003 lists them per call, defines none; the simulator
//     follows the same table, sim/doc.go): 200 bad group name, 201 default
//     group, 202 group or capacity limit, 204 no such group, 205 group not
//     empty, 206 group full, 207 face not in group, 208 photo refused
//     (type, size, resolution), 210 face detection refused, 211 no face
//     recognition on this model, 212 group name taken, 240-243
//     attributes, 275 unknown face (visits), 283 nobody matches (read as
//     "not found"), 280 nobody seen (read as empty); getFace's 2 is an
//     unknown face. Each maps to a vendors Kind per call (faces.go init).
//   - "1M" photos: the adapter refuses over 1,000,000 bytes before sending
//     (the stricter reading); the simulator takes up to 1 MiB. The
//     example's "facdid", getFaceIDList, start_date and gropu_name are
//     typos: faceid, getFaceList, start_time and group_name are sent
//     (NOTES 54-56).
//   - TLS: the camera's self-signed certificate is pinned by the SHA-256 of
//     its DER (NOTES 50). A client without a pin accepts the first
//     certificate and reports it (OnFirstUse); with a pin, any other
//     certificate stops the call with KindCertChanged before a byte of the
//     request is sent. An optional client certificate comes from the
//     account's PKCS#12 file.
//   - Video (003 Video Streaming, NOTES 11, 58): live (hd_live_url,
//     fhd_live_url) and playback (playback_url) are RTSP URLs whose path
//     holds the camera's token; 003 gives no expiry and no stop call, so
//     a stream ends with its RTSP session (TEARDOWN) and a new URL is asked
//     for every session. 超清 is fhd, 高清 hd. Only the port of a returned
//     URL is kept: the host is the camera's own (554 when absent), as for
//     Fetch. Codes 230-237 have no meanings in 003; decided with the
//     simulator: 230 no recording in the playback range (KindNoData), 231
//     SD card unreadable, 232 live streaming unavailable, 234 page out of
//     range, 235 range not forwards or over a day, 236 clip seconds not
//     0/4/8, 237 clip cannot be cut. A record list or playback spans at
//     most a day (003's example spans 86376 s); Records pages by 500.
//     getCurVideos is sent as a form (its example's JSON Content-Type is
//     taken as damage, NOTES 58) and never retried (each call cuts a
//     clip). 003 has no motion list and no snapshot of a past time.
//   - Discovery (NOTES "UDP discovery", 62): FF FF 33 FF | 01 | type |
//     length (2 bytes, big-endian, of the base64 text) | base64(JSON) |
//     CRC32/IEEE big-endian over header and payload. Three requests 1 s
//     apart, answers collected for 5 s. A reply may carry "port" (the
//     simulator's extension, since simulated cameras share 127.0.0.1); a
//     real camera does not and is reached on 443.
package sunmilan
