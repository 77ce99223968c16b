package sim

import (
	"sort"
	"strconv"
)

// §6.4.2 only; the people-and-groups area registers the rest of §6.4 here.
func init() { register("GET /api/v1/group", listGroups) }

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
