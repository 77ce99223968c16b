package sim

import (
	"sort"
	"strconv"
	"strings"
)

func init() {
	register("GET /api/v1/group", listGroups)
	register("POST /api/v1/group", addGroup)
	register("POST /api/v1/group/update", updateGroup)
	register("POST /api/v1/user/add/group", addToGroup)
	register("POST /api/v1/user/remove/group", removeFromGroup)
}

// MaxBatch is §6.4.4-5's "每次操作的最大值为 2000 人"; more is 30001.
const MaxBatch = 2000

// groupFields reads name (required, at most 45) and type (1 or 2).
func groupFields(q *Request) (string, int, int) {
	name, code := text(q, "name", 45, true)
	if code != codeOK {
		return "", 0, code
	}
	v, ok := q.Get("type")
	if !ok {
		return "", 0, codeMissing
	}
	typ, err := strconv.Atoi(v)
	if err != nil || (typ != 1 && typ != 2) || strings.TrimSpace(name) == "" {
		return "", 0, codeInvalid
	}
	return name, typ, codeOK
}

// addGroup is §6.4.1.
func addGroup(s *Server, q *Request) (int, any) {
	name, typ, code := groupFields(q)
	if code != codeOK {
		return code, nil
	}
	g := &Group{ID: s.st.newID(), Name: name, Type: typ, CreatedAt: s.now()}
	s.st.Groups[g.ID] = g
	return codeOK, map[string]any{"id": g.ID, "name": g.Name, "type": g.Type, "company_id": s.st.Company.ID,
		"create_at": date(g.CreatedAt), "update_at": date(g.CreatedAt)}
}

// updateGroup is §6.4.3: id missing or not a number 30001, unknown 320;
// the type cannot change (30001).
func updateGroup(s *Server, q *Request) (int, any) {
	v, ok := q.Get("id")
	if !ok {
		return codeMissing, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return codeInvalid, nil
	}
	name, typ, code := groupFields(q)
	if code != codeOK {
		return code, nil
	}
	g, ok := s.st.Groups[id]
	if !ok {
		return codeGroupBad, nil
	}
	if g.Type != typ {
		return codeInvalid, nil
	}
	g.Name = name
	return codeOK, nil
}

// membership reads §6.4.4-5's groupId and userIds: 30001 missing or more
// than MaxBatch, 620 an unknown group or person, 30001 a person of the
// other type.
func (s *Server) membership(q *Request) (*Group, []*Person, int) {
	v, _ := q.Get("groupId")
	gid, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, nil, codeInvalid
	}
	ids, sent, ok := idList(q, "userIds")
	if !sent || !ok || len(ids) == 0 || len(ids) > MaxBatch {
		return nil, nil, codeInvalid
	}
	g, exists := s.st.Groups[gid]
	if !exists {
		return nil, nil, codeNotFound
	}
	var ps []*Person
	for _, id := range ids {
		p, ok := s.st.People[id]
		if !ok {
			return nil, nil, codeNotFound
		}
		if p.Type != g.Type {
			return nil, nil, codeInvalid
		}
		ps = append(ps, p)
	}
	return g, ps, codeOK
}

func addToGroup(s *Server, q *Request) (int, any) {
	g, ps, code := s.membership(q)
	if code != codeOK {
		return code, nil
	}
	for _, p := range ps {
		s.setGroups(p, append(append([]int64(nil), p.Groups...), g.ID), p.Groups)
	}
	return codeOK, nil
}

func removeFromGroup(s *Server, q *Request) (int, any) {
	g, ps, code := s.membership(q)
	if code != codeOK {
		return code, nil
	}
	for _, p := range ps {
		var keep []int64
		for _, id := range p.Groups {
			if id != g.ID {
				keep = append(keep, id)
			}
		}
		s.setGroups(p, keep, p.Groups)
	}
	return codeOK, nil
}

func listGroups(s *Server, q *Request) (int, any) {
	page, size, ok := paging(q, 20)
	if !ok {
		return codeInvalid, nil
	}
	typ := 0
	if v, sent := q.Get("type"); sent {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 2 {
			return codeInvalid, nil
		}
		typ = n
	}
	var gs []*Group
	for _, g := range s.st.Groups {
		if typ == 0 || g.Type == typ {
			gs = append(gs, g)
		}
	}
	// 004: "默认顺序为 id 倒序" for devices and groups alike.
	sort.Slice(gs, func(i, j int) bool { return gs[i].ID > gs[j].ID })
	items := make([]map[string]any, 0, len(gs))
	for _, g := range gs {
		items = append(items, map[string]any{"id": g.ID, "name": g.Name, "type": g.Type, "user_number": g.Users,
			"company_id": s.st.Company.ID, "create_at": date(g.CreatedAt), "update_at": date(g.CreatedAt)})
	}
	return codeOK, paged(items, page, size)
}
