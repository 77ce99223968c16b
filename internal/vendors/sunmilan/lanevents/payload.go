package lanevents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
)

// Vendor is the vendor name events from Sunmi cameras on the LAN carry.
const Vendor = "sunmi_ipc"

// The event types a camera publishes (003 §1.2.1, §2.4): the hook topics,
// named once in the camera's adapter.
const (
	EventFaceRecog     = sunmilan.EventFaceRecog
	EventDynamicDetect = sunmilan.EventDynamicDetect
)

// Transport says how an event arrived: the webhook and the message channel
// number detect_type differently (NOTES.md item 38).
type Transport int

// The two transports.
const (
	Webhook Transport = iota
	Channel
)

// ErrPayload is a payload that is not an event we can read.
var ErrPayload = errors.New("lanevents: unreadable event payload")

// reserved are the payload keys that are not custom attributes (003 §1.3,
// §2.5, and NOTES.md item 52's reserved names).
var reserved = map[string]bool{
	"event_id": true, "event_type": true, "sn": true, "report_time": true, "detect_type": true, "video_url": true,
	"faceid": true, "cloud_faceid": true, "group_name": true, "age": true, "age_range": true, "gender": true,
	"arrive_times": true, "pic_url": true, "total_num": true, "return_num": true, "pic": true,
}

// ParsePayload reads one event payload (the JSON of a webhook's "payload"
// part, or of a PUBLISH frame) into a vendor-neutral event. now is used when
// the camera's report_time is not a plausible time.
func ParsePayload(b []byte, via Transport, now time.Time) (vendors.Event, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return vendors.Event{}, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	str := func(k string) string { return flexString(raw[k]) }
	num := func(k string) (int64, bool) { return flexInt(raw[k]) }

	id, ok := num("event_id")
	if !ok || id < 0 {
		return vendors.Event{}, fmt.Errorf("%w: no event_id", ErrPayload)
	}
	sn := strings.TrimSpace(str("sn"))
	if sn == "" {
		return vendors.Event{}, fmt.Errorf("%w: no sn", ErrPayload)
	}
	rt, _ := num("report_time")
	ev := vendors.Event{
		Vendor:   Vendor,
		DeviceSN: sn,
		ID:       strconv.FormatInt(id, 10),
		Key:      captureKey(sn, str("event_type"), id, str("faceid"), str("pic_url"), str("video_url"), rt),
		At:       eventTime(rt, now),
	}
	switch t := str("event_type"); t {
	case EventFaceRecog:
		ev.Kind = vendors.EventFace
		ev.PersonID = str("faceid")
		ev.CloudPersonID = str("cloud_faceid")
		ev.Group = str("group_name")
		ev.GroupKind = GroupKind(ev.Group)
		if age, ok := num("age"); ok && age > 0 && age < 150 {
			ev.Age = int(age)
		}
		if r, ok := num("age_range"); ok && vendors.AgeRange(r).Valid() {
			ev.AgeRange = vendors.AgeRange(r)
		} else if ev.Age > 0 {
			ev.AgeRange = AgeToRange(ev.Age)
		}
		g, _ := num("gender")
		ev.Gender = Gender(int(g))
		if v, ok := num("arrive_times"); ok && v > 0 {
			ev.Visits = int(v)
		}
		ev.PictureURL = str("pic_url")
		for k, v := range raw {
			if reserved[k] {
				continue
			}
			if s := flexString(v); s != "" {
				if ev.Attrs == nil {
					ev.Attrs = map[string]string{}
				}
				ev.Attrs[k] = s
			}
		}
		ev.PersonName = personName(ev.Attrs)
	case EventDynamicDetect:
		ev.Kind = vendors.EventMotion
		d, _ := num("detect_type")
		ev.MotionRaw = int(d)
		ev.Motion = DetectKind(int(d), via)
		ev.ClipURL = str("video_url")
	default:
		return vendors.Event{}, fmt.Errorf("%w: event_type %q", ErrPayload, t)
	}
	return ev, nil
}

// captureKey is an event's identity: the capture's own, never the time it
// was reported (doc.go, "An event's identity"). It is the camera, the event
// type, the event id, for a face event the face id, and the capture: the
// file name of the capture's picture (face) or clip (motion), which the
// camera names by the capture time (003 §1.3: snap/1597894624456_7.jpg,
// video_detect/1579158761.flv). The URL's host and auth_key query are left
// out: both may change when the same capture is sent again. Only an event
// with no picture or clip falls back on report_time.
func captureKey(sn, eventType string, id int64, faceID, picURL, videoURL string, reportTime int64) string {
	media := picURL
	kind := "face"
	if eventType == EventDynamicDetect {
		media, kind = videoURL, "motion"
	}
	capture := "r" + strconv.FormatInt(reportTime, 10)
	if name := mediaName(media); name != "" {
		capture = "c" + name
	}
	key := Vendor + "/" + sn + "/" + kind + "/" + strconv.FormatInt(id, 10)
	if kind == "face" {
		key += "/" + faceID
	}
	return key + "/" + capture
}

// mediaName is the file name of a camera media URL, without host, path or
// query; "" when there is none.
func mediaName(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	if u, err := url.Parse(raw); err == nil {
		raw = u.Path
	} else if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	name := path.Base(raw)
	if name == "." || name == "/" {
		return ""
	}
	return name
}

// DetectKind maps detect_type by the table of the section the event came
// through (NOTES.md item 38): the message channel's 1 picture, 2 voice,
// 3 both (003 §2.5); the webhook's 0 motion, 1 audio, 2 both, 3 human
// (003 §1.3). An unknown code is a picture change, the raw code kept.
func DetectKind(code int, via Transport) vendors.MotionKind {
	if via == Webhook {
		switch code {
		case 1:
			return vendors.MotionKindSound
		case 2:
			return vendors.MotionKindBoth
		case 3:
			return vendors.MotionKindPerson
		}
		return vendors.MotionKindPicture
	}
	switch code {
	case 2:
		return vendors.MotionKindSound
	case 3:
		return vendors.MotionKindBoth
	}
	return vendors.MotionKindPicture
}

// Gender maps 003's gender code: 0 undefined, 1 male, 2 female.
func Gender(code int) vendors.Gender {
	switch code {
	case 1:
		return vendors.GenderMale
	case 2:
		return vendors.GenderFemale
	}
	return vendors.GenderUnknown
}

// AgeToRange puts an age into the canonical buckets (NOTES.md item 2: the
// LAN table's overlapping edges 45/55 are read as the cloud's 46-55, 56+).
func AgeToRange(age int) vendors.AgeRange {
	for i, top := range []int{6, 12, 18, 28, 35, 45, 55} {
		if age <= top {
			return vendors.AgeRange(i + 1)
		}
	}
	return 8
}

// GroupKind maps a camera's group name to the internal kind (NOTES.md item
// 8): the cameras' default groups are "stranger" and "regular"; the names an
// installation gives its own groups are read by common words.
func GroupKind(name string) vendors.GroupKind {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "":
		return vendors.GroupUnknown
	case "stranger", "陌生人":
		return vendors.GroupStranger
	case "regular", "regulart", "熟客":
		return vendors.GroupRegular
	case "employee", "staff", "员工", "店员":
		return vendors.GroupStaff
	case "vip", "member", "会员":
		return vendors.GroupMember
	}
	return vendors.GroupCustom
}

// personName finds a person's name among the custom attributes: the camera
// events carry no name (003 §1.3), but an installation may register one
// with addFaceInfoItem.
func personName(attrs map[string]string) string {
	for _, k := range []string{"name", "姓名", "Name"} {
		if v := strings.TrimSpace(attrs[k]); v != "" {
			return v
		}
	}
	return ""
}

// eventTime reads report_time: 10-digit seconds (003), 13-digit
// milliseconds tolerated (NOTES.md item 3). The documents' 11-digit example
// (15930292837, the year 2474) is not a time: such an event is dated when it
// arrived.
func eventTime(v int64, now time.Time) time.Time {
	switch {
	case v >= 1e9 && v < 1e10:
		return time.Unix(v, 0).UTC()
	case v >= 1e12 && v < 1e13:
		return time.UnixMilli(v).UTC()
	}
	return now.UTC()
}

// flexInt reads a JSON number, or a string holding one (003's examples and
// getVisitorList disagree on age's type, NOTES.md item 46); blank is absent.
func flexInt(m json.RawMessage) (int64, bool) {
	if len(m) == 0 {
		return 0, false
	}
	s := string(m)
	if s[0] == '"' {
		if err := json.Unmarshal(m, &s); err != nil {
			return 0, false
		}
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -9e18 && f <= 9e18 {
		return int64(f), true
	}
	return 0, false
}

// flexString reads a JSON string, or the text of a number; other types are "".
func flexString(m json.RawMessage) string {
	if len(m) == 0 {
		return ""
	}
	switch m[0] {
	case '"':
		var s string
		if json.Unmarshal(m, &s) == nil {
			return s
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(m)
	}
	return ""
}
