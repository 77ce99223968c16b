package sim

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// §6.7, served under v1 and v2 alike (NOTES 75).
func init() {
	for _, v := range []string{"v1", "v2"} {
		base := "/api/" + v + "/department"
		register("GET "+base, deptTree)
		register("GET "+base+"/search/code", deptByCode)
		register("GET "+base+"/{id}", deptByID)
		register("POST "+base, deptAdd)
		register("POST "+base+"/update", deptUpdate)
		register("GET "+base+"/delete", deptDelete)
	}
}

func (s *Server) deptJSON(d *Department) map[string]any {
	var leader, leaderName, code any
	if d.LeaderID != 0 {
		leader, leaderName = d.LeaderID, d.LeaderName
	}
	if d.Code != "" {
		code = d.Code
	}
	return map[string]any{"id": d.ID, "name": d.Name, "code": code, "parent_id": d.ParentID, "leader_id": leader, "leader_name": leaderName}
}

func (s *Server) children(parent int64) []*Department {
	var out []*Department
	for _, d := range s.st.Depts {
		if d.ParentID == parent {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Server) subtree(d *Department) map[string]any {
	m := s.deptJSON(d)
	m["user_num"] = d.UserNum
	kids := []map[string]any{}
	for _, ch := range s.children(d.ID) {
		kids = append(kids, s.subtree(ch))
	}
	m["children"] = kids
	return m
}

// deptTree: the company as root (id 0) with its departments as children.
func deptTree(s *Server, _ *Request) (int, any) {
	kids := []map[string]any{}
	for _, ch := range s.children(0) {
		kids = append(kids, s.subtree(ch))
	}
	return codeOK, map[string]any{"id": 0, "name": s.st.Company.Name, "children": kids}
}

func deptByCode(s *Server, q *Request) (int, any) {
	code, ok := q.Get("code")
	if !ok || code == "" {
		return codeMissing, nil
	}
	for _, d := range s.st.Depts {
		if d.Code == code {
			return codeOK, s.deptJSON(d)
		}
	}
	return codeNotFound, nil
}

func deptByID(s *Server, q *Request) (int, any) {
	id, err := strconv.ParseInt(q.Path("id"), 10, 64)
	if err != nil {
		return codeInvalid, nil
	}
	d, ok := s.st.Depts[id]
	if !ok {
		return codeNotFound, nil
	}
	return codeOK, s.deptJSON(d)
}

// deptFields reads parentId, name (≤50), leaderId and code (≤45), and checks
// them against the tree: the parent exists (620), no sibling has the name
// and no other department the code (610). self is the department being
// updated (0 when adding).
func (s *Server) deptFields(q *Request, self int64) (Department, int) {
	pS, okP := q.Get("parentId")
	name, okN := q.Get("name")
	if !okP || !okN {
		return Department{}, codeMissing
	}
	parent, err := strconv.ParseInt(pS, 10, 64)
	name = strings.TrimSpace(name)
	code, _ := q.Get("code")
	if err != nil || name == "" || utf8.RuneCountInString(name) > 50 || utf8.RuneCountInString(code) > 45 {
		return Department{}, codeInvalid
	}
	var leader int64
	if v, sent := q.Get("leaderId"); sent && v != "" {
		if leader, err = strconv.ParseInt(v, 10, 64); err != nil {
			return Department{}, codeInvalid
		}
	}
	if parent != 0 {
		if _, ok := s.st.Depts[parent]; !ok {
			return Department{}, codeNotFound
		}
	}
	for p := parent; p != 0 && self != 0; p = s.st.Depts[p].ParentID { // no cycles
		if p == self {
			return Department{}, codeInvalid
		}
	}
	for _, d := range s.st.Depts {
		if d.ID == self {
			continue
		}
		if (d.ParentID == parent && d.Name == name) || (code != "" && d.Code == code) {
			return Department{}, codeDuplicate
		}
	}
	return Department{ParentID: parent, Name: name, Code: code, LeaderID: leader}, codeOK
}

func deptAdd(s *Server, q *Request) (int, any) {
	d, code := s.deptFields(q, 0)
	if code != codeOK {
		return code, nil
	}
	d.ID = s.st.newID()
	s.st.Depts[d.ID] = &d
	return codeOK, s.deptJSON(&d)
}

func deptUpdate(s *Server, q *Request) (int, any) {
	idS, ok := q.Get("id")
	if !ok {
		return codeMissing, nil
	}
	id, err := strconv.ParseInt(idS, 10, 64)
	if err != nil {
		return codeInvalid, nil
	}
	cur, ok := s.st.Depts[id]
	if !ok {
		return codeNotFound, nil
	}
	d, code := s.deptFields(q, id)
	if code != codeOK {
		return code, nil
	}
	cur.ParentID, cur.Name, cur.Code, cur.LeaderID = d.ParentID, d.Name, d.Code, d.LeaderID
	if d.LeaderID == 0 {
		cur.LeaderName = ""
	}
	return codeOK, s.deptJSON(cur)
}

// deptDelete: 650 while it has sub-departments or people.
func deptDelete(s *Server, q *Request) (int, any) {
	idS, ok := q.Get("id")
	if !ok {
		return codeMissing, nil
	}
	id, err := strconv.ParseInt(idS, 10, 64)
	if err != nil {
		return codeInvalid, nil
	}
	d, ok := s.st.Depts[id]
	if !ok {
		return codeNotFound, nil
	}
	if d.UserNum > 0 || len(s.children(id)) > 0 {
		return codeNotEmpty, nil
	}
	delete(s.st.Depts, id)
	return codeOK, nil
}
