// Package push receives SenseLink recognition records as they happen (004
// §6.5.2, the record push over a websocket) and fills in what was missed
// while disconnected with the record query (004 §6.5.1).
//
// Decisions where 004 is silent or contradicts itself (NOTES.md):
//   - The push URL is ws(s)://HOST:PORT/websocket/record/<app_key>/<timestamp>/<sign>
//     (item 76: the braces are placeholders); the timestamp and sign are
//     made fresh for every connection, as a request older than 30 minutes
//     is refused (item 77). After connecting, the client also sends
//     {"app_key","timestamp","sign"} as public clients do.
//   - Messages: 20000 connected, 20002 permission denied, 10000 heartbeat,
//     30000 a record (item 77). The heartbeat's direction and period are
//     not given: the client sends websocket pings every period and takes
//     three periods without any message or pong as a dead connection.
//   - A record is decoded from either spelling (item 78): deviceSN | sn,
//     userName | name, userType | type; groups[0].name, else groupName.
//   - type 1 staff, 2 guest (visitor), 3 stranger (item 79).
//   - Images are ids (item 80): the picture URL is a configured image base
//     plus "/" and the id (the simulator serves /image/{id}).
//   - The record query takes startTime/endTime in seconds and defaults to
//     today (004 §6.5.1): a gap fill always sends both, from the last stored
//     record's time (less a minute) to now, with startRecordId after its id,
//     and reads every page (item 89: size = items on the page).
package push

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"storelens/internal/vendors"
)

// Vendor is the vendor name of SenseLink events.
const Vendor = "senselink"

// record is a recognition record in both of 004's spellings.
type record map[string]json.RawMessage

func (r record) str(keys ...string) string {
	for _, k := range keys {
		if v := flexString(r[k]); v != "" {
			return v
		}
	}
	return ""
}

func (r record) num(keys ...string) (int64, bool) {
	for _, k := range keys {
		if n, ok := flexInt(r[k]); ok {
			return n, true
		}
	}
	return 0, false
}

// DecodeRecord reads one record (the "data" of a 30000 push, or an item of
// the query's list) into an event. appKey scopes its id; imageBase turns
// image ids into URLs.
func DecodeRecord(b []byte, appKey, imageBase string, now time.Time) (vendors.Event, error) {
	var r record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil || r == nil {
		return vendors.Event{}, fmt.Errorf("push: unreadable record: %v", err)
	}
	id, ok := r.num("id")
	if !ok || id <= 0 {
		return vendors.Event{}, fmt.Errorf("push: record without an id")
	}
	ev := vendors.Event{
		Vendor:     Vendor,
		DeviceSN:   r.str("deviceSN", "sn"),
		DeviceName: r.str("deviceName"),
		ID:         strconv.FormatInt(id, 10),
		Key:        Vendor + "/" + appKey + "/" + strconv.FormatInt(id, 10),
		Kind:       vendors.EventFace,
		At:         now.UTC(),
		PersonName: r.str("userName", "name"),
	}
	if t, ok := r.num("signTime"); ok && t > 0 {
		if t >= 1e12 {
			ev.At = time.UnixMilli(t).UTC()
		} else {
			ev.At = time.Unix(t, 0).UTC()
		}
	}
	if uid, ok := r.num("userId"); ok && uid > 0 {
		ev.PersonID = strconv.FormatInt(uid, 10)
	}
	typ, _ := r.num("userType", "type")
	switch typ {
	case 1:
		ev.GroupKind = vendors.GroupStaff
	case 2:
		ev.GroupKind = vendors.GroupVisitor
	case 3:
		ev.GroupKind = vendors.GroupStranger
	}
	var groups []struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(r["groups"], &groups) == nil && len(groups) > 0 {
		ev.Group = groups[0].Name
	}
	if ev.Group == "" {
		ev.Group = r.str("groupName")
	}
	if ev.Group == "" && ev.GroupKind == vendors.GroupStranger {
		ev.Group = "stranger"
	}
	if img := r.str("signAvatar", "signBgAvatar", "avatar"); img != "" && imageBase != "" {
		ev.PictureURL = strings.TrimRight(imageBase, "/") + "/" + img
	}
	attrs := map[string]string{}
	for _, k := range []string{"direction", "entryMode", "verifyScore", "jobNumber", "receptionUserName"} {
		if v := r.str(k); v != "" && v != "0" {
			attrs[k] = v
		}
	}
	if len(attrs) > 0 {
		ev.Attrs = attrs
	}
	return ev, nil
}

func flexInt(m json.RawMessage) (int64, bool) {
	if len(m) == 0 || string(m) == "null" {
		return 0, false
	}
	s := string(m)
	if s[0] == '"' {
		if json.Unmarshal(m, &s) != nil {
			return 0, false
		}
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && f > -9e18 && f < 9e18 {
		return int64(f), true
	}
	return 0, false
}

func flexString(m json.RawMessage) string {
	if len(m) == 0 {
		return ""
	}
	switch m[0] {
	case '"':
		var s string
		if json.Unmarshal(m, &s) == nil {
			return strings.TrimSpace(s)
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(m)
	}
	return ""
}
