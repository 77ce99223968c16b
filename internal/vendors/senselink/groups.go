package senselink

import (
	"context"
	"encoding/json"
	"net/http"
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

// MaxGroupName is §6.4.1's limit.
const MaxGroupName = 45

// MaxBatch is how many people one membership call may name (§6.4.4-5).
const MaxBatch = 2000

func groupCheck(op, name string, typ int) error {
	var t *FieldError
	if typ != GroupStaff && typ != GroupVisitor {
		t = &FieldError{Field: "type", Rule: "required"}
	}
	return check(op, textLen("name", name, MaxGroupName, true), t)
}

// CreateGroup adds a group of a type (§6.4.1: 1 staff, 2 visitor).
func (c *Client) CreateGroup(ctx context.Context, name string, typ int) (Group, error) {
	const op = "/api/v1/group"
	if err := groupCheck(op, name, typ); err != nil {
		return Group{}, err
	}
	var r struct {
		ID       flexInt `json:"id"`
		Name     nstring `json:"name"`
		Type     flexInt `json:"type"`
		CreateAt vtime   `json:"create_at"`
	}
	err := c.call(ctx, request{Method: http.MethodPost, Path: op, Params: url.Values{"name": {name}, "type": {strconv.Itoa(typ)}}}, &r)
	return Group{ID: int64(r.ID), Name: string(r.Name), Type: int(r.Type), CreatedAt: c.at(r.CreateAt)}, err
}

// UpdateGroup renames a group (§6.4.3); 320 (KindNotFound) for an
// unknown group.
func (c *Client) UpdateGroup(ctx context.Context, id int64, name string, typ int) error {
	const op = "/api/v1/group/update"
	if err := groupCheck(op, name, typ); err != nil {
		return err
	}
	return c.call(ctx, request{Method: http.MethodPost, Path: op,
		Params: url.Values{"id": {strconv.FormatInt(id, 10)}, "name": {name}, "type": {strconv.Itoa(typ)}}}, nil)
}

// AddToGroup adds people to a group (§6.4.4), MaxBatch per call.
func (c *Client) AddToGroup(ctx context.Context, groupID int64, userIDs []int64) error {
	return c.batch(ctx, "/api/v1/user/add/group", groupID, userIDs)
}

// RemoveFromGroup removes people from a group (§6.4.5), MaxBatch per call.
func (c *Client) RemoveFromGroup(ctx context.Context, groupID int64, userIDs []int64) error {
	return c.batch(ctx, "/api/v1/user/remove/group", groupID, userIDs)
}

// batch sends ids in calls of at most MaxBatch. A failed call stops the
// rest: the calls before it took effect, and repeating them is harmless
// (membership is a set), so the caller simply retries the whole list.
func (c *Client) batch(ctx context.Context, op string, groupID int64, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), MaxBatch)
		p := url.Values{"groupId": {strconv.FormatInt(groupID, 10)}, "userIds": {joinIDs(ids[:n])}}
		if err := c.call(ctx, request{Method: http.MethodPost, Path: op, Params: p}, nil); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
