package senselink

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	"storelens/internal/vendors"
)

// Group is a person group (004 §6.4.2). The people-and-groups area adds
// create, update and membership here.
type Group struct {
	ID         int64
	Name       string
	Type       int // GroupStaff or GroupVisitor
	UserNumber int
	CreatedAt  time.Time
}

// Groups lists the groups of a type (0: all), every page.
func (c *Client) Groups(ctx context.Context, typ int) ([]Group, error) {
	var out []Group
	params := url.Values{}
	if typ != 0 {
		params.Set("type", strconv.Itoa(typ))
	}
	err := c.listAll(ctx, "/api/v1/group", params, func(raw json.RawMessage) error {
		var items []struct {
			ID       flexInt `json:"id"`
			Name     nstring `json:"name"`
			Type     flexInt `json:"type"`
			Users    flexInt `json:"user_number"`
			CreateAt vtime   `json:"create_at"`
		}
		if err := json.Unmarshal(raw, &items); err != nil {
			return c.fail("/api/v1/group", vendors.KindMalformed, 0, "", err)
		}
		for _, g := range items {
			out = append(out, Group{ID: int64(g.ID), Name: string(g.Name), Type: int(g.Type), UserNumber: int(g.Users), CreatedAt: c.at(g.CreateAt)})
		}
		return nil
	})
	return out, err
}
