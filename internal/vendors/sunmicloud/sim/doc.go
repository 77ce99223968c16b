// Package sim is an in-memory simulator of the Sunmi Store (商米数字店铺)
// cloud OpenAPI, device-management and face parts, written from the vendor document
// 000_fdd86ac200cc4bf8.txt ("000" below): "2 接口规范" and "设备管理接口"
// §2.3.1-2.3.6, and of its face-group API from 001_90b62dca5783954e.txt
// ("001"): §3.3.1-3.3.12. It serves the adapter's conformance tests over real HTTP,
// the in-process demo and cmd/vendorsim. It imports nothing from the
// adapter: both sides are checked against test vectors worked out by hand.
//
// # Protocol
//
// Everything is under /openapi/ (the base URL is http(s)://host:port/openapi)
// and is a POST with a form body, application/x-www-form-urlencoded (000
// §2.1) or multipart/form-data (used by the face APIs of 001; file parts are
// never signed). Public parameters app_id, random, timestamp and sign (000
// §2.3); the sign is the rule in NOTES.md "Signing / Sunmi cloud". Replies
// are {"code":N,"msg":"...","data":...}; success is code 0, msg "succeed".
//
// # Decisions where the document is silent or contradicts itself
//
// Transport:
//   - "1M" (000 §2.1) is 1 MiB (1<<20 bytes) of body. A larger body is
//     refused with HTTP 413 and a plain-text body, no JSON, before anything
//     else is looked at (a Content-Length above the limit is refused without
//     reading the body).
//   - A method other than POST under /openapi/ is HTTP 405 (Allow: POST); an
//     unknown path under /openapi/ is HTTP 404; a body that is neither form
//     encoding is HTTP 415. All three carry the envelope
//     {"code":5020,"msg":"无效参数","data":{}} so a client that always
//     decodes JSON gets something, while the status tells the truth.
//     Anything outside /openapi/ and /IMG/IPC/ is a plain 404.
//   - Only the body is read; query-string parameters are ignored (every
//     example in 000 sends formData).
//   - A parameter sent twice, or a body that does not parse, is HTTP 200
//     with 5020: the sign rule has no order for repeated keys.
//   - Empty values are signed like any other (NOTES 15: sign what is sent),
//     but count as absent for the business rules below.
//
// Authentication, checked in this order, after faults (see below):
//   - Unknown or missing app_id, missing or wrong sign: HTTP 401 with
//     {"code":5090,"msg":"invalid sign","data":{}}. The sign is compared
//     case-insensitively (NOTES 5). The sign is checked before timestamp and
//     random, so a caller without the secret learns nothing more.
//   - timestamp not exactly 10 digits, or more than Options.MaxSkew (default
//     300 s; negative disables the window) away from the simulator's clock:
//     HTTP 200, 5091 "invalid timestamp".
//   - random not 6-10 ASCII digits and letters: HTTP 200, 5092 "invalid
//     random".
//
// Business rules, checked in this order: the request's own shape (required
// parameters present and well formed), then the shop, then the camera, then
// the action. So an empty ipc_name is 5020 even for an unknown camera.
//   - A missing required parameter is 5020 无效参数, including a request with
//     neither sunmi_shop_no nor shop_id (001's 5041 "shop_id missing" is a
//     face-API code; the device tables of 000 only offer 5020).
//   - sunmi_shop_no and shop_id are interchangeable (000 devices §2.3.1).
//     shop_id is the SaaS's own id, looked up among the calling app's shops
//     only. An unknown shop, or a shop of another app_id, is 5013 (未找到数据
//     / 未查询到数据, the endpoint's own wording, NOTES 22). Both given but
//     naming two different shops is 5020.
//   - ipc_id / ipc_sn: at least one (5020); if both, they must name the same
//     camera, else 5020 (NOTES 25); one naming a camera and the other naming
//     nothing also disagree (5020). A camera unknown, or bound to another
//     shop, is 5501 设备不存在; a camera in the factory pool (unbound) is 5510
//     设备未绑定. This one rule is used by getInfo, updateName and unbind,
//     although getInfo's table lists only 5501: the media endpoints, which
//     take the same pair, list 5510 too.
//   - getList of a shop without cameras is 5013 未查询到数据, the only
//     non-database code in its table; the same for getListByCompany
//     (its table lists only 5000 and 5041, and "no data" is what 5013 means
//     everywhere else).
//   - getListByCompany: sunmi_company_no is a company number, not a shop
//     number (NOTES 23: the example reuses a shop number); a company with no
//     shop for this app is 5041 绑定关系有问题. Items carry only ipc_id,
//     ipc_sn, ipc_name, model_name, software_version, active_status, as the
//     example does.
//   - Lists are ordered by ipc_id, then SN, and are not paged (000 has no
//     paging parameters for them).
//   - updateName: an offline camera is 5011 与设备通讯错误 and keeps its name
//     (the name is written to the camera). An empty name, or one longer than
//     36 characters (the camera's own limit, 003 setName, NOTES 59), is 5020.
//   - bind: ipc_sn and mac required (5020). mac must be exactly 12 hex
//     digits, either case, no separators (000 devices §2.3.4's example
//     0C25766F5705), else 5079 无效mac地址. An unknown SN is 5501. A MAC that
//     is not the camera's is 5079, checked before the binding so that
//     someone who does not hold the camera cannot learn whether it is bound.
//     A camera bound to any shop, this one included, is 5509 设备被绑定. On
//     success the camera joins the shop, comes on line (connect_time = now)
//     and gets an ipc_id if it never had one; data is {} as in the example.
//   - ipc_id is 12 digits from a counter starting at 549755805000 (next to
//     000's example ids), skipping ids in use. A camera keeps its ipc_id
//     through unbind and a later bind.
//   - unbind: the camera goes back to the factory pool, off line, keeping
//     its name and ipc_id; it can be bound again (to any shop).
//
// Screenshots: screenshot_url is <scheme>://<Host of the request>/IMG/IPC/
// <64 hex>, the hex being SHA-256 of the SN; the scheme is https when the
// request came over TLS. GET (or HEAD) of that path serves a generated
// 320x180 JPEG, without authentication, for any known camera; other keys are
// 404. The simulator must therefore be mounted at the root of its host.
//
// Faults (SetFault) apply to API requests that passed the method, path, size
// and form checks, before authentication, so they also hit unsigned calls. A
// fault that answers (Code, Malformed, Drop) replaces processing: no state
// changes. Code 5090 is sent with HTTP 401, as a real bad sign is; any other
// code with HTTP 200 and that endpoint's message for it. Latency waits first
// and gives up silently if the client goes away. Drop hijacks the HTTP/1
// connection and closes it; where hijacking is impossible it panics with
// http.ErrAbortHandler, which net/http servers recover (do not use Drop with
// an httptest.ResponseRecorder). Skip lets that many matching requests
// through untouched before the fault starts: an outage in the middle of a
// run (the 4th to 6th photo of a batch).
//
// # Faces (001, faces.go)
//
// The twelve endpoints of 001 §3.2 are served with the transport and
// authentication above; /face/add is multipart/form-data with the photo in
// the file part "pic" (never signed). Decisions where 001 is silent or
// contradicts itself:
//   - Shops: neither sunmi_shop_no nor shop_id is 5041 请求中未找到shop_id参数
//     (every face table lists it); an unknown shop, or another app's, is
//     5013. A shop's three default groups, stranger (type 1), regular (2)
//     and employee (3), capacity 1000 each, exist from its first face call:
//     §3.3.1's example lists them with consecutive ids. Group ids count from
//     578968814328 and face ids from 578968740430, as in the examples.
//   - Limits (5520 已经达到最大人脸分组数量或已经达到最大人脸容量; 001 gives no
//     numbers): 20 groups per shop, defaults included; a group's capacity
//     1..10000 (default 1000); the capacities of a shop's groups sum to at
//     most 50000; a group holds at most its capacity, photos still being
//     processed included. SetFaceOptions changes them.
//   - Group create (§3.3.3): name and type (1, 2, 3 or 5; "5-自定义,会员":
//     members are custom groups, NOTES 8) required; a name at most 64
//     characters not starting with a space, description at most 150,
//     customer_key1..5 at most 50, else 5020; a name the shop already has is
//     5523. The answer is data {} without the id (NOTES 19).
//   - Group update (§3.3.4): group_id required (NOTES 20: the example omits
//     it); type cannot change; only the fields sent change. Default groups
//     cannot be changed at all: 5525. Unknown group 5506; a name another
//     group has 5523 (the table lists only create's 5523; the same rule); a
//     capacity below the group's faces 5020, above the shop's total 5520.
//   - Group delete (§3.3.5): default 5524, unknown 5506, holding a face
//     (processing included) 5509 非空人脸库.
//   - getInfo of an unknown group is 5013 (its table has no 5506).
//   - getFaceList (§3.3.6): page_num >= 1 (default 1), page_size 1..100
//     (default 10; 001 gives no maximum, 100 is the camera's, 003), else
//     5020; unknown group 5506. Faces by create_time, then id. Items carry
//     the custom values as customer_key1..5, as the example does (add and
//     update send them as customer_value1..5: NOTES 35).
//   - /face/add (§3.3.8): group_id and pic required; pic must be a JPEG or
//     PNG (else 5020); "1M以下" is enforced by the 1 MiB body limit (HTTP
//     413). gender 0..2, age_range 0..8, name at most 64 characters,
//     customer_value1..5 at most 50, else 5020. Unknown group 5013 (the
//     table has no 5506); full group 5520.
//   - /face/add is asynchronous, as §3.3.8's note says (NOTES 18): the
//     answer is data {} and the face is processed ProcessDelay (500 ms)
//     later, lazily, at the next call that looks at faces (no goroutine; an
//     injected clock drives it). Until then it is in no list, getInfo is
//     5506 and it cannot be updated or moved, but it holds its place in the
//     group and can be deleted. With FaceOptions.ReturnFaceID the answer is
//     {"face_id": ...} at once, as the example shows (the "synchronous mode
//     under development"); processing is the same.
//   - Processing stands in for the cloud's face detection with a rule that
//     is simple and deterministic: the photo must decode, its shorter side
//     must be at least MinFaceSide (100) pixels, and it must not be one flat
//     colour (luma range at least 32 over a 32x32 grid). A refused photo is
//     dropped: it never appears in a list, which is all a client polling the
//     API can learn (the cloud reports the outcome to its notification
//     center, 《消息推送中心》, a document we do not have). Rejections lists
//     them for tests.
//   - /face/update (§3.3.9): group_id and face_id required; unknown group
//     5013; a face not in that group (or still processing) 5521; only the
//     fields sent change.
//   - /face/delete (§3.3.10): face_id_list is a JSON array of 1..100 ids
//     (NOTES 16; no limit in 001, 100 like the list page), else 5020;
//     unknown group 5013; ids the group does not hold are skipped, since
//     the table has no code for them.
//   - /face/group/move (§3.3.11): all or nothing. Either group unknown 5522
//     人脸库不存在; a source equal to the target 5020; any id not a processed
//     face of the source 5521; more faces than the target has room for 5520.
//   - updateMoveStrategy (§3.3.12): target_group_id, threshold >= 1, period
//     >= 1 (seconds, NOTES 34) required; unknown target 5506; the stranger
//     group itself as target 5525 默认人脸分组的信息无法修改. RecordArrival
//     (the cameras seeing someone) counts a visit and moves a stranger seen
//     threshold times within the period, if the target has room.
//   - 5518 人脸库创建失败 never happens by itself: inject it with SetFault.
//
// State: AddShop and AddDevice replace by ShopNo and SN; a shop belongs to
// exactly one app_id. Snapshot/Restore carry apps (with secrets), shops,
// devices, the ipc_id counter and the face library (a face still processing
// is saved as processed, without its photo), not faults or the call log. The call log
// keeps the last 1000 API calls, without the sign. Logf, if set, gets one
// line per API call with the path, app_id, HTTP status and code, never a
// sign or a secret.
//
// # Passenger flow (人流统计接口 §4.3, §6.6; traffic.go, traffic_model.go)
//
// Every number is a pure function of the shop's TrafficProfile (seed, size,
// zone, opening hours; derived from the shop number when none was set) and
// the hour, so every endpoint and granularity agrees, on every run: an
// hour's entries with and without a face and its passers-by; faces split
// into strangers, regulars and members, and by age range and gender (the
// cloud's ranges 1..8), all summing to the faces. Lunch and evening peaks,
// weekends a third busier, nobody inside outside opening hours.
//   - Dates are the shop's (TrafficProfile.Location, Asia/Shanghai by
//     default; NOTES 4). Today (T+0) runs to the current hour, which is
//     scaled by the minutes gone; its labels are "2020-02-11 00:00".
//   - History (T+1) covers days before the shop's today: a range reaching
//     today or later is 5025 时间参数错误 (the frequency list's documented
//     error, used for every history call). start_time and end_time are
//     required "YYYY-MM-DD" (5020), start not after end (5020), at most 30
//     days counted inclusively (5021 非法参数(时间区间超限)); the history hour
//     trend takes one day only (start = end, else 5021, NOTES 31). Its hour
//     labels are unpadded ("2019-12-01 0:00") as in §4.3.7's example.
//   - Unique people: an hour's are slightly fewer than its visits; a day's
//     fewer than its hours' summed; a period's fewer than its days' summed
//     (regulars and members most). groupByGender shares a period's unique
//     people out over age and gender in proportion to visits, so they add up
//     to groupByTag's.
//   - The frequency list (§4.3.11) has 50 rows; its people are the period's
//     unique people and their visits the period's visits. Success is code 0
//     (the example's "code": 1 is not copied, NOTES 32).
//
// # Media (000 直播回放接口 §5.3.1-5.3.9, media.go, stream.go)
//
//   - live/start: resolution 0 超清 or 1 高清, absent = 0 (NOTES 26), other
//     values 5020. The camera must be bound to the shop (5501/5510 as for
//     getInfo) and on line (5011). A stream is per camera and resolution:
//     starting a running one hands out fresh URLs to the same stream.
//     live/stop ends it for every viewer (open FLV responses close); stopping
//     a stream that is not running succeeds. Every start and stop is kept in
//     MediaLog for tests and the demo's status page.
//   - URLs carry auth_key=<expiry>-<rand>-0-<md5>, Alibaba CDN type A
//     (NOTES 11): md5 of "<path>-<expiry>-<rand>-0-<private key>". The
//     timestamp is read as the expiry (000 §5.3.8's example has it exactly
//     3600 s after the recording start in the path); the default lifetime is
//     an hour (SetURLTTL). A missing, forged or expired key is HTTP 403. An
//     FLV response ends when its key expires: the CDN session lasts as long
//     as its URL, so clients must start the stream again for a fresh one.
//   - The video is a real H.264 clip (testdata/, made once with ffmpeg),
//     looped: FLV paced in real time after a GOP burst, timestamps rising
//     across loops; HLS a sliding window of the last six 1 s MPEG-TS
//     segments (PTS/DTS/PCR moved on each loop), each segment URI relative
//     and signed on its own, segments kept 30 s.
//   - Recordings: 5-minute files back to back (one in about twelve missing,
//     from a hash of SN and time) from SetRecordingSince (default: always)
//     up to now. video/getList: range at most 3600 s (5021), files
//     overlapping the range, 5013 when none, URLs printed "http: //" as in
//     the document (NOTES 29). motionDetection/getList: a detection in about
//     a third of the files, source "1"/"2"/"3" as strings (NOTES 30),
//     page_num from 1, page_size 1-100 (else 5020), 5013 when none.
//   - playback/start: range at most 3600 s (5021; the document names the
//     code but not the limit, NOTES 28), no recording in it is 5087
//     无匹配数据; client_id is "SAAS-OpenAPI_<19 digits>". playback/stop
//     takes only client_id; an unknown one is 5020. Playback FLV ends at the
//     range's end; its HLS is a VOD playlist.
//   - live/getSnapshot needs the camera on line (5011 与设备端通讯错误);
//     playback/getSnapshot needs a recording at the time (else 5013). The
//     picture URL is signed for a day (§5.3.7) and serves a JPEG.
package sim
