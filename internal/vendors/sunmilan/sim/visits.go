package sim

import (
	"hash/fnv"
	"slices"
	"strconv"
	"time"
)

// 003 Customer Flow Statistics 8-9: the top visitors of a range and one
// face's visit times, from the arrivals the camera recorded (Arrive, or
// SeedVisits for a history).
func init() {
	register("/peopleFlow/getVisitorList", authSigned, faceCall(getVisitorList))
	register("/peopleFlow/getFaceVisitDetail", authSigned, faceCall(getFaceVisitDetail))
}

// Visitor codes (doc.go "Face library").
const (
	codeStartTime     = 266
	codeEndTime       = 267
	codeOrder         = 268
	codeVisitorGroup  = 269
	codeVisitorGender = 270
	codeVisitorRange  = 271
	codeVisitorAge    = 272
	codeVisitorAttr   = 273
	codePageNum       = 274
	codeVisitFace     = 275
	codePageSize      = 281
	codeAttrNoGroup   = 282
)

// Arrive records that the camera saw face id at t, and moves a stranger
// seen Times times within Period days to regular (003 Face Recognition 3).
// It reports whether the face exists.
func (c *Camera) Arrive(id string, t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.arrive(id, t.Unix())
}

func (c *Camera) arrive(id string, at int64) bool {
	f := c.face(id)
	if f == nil {
		return false
	}
	i, _ := slices.BinarySearch(f.Arrivals, at)
	f.Arrivals = slices.Insert(f.Arrivals, i, at)
	if g := c.group("stranger"); f.Group == "stranger" && g != nil && g.Times > 0 {
		from, n := at-int64(g.Period)*86400, 0
		for _, a := range f.Arrivals {
			if a > from && a <= at {
				n++
			}
		}
		if r := c.group("regular"); n >= g.Times && r != nil && c.count("regular") < r.Capacity {
			f.Group = "regular"
		}
	}
	return true
}

// SeedVisits gives every face a history of arrivals over the days before
// now, computed from seed and the faceid (the same seed always gives the
// same history): 0 to 3 visits a week, in opening hours.
func (c *Camera) SeedVisits(seed int64, days int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	ids := make([]string, len(c.st.Faces))
	for i, f := range c.st.Faces {
		ids[i] = f.ID
	}
	for _, id := range ids {
		h := fnv.New64a()
		h.Write([]byte(strconv.FormatInt(seed, 10) + "/" + id))
		r := h.Sum64()
		weekly := int(r % 4)
		for d := 1; d <= days; d++ {
			r = r*6364136223846793005 + 1442695040888963407
			if int(r>>33%7) >= weekly {
				continue
			}
			at := now.AddDate(0, 0, -d).Truncate(24 * time.Hour).Add(time.Duration(10+r>>40%10) * time.Hour).Add(time.Duration(r>>20%60) * time.Minute)
			c.arrive(id, at.Unix())
		}
	}
}

// rangeParams reads start_time and end_time (the table's names; the
// example's start_date/end_date are typos, NOTES 56).
func rangeParams(q *Request) (int64, int64, int) {
	from, ok := int64Param(q, "start_time")
	if !ok || from < 0 {
		return 0, 0, codeStartTime
	}
	to, ok := int64Param(q, "end_time")
	if !ok || to <= from {
		return 0, 0, codeEndTime
	}
	return from, to, codeOK
}

func visitsIn(f Face, from, to int64) []int64 {
	var out []int64
	for _, a := range f.Arrivals {
		if a >= from && a < to {
			out = append(out, a)
		}
	}
	return out
}

// getVisitorList: faces with arrivals in the range, most first (then by
// faceid), cut to the first order, then paged. age filters before
// age_range (003: "First query the faces that meet the age"). Attribute
// filters need a user group that has them (273; 282 without a group). A
// range nobody visited in is 280.
func getVisitorList(c *Camera, q *Request) (int, any) {
	from, to, code := rangeParams(q)
	if code != codeOK {
		return code, nil
	}
	order, ok := intIn(q, "order", 1, 1<<30)
	if !ok {
		return codeOrder, nil
	}
	group, grouped := q.Params["group_name"]
	var g *Group
	if grouped {
		if g = c.group(group); g == nil {
			return codeVisitorGroup, nil
		}
	}
	gender, ok := optionalInt(q, "gender", 1, 2)
	if !ok {
		return codeVisitorGender, nil
	}
	ageRange, ok := optionalInt(q, "age_range", 1, 8)
	if !ok {
		return codeVisitorRange, nil
	}
	age, ok := optionalInt(q, "age", 1, 100)
	if !ok {
		return codeVisitorAge, nil
	}
	page, ok := optionalInt(q, "page_num", 1, 1<<30)
	if !ok {
		return codePageNum, nil
	}
	size, ok := optionalInt(q, "page_size", 1, maxPageSize)
	if !ok {
		return codePageSize, nil
	}
	attrs := map[string]string{}
	for i := 1; i <= maxAttrs; i++ {
		if v, ok := q.Params["item"+strconv.Itoa(i)]; ok {
			attrs["item"+strconv.Itoa(i)] = v
		}
	}
	if g != nil {
		for _, a := range g.Attrs {
			if v, ok := q.Params[a]; ok {
				attrs[a] = v
			}
		}
	}
	if len(attrs) > 0 {
		if g == nil {
			return codeAttrNoGroup, nil
		}
		for k := range attrs {
			if !slices.Contains(g.Attrs, k) {
				return codeVisitorAttr, nil
			}
		}
	}
	type hit struct {
		f Face
		n int
	}
	var hits []hit
	for _, f := range c.st.Faces {
		n := len(visitsIn(f, from, to))
		switch {
		case n == 0, g != nil && f.Group != g.Name, gender != 0 && f.Gender != gender,
			age != 0 && f.Age != age, age == 0 && ageRange != 0 && f.AgeRange != ageRange:
			continue
		}
		match := true
		for k, v := range attrs {
			match = match && f.Attrs[k] == v
		}
		if match {
			hits = append(hits, hit{f, n})
		}
	}
	if len(hits) == 0 {
		return codeNoRecord, nil
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.n != b.n {
			return b.n - a.n
		}
		if len(a.f.ID) != len(b.f.ID) {
			return len(a.f.ID) - len(b.f.ID)
		}
		if a.f.ID < b.f.ID {
			return -1
		}
		return 1
	})
	hits = hits[:min(order, len(hits))]
	page, size = max(page, 1), cmpOr(size, 10)
	list := []map[string]any{}
	for i := (page - 1) * size; i < len(hits) && i < page*size; i++ {
		f := hits[i].f
		// As 003's example: age as text, arrive_times counted in the range.
		m := map[string]any{"faceid": f.ID, "group_name": f.Group, "age": strconv.Itoa(f.Age), "age_range": f.AgeRange,
			"gender": f.Gender, "arrive_times": hits[i].n}
		if f.Age == 0 {
			m["age"] = ""
		}
		for k, v := range f.Attrs {
			m[k] = v
		}
		list = append(list, m)
	}
	return codeOK, map[string]any{"total_num": len(hits), "return_num": len(list), "face_list": list}
}

// getFaceVisitDetail: an unknown faceid is 275, a range without its visits
// 280.
func getFaceVisitDetail(c *Camera, q *Request) (int, any) {
	from, to, code := rangeParams(q)
	if code != codeOK {
		return code, nil
	}
	f := c.face(q.Params["faceid"])
	if f == nil {
		return codeVisitFace, nil
	}
	times := visitsIn(*f, from, to)
	if len(times) == 0 {
		return codeNoRecord, nil
	}
	return codeOK, map[string]any{"total_times": len(times), "came_in_time": times}
}
