package senselink

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// page is 004's paged data: total, pageNum, size (items on this page),
// pageSize (the size asked for), totalPage, and the items (NOTES 89).
type page struct {
	Total     flexInt         `json:"total"`
	PageNum   flexInt         `json:"pageNum"`
	Size      flexInt         `json:"size"`
	PageSize  flexInt         `json:"pageSize"`
	TotalPage flexInt         `json:"totalPage"`
	Data      json.RawMessage `json:"data"`
}

// pageSize is what listAll asks for: 004's default is 20; fewer calls.
const pageSize = 100

// maxPages bounds a listing against a server that never stops paging.
const maxPages = 1000

// listAll GETs path page by page (page from 1, size pageSize) and hands
// each page's items to each, until totalPage or an empty page.
func (c *Client) listAll(ctx context.Context, path string, params url.Values, each func(json.RawMessage) error) error {
	for n := 1; n <= maxPages; n++ {
		p := url.Values{}
		for k, v := range params {
			p[k] = v
		}
		p.Set("page", strconv.Itoa(n))
		p.Set("size", strconv.Itoa(pageSize))
		var pg page
		if err := c.call(ctx, request{Method: http.MethodGet, Path: path, Params: p, Read: true}, &pg); err != nil {
			return err
		}
		if err := each(pg.Data); err != nil {
			return err
		}
		if pg.Size == 0 || n >= int(pg.TotalPage) {
			return nil
		}
	}
	return nil
}
