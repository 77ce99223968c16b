// Package sim is an in-memory simulator of the SenseLink Enterprise
// OpenAPI, written from vendor document 004 and NOTES.md (72-92), never
// from the adapter (it does not import internal/vendors/senselink). It
// covers the company (§6.1), devices (§6.2), staff and visitors (§6.3),
// groups and batch membership (§6.4), the face photo checks (§6.6) and
// departments (§6.7).
//
// # Adding an endpoint group
//
// Routes live in a registry of Go 1.22 ServeMux patterns (server.go). A new
// group (people, groups, records) is a new file whose init() calls
// register("GET /api/v1/...", handler) for each route; the handler runs
// with the server's mutex held after the request was authenticated, reads
// q.Params (query and form merged) and q.Path (path values), changes s.st
// and returns the code and data to answer.
//
// # Decisions
//
//   - Authentication (§4): app_key, timestamp and sign from the query or the
//     form, either way for either method (NOTES 74); sign or Sign (72),
//     compared case-insensitively. Unknown app_key 10001, timestamp not 13
//     digits or more than 30 minutes away 10003, bad sign 10005. Optional
//     IP whitelist (Options.AllowIPs): 10004 (NOTES 92).
//   - Replies are HTTP 200 {"code":N,"message":"...","data":...}, the
//     messages of §5's table; success is 200 "OK".
//   - Missing required parameter 30004, malformed or too long 30001,
//     unknown record 620, same name at the same level or same code 610,
//     deleting a department with sub-departments or people 650.
//   - Departments answer at /api/v1/department... and /api/v2/department...
//     alike (NOTES 75). The tree's root is the company (id 0).
//   - Devices list newest id first, paged (page from 1, size default 20;
//     NOTES 89 for size/pageSize). Deleting a device clears its active flag
//     (NOTES 82: "fake delete"); the list shows active devices only.
//     status is 1 online and 2 offline in the list; the update reply's state
//     is 0 offline, 1 online.
//   - Device update: groupStaff/groupVisitor as comma-joined ids, a JSON
//     array, or repeated fields; absent clears that type's groups (§6.2.2);
//     an id that is not a group of that type is 30001.
//   - Dates are written "2006-01-02 15:04:05.0" in Asia/Shanghai, as 004's
//     examples (NOTES 90).
//   - People (§6.3): staff and visitors share one id space; list parameters
//     (groups, userIds) are comma-joined, a JSON array or repeated fields.
//     A person's groups must be of the person's type (30001). groupList is
//     listed only when /api/v1/user/list matches one person (NOTES 85).
//     The visitor's receptionUserId must be a staff member (30001).
//   - Photos: the face rule is in photo.go (30005 not a JPEG, 30003 a
//     uniform image, 10201 a side under 100 px, 30002 an average hash
//     within SimilarBits of an enrolled photo unless force=1, can_force 1).
//   - Batch membership: at most MaxBatch ids per call (30001), unknown
//     group or person 620. There is no group delete in 004, so none here.
//   - Faults (SetFault, by route pattern or "*"): Latency, Code, Malformed,
//     Drop, Times.
package sim
