// Package senselink is the adapter for the SenseTime SenseLink Enterprise
// OpenAPI (vendor document 004): company (§6.1), devices (§6.2),
// departments (§6.7), and the group list the device form needs (§6.4.2).
//
// # The core, and how to add an endpoint group
//
// Every endpoint goes through Client.call with a request value:
//
//	var d department
//	err := c.call(ctx, request{Method: http.MethodGet, Path: "/api/v2/department/12"}, &d)
//
// call signs (app_key, 13-digit timestamp, sign = md5(timestamp#secret),
// sign.go), sends the parameters as the query of a GET or as the
// multipart/form-data body of a POST ("POST: form-data"), decodes
// {code, message, data} into out and maps the code with errors.go (one
// table from 004 §5, plus per-path meanings). Reads are retried on
// transport failures; writes never are. Lists use the paging of page.go
// (listAll walks every page). A new group (people, groups, records) is a
// new file with typed functions that call c.call; client.go does not change.
//
// # Decisions where 004 is silent or contradicts itself (NOTES 72-92)
//
//   - The parameter is sent as sign, never Sign (72); POST carries app_key,
//     timestamp and sign as form fields with the business parameters, GET
//     as query parameters (74).
//   - Departments are called at /api/v2/department... as the section
//     titles say; the examples' /api/v1 is served by the simulator too (75).
//   - Success is code 200. Codes of §5 are mapped to Kinds; 620 is "no
//     such record", 610 "same name or code at this level", 650 "still has
//     sub-departments or people" (the refusal the UI explains).
//   - Paging: size is the items on this page, pageSize the size asked for
//     (89). listAll stops at totalPage, or at an empty page.
//   - Times: "2018-06-22 12:45:51.0", "2019-04-23 10:30:08", 10 or 13 digit
//     numbers, in the server's zone, Asia/Shanghai unless told (90, NOTES 4).
//   - Device direction: an int on update, a string in the list (82): read
//     either. Device status has no table (82): 1 is online, as the update
//     reply's state says (0 offline, 1 online); the list example's 2 reads as
//     offline.
//   - Device groups on update: groupStaff and groupVisitor as comma-joined
//     ids (83's reading of "list" in form-data); leaving one out clears it,
//     as 004 says, so the form always sends both.
//   - Deletes are GETs (§6.2.3, §6.7.6): Go's transport may replay a GET
//     once on a stale keep-alive connection, so a delete can arrive twice;
//     the second answers 620, which callers take as "already gone".
package senselink
