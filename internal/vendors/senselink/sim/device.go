package sim

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

func init() {
	register("GET /api/v1/device", listDevices)
	register("POST /api/v2/device/update", updateDevice)
	register("GET /api/v1/device/delete/{id}", deleteDevice)
}

func (s *Server) groupRefs(ids []int64) []map[string]any {
	out := []map[string]any{}
	for _, id := range ids {
		if g, ok := s.st.Groups[id]; ok {
			out = append(out, map[string]any{"id": g.ID, "name": g.Name, "type": g.Type})
		}
	}
	return out
}

// listDevices: §6.2.1, active devices, id descending, paged.
func listDevices(s *Server, q *Request) (int, any) {
	page, size, ok := paging(q, 20)
	if !ok {
		return codeInvalid, nil
	}
	var devs []*Device
	for _, d := range s.st.Devices {
		if d.Active {
			devs = append(devs, d)
		}
	}
	sort.Slice(devs, func(i, j int) bool { return devs[i].ID > devs[j].ID })
	items := make([]map[string]any, 0, len(devs))
	for _, d := range devs {
		t := s.st.Types[d.TypeID]
		if t == nil {
			t = &DeviceType{ID: d.TypeID}
		}
		status := 2
		if d.Online {
			status = 1
		}
		groups := s.groupRefs(append(slices.Clone(d.StaffGroups), d.VisitorGroups...))
		var desc, fw any
		if d.Description != "" {
			desc = d.Description
		}
		if d.Firmware != "" {
			fw = d.Firmware
		}
		items = append(items, map[string]any{
			"device_type": map[string]any{"id": t.ID, "name": t.Name, "identifier": t.Identifier, "description": "",
				"create_at": date(d.CreatedAt), "update_at": date(d.CreatedAt)},
			"device": map[string]any{"id": d.ID, "sn": d.SN, "name": d.Name, "direction": d.Direction, "location": d.Location,
				"ip": d.IP, "status": status, "groups": groups, "active": 1, "type_id": d.TypeID, "description": desc,
				"software_version": fw, "info": nil, "company_id": s.st.Company.ID, "group_count": len(groups),
				"create_at": date(d.CreatedAt), "update_at": date(d.UpdatedAt)},
		})
	}
	return codeOK, paged(items, page, size)
}

// groupIDs reads a group list: comma-joined, a JSON array, or repeated
// fields; every id must be a group of typ.
func (s *Server) groupIDs(vals []string, typ int) ([]int64, bool) {
	var out []int64
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		var parts []string
		if strings.HasPrefix(v, "[") {
			var nums []json.Number
			if err := json.Unmarshal([]byte(v), &nums); err != nil {
				return nil, false
			}
			for _, n := range nums {
				parts = append(parts, n.String())
			}
		} else {
			parts = strings.Split(v, ",")
		}
		for _, p := range parts {
			id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			g, ok := s.st.Groups[id]
			if err != nil || !ok || g.Type != typ {
				return nil, false
			}
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out, true
}

// updateDevice: §6.2.2. id, name (≤45), location (≤255, may be empty but
// must be sent) and direction required; description ≤255; a group list
// left out clears that type's groups.
func updateDevice(s *Server, q *Request) (int, any) {
	idS, okID := q.Get("id")
	name, okName := q.Get("name")
	loc, okLoc := q.Get("location")
	dirS, okDir := q.Get("direction")
	if !okID || !okName || !okLoc || !okDir {
		return codeMissing, nil
	}
	id, err1 := strconv.ParseInt(idS, 10, 64)
	dir, err2 := strconv.Atoi(dirS)
	desc, _ := q.Get("description")
	if err1 != nil || err2 != nil || strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 45 ||
		utf8.RuneCountInString(loc) > 255 || utf8.RuneCountInString(desc) > 255 {
		return codeInvalid, nil
	}
	d, ok := s.st.Devices[id]
	if !ok || !d.Active {
		return codeNotFound, nil
	}
	staff, ok1 := s.groupIDs(q.Params["groupStaff"], 1)
	visitor, ok2 := s.groupIDs(q.Params["groupVisitor"], 2)
	if !ok1 || !ok2 {
		return codeInvalid, nil
	}
	d.Name, d.Location, d.Direction, d.StaffGroups, d.VisitorGroups, d.UpdatedAt = name, loc, dir, staff, visitor, s.now()
	if _, sent := q.Get("description"); sent {
		d.Description = desc
	}
	state := 0
	if d.Online {
		state = 1
	}
	userGroups := []map[string]any{}
	for _, gid := range staff {
		g := s.st.Groups[gid]
		userGroups = append(userGroups, map[string]any{"id": g.ID, "name": g.Name, "type": g.Type, "person_count": g.Users})
	}
	guestGroups := []map[string]any{}
	for _, gid := range visitor {
		g := s.st.Groups[gid]
		guestGroups = append(guestGroups, map[string]any{"id": g.ID, "name": g.Name, "type": g.Type, "person_count": g.Users})
	}
	t := s.st.Types[d.TypeID]
	typeName := ""
	if t != nil {
		typeName = t.Name
	}
	return codeOK, map[string]any{"id": d.ID, "name": d.Name, "location": d.Location, "state": state, "description": d.Description,
		"direction": d.Direction, "ldid": d.SN, "type_id": d.TypeID, "type_name": typeName, "user_group": userGroups, "guest_group": guestGroups}
}

// deleteDevice: §6.2.3, a fake delete (active = 0).
func deleteDevice(s *Server, q *Request) (int, any) {
	id, err := strconv.ParseInt(q.Path("id"), 10, 64)
	if err != nil {
		return codeInvalid, nil
	}
	d, ok := s.st.Devices[id]
	if !ok || !d.Active {
		return codeNotFound, nil
	}
	d.Active = false
	return codeOK, nil
}
