// Package sim simulates Sunmi IPC cameras on a LAN, written from vendor
// document 003 ("IPC OpenAPI") and NOTES.md, never from the adapter (it
// does not import internal/vendors/sunmilan).
//
// A Camera is one simulated camera: an HTTPS server on a loopback address
// with its own self-signed certificate (RotateCertificate replaces it, as a
// swapped or reset camera would), optionally requiring a client
// certificate. A Responder answers UDP discovery for one or more cameras on
// a loopback address.
//
// # Adding an endpoint group
//
// Endpoints live in a registry keyed by path (registry.go). A new group is
// a new file whose init() calls register for each path with its auth mode
// and a handler. A handler runs with the camera's mutex held, reads q.Params
// (and q.Files for multipart uploads), changes c.st (the shared State) and
// returns the result code and the data to send:
//
//	func init() { register("/config/getIrMode", authSigned, getIrMode) }
//	func getIrMode(c *Camera, q *Request) (int, any) { return codeOK, map[string]any{"irmode": c.st.IRMode} }
//
// # Decisions (003 is silent; NOTES 37-62)
//
//   - Codes (NOTES 37, decided here and in the adapter): 0 ok, 1 sign
//     refused (also an unknown app_id), 2 invalid parameter (also a bad
//     random or a parameter sent twice), 3 timestamp not 10 digits or more
//     than MaxSkew (default 300 s) away, 4 already activated, 5 not
//     activated, 7 internal error / not supported by this model, 8 the sn
//     sent to activate is not this camera's, 9 no Internet connection
//     (activation needs it), 12 a *WithoutAuth call after activation.
//     280: a statistics range without any record (003 "Error will be
//     returned if no record is found" names no code).
//     Per-setting refusals use the codes 003 lists for each call: 100 ssid,
//     101 password, 110 zoom, 111 focus, 112 auto-focus point, 113 IR mode,
//     114 motion level, 115 audio level, 116 weekday, 117 start/stop time,
//     118 name, 119 LED, 120 rotation, 220 no SD card, 221 SD card busy,
//     233 snapshot failed, 277 people flow not ready, 278 door line out of
//     range, 310 unknown hook topic, 311 a topic this model does not
//     publish (face on an FM010, NOTES 45: hook/add and the channel's
//     SUBSCRIBE list 311, hook/delete does not); a callback that is not an
//     http(s) URL on loopback is 2 (the network rule).
//   - Replies are {"code":N} or {"code":N,"data":{...}}, HTTP 200. A method
//     other than POST is HTTP 405, an unknown path HTTP 404, a body over
//     2 MiB HTTP 413.
//   - Before activation every signed call answers 5 without looking at the
//     sign (the camera has no secret yet). Activation is signed with the
//     activation code and its app_id must be the provisioned one; it wipes
//     the face groups and records and recreates "stranger" and "regular"
//     (NOTES 49). Factory reset (/device/reset) restores every setting and
//     deactivates the camera. /device/reboot counts a reboot and changes
//     nothing.
//   - setWifiConfWithoutAuth and getApListWithoutAuth need no public
//     parameters (any sent are ignored) and answer 12 after activation.
//   - Ranges are 003's; a refused value changes nothing. Rotation must be
//     one of the camera's angles ("0","90","180","270"). The face setting
//     (optimize_seconds 1-6) exists on FM020 only; FM010 answers 7. Both
//     door-line resolutions are accepted (the ZH doc's "1080p only" is not
//     followed, NOTES 57). getZoomFocusConf names the point
//     focused_x/focused_y as 003's example does (NOTES 59).
//   - getInfo's mac has colons and a trailing space, model_name is "FS" for
//     FM020 (NOTES 61).
//   - Snapshots: getSnapshot answers an https URL on the host the request
//     used, /tmp/snapshot/<SN>_<time>.jpg?auth_key=<expiry>-<hex>, valid
//     5 minutes, serving a 1920x1080 JPEG.
//   - Discovery: requests with an empty payload or any base64 JSON payload
//     are answered; bad flag, version, length or CRC are dropped silently.
//     The response carries "port" when the camera's HTTPS port is not 443:
//     an extension of the simulator, since simulated cameras share
//     127.0.0.1.
//   - Video: StartRTSP serves RTSP (gortsplib, TCP only, loopback) on a
//     port of its own. getLiveStream and getPlaybackStream answer
//     rtsp://<host the client used>:<RTSP port>/<token>/live_hd.sdp,
//     live_fhd.sdp or pb.sdp; a token is a fresh random one per URL, must
//     be started within 5 minutes, and is the only RTSP auth (003 names no
//     other): any other path is 401. Each token's stream loops the test
//     clip (testdata) at 25 fps from its DESCRIBE until its last session
//     ends. RTSPLog records every PLAY and every stop (TEARDOWN, or
//     "disconnect" when the connection went without one). Codes: 230 no
//     recording in the playback range, 231 SD card not working (record
//     list), 232 RTSP not running, 234 page_num < 1 or page_size outside
//     [0, 500], 235 start >= end or over 86400 s, 236 clip seconds not
//     0/4/8, 237 no working SD card for a clip. State.Recorded holds spans
//     of continuous recording, listed as files cut at whole minutes; record
//     and clip URLs are https on the host the client used with
//     auth_key=<expiry>-<md5(path-expiry-secret)>, valid an hour, serving
//     the clip as FLV. A clip is served from 4 s + following after the
//     call (003: "take effect in 4 to 12 seconds"), 404 before. A factory
//     reset keeps the SD card's recordings; formatting the card erases
//     them (recording, if on, goes on from then).
//   - Face library (003 Face Recognition 1-15, Customer Flow Statistics
//     8-9; faces.go, visits.go, photo.go). 10 groups with stranger and
//     regular (each capacity 5000, stranger's rule 5 times in 7 days),
//     capacities summing to at most 30,000, 5 attributes a user group.
//     Codes, decided from which calls 003 lists them for: 200 group name
//     empty, starting with a space or over 96 characters; 201 a default
//     group created, renamed or deleted; 202 an 11th group, capacities over
//     30,000, or a capacity under the group's count; 204 no such group;
//     205 deleting a group with faces; 206 the group (or the camera's
//     30,000) full, also for updateFace's move; 207 no such face in the
//     group (updateFace) or an empty group (getFaceByArrival); 208 a photo
//     missing, over 1 MiB (1,048,576 bytes: "1M"), not jpg/png or over
//     1920x1080; 210 face detection refused; 211 any face call on an FM010
//     (face recognition is FM020's, NOTES 45); 212 a group name taken;
//     240 an attribute name empty, over 50, reserved, present or repeated;
//     241 over 5 attributes; 242 attributes on a default group; 243
//     removing an attribute the group lacks; 283 no face matches a
//     picture. getFace's unknown faceid is 2 (it lists no other code).
//     Visitors: 266 start_time, 267 end_time (missing or not after start),
//     268 order, 269 group_name unknown, 270 gender, 271 age_range, 272
//     age, 273 an attribute filter the group lacks, 274 page_num, 275
//     getFaceVisitDetail's unknown faceid, 281 page_size, 282 an attribute
//     filter without group_name, 280 nobody (or the face not) seen in the
//     range.
//   - Face detection (the simulator has no detector): a photo under 80 px
//     on a side, or whose luminance barely varies (standard deviation
//     under 12 of 255: a blank or flat picture) has no face: 210.
//     Anything else is one face. Its 8x8 average hash identifies the
//     person: getFaceByPicture answers the enrolled face whose hash is
//     nearest, within 6 bits (a re-encoded or rescaled copy stays within
//     that), else 283. Age range and gender not given are "inferred" from
//     the hash.
//   - Attributes are sent and answered under their registered names, as
//     003's addFace and getFace examples do (NOTES 35); parameters naming
//     no attribute of the group are ignored (Face Recognition 9 note 1).
//     name_list and faceid_list are JSON arrays (smart quotes accepted);
//     num must equal their length (2). Default groups list no attributes.
//   - faceids are the camera's counter (1, 2, ...); a supplied faceid must
//     be a positive 64-bit number not in use (2). getFaceList answers
//     total_num, return_num and faceid_list in enrolment order, page_size
//     10 by default, 1-100. getFaceByArrival: oldest last arrival first,
//     never-seen faces before all.
//   - Arrivals: Arrive records one (and moves a stranger seen Times times
//     within Period days to regular); SeedVisits gives every face 0-3
//     visits a week over past days. getVisitorList counts arrivals in
//     [start_time, end_time), most first then by faceid, keeps the first
//     order, then pages; age (as text, "" when unset) and arrive_times as
//     003's example. The example's start_date and gropu_name are not read.
//   - Faults (SetFault) apply after the method and path checks, before
//     authentication: Latency, Code, Malformed, Drop, Times.
package sim
