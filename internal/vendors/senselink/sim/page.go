package sim

import "strconv"

// paging reads page (from 1) and size (default def), 30001 when not
// positive numbers.
func paging(q *Request, def int) (page, size int, ok bool) {
	page, size = 1, def
	if v, sent := q.Get("page"); sent {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, false
		}
		page = n
	}
	if v, sent := q.Get("size"); sent {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, 0, false
		}
		size = n
	}
	return page, size, true
}

// paged is 004's page shape: size is the items on this page, pageSize the
// size asked for (NOTES 89).
func paged[T any](items []T, page, size int) map[string]any {
	total := len(items)
	from := min((page-1)*size, total)
	to := min(from+size, total)
	pages := (total + size - 1) / size
	return map[string]any{"total": total, "pageNum": page, "size": to - from, "pageSize": size, "totalPage": pages, "data": items[from:to]}
}
