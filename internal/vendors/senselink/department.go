package senselink

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Department is a department of §6.7; the tree's root (ID 0) is the
// company itself.
type Department struct {
	ID, ParentID int64
	Name, Code   string
	LeaderID     int64 // 0: none
	LeaderName   string
	UserNum      int
	Children     []Department
}

type rawDept struct {
	ID         flexInt   `json:"id"`
	Name       nstring   `json:"name"`
	Code       nstring   `json:"code"`
	ParentID   flexInt   `json:"parent_id"`
	LeaderID   flexInt   `json:"leader_id"`
	LeaderName nstring   `json:"leader_name"`
	UserNum    flexInt   `json:"user_num"`
	Children   []rawDept `json:"children"`
}

// dept converts, dropping the empty {} children 004's example shows.
func (r rawDept) dept() Department {
	d := Department{ID: int64(r.ID), ParentID: int64(r.ParentID), Name: string(r.Name), Code: string(r.Code),
		LeaderID: int64(r.LeaderID), LeaderName: string(r.LeaderName), UserNum: int(r.UserNum)}
	for _, ch := range r.Children {
		if ch.ID == 0 && ch.Name == "" {
			continue
		}
		d.Children = append(d.Children, ch.dept())
	}
	return d
}

// Paths of §6.7 (titles say v2; NOTES 75).
const deptBase = "/api/v2/department"

// Limits of §6.7.4.
const (
	MaxDeptName = 50
	MaxDeptCode = 45
)

// Departments reads the whole tree (§6.7.1); the root is the company.
func (c *Client) Departments(ctx context.Context) (Department, error) {
	var r rawDept
	err := c.call(ctx, request{Method: http.MethodGet, Path: deptBase, Read: true}, &r)
	return r.dept(), err
}

// DepartmentByCode finds a department by its code (§6.7.2); KindNotFound
// (620) when none has it.
func (c *Client) DepartmentByCode(ctx context.Context, code string) (Department, error) {
	const op = deptBase + "/search/code"
	if err := check(op, textLen("code", code, MaxDeptCode, true)); err != nil {
		return Department{}, err
	}
	var r rawDept
	err := c.call(ctx, request{Method: http.MethodGet, Path: op, Params: url.Values{"code": {code}}, Read: true}, &r)
	return r.dept(), err
}

// Department reads one department (§6.7.3).
func (c *Client) Department(ctx context.Context, id int64) (Department, error) {
	var r rawDept
	err := c.call(ctx, request{Method: http.MethodGet, Path: deptBase + "/" + strconv.FormatInt(id, 10), Read: true}, &r)
	return r.dept(), err
}

// DepartmentInput is what add and update send.
type DepartmentInput struct {
	ParentID int64 // 0: directly under the company
	Name     string
	LeaderID int64 // 0: none
	Code     string
}

// Check validates in against §6.7.4.
func (in DepartmentInput) Check() FieldErrors {
	var out FieldErrors
	for _, e := range []*FieldError{textLen("name", in.Name, MaxDeptName, true), textLen("code", in.Code, MaxDeptCode, false)} {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

func (in DepartmentInput) params() url.Values {
	p := url.Values{"parentId": {strconv.FormatInt(in.ParentID, 10)}, "name": {in.Name}}
	if in.LeaderID > 0 {
		p.Set("leaderId", strconv.FormatInt(in.LeaderID, 10))
	}
	if in.Code != "" {
		p.Set("code", in.Code)
	}
	return p
}

// CreateDepartment adds a department (§6.7.4); 610 (KindDuplicate) for a
// name already used under the same parent.
func (c *Client) CreateDepartment(ctx context.Context, in DepartmentInput) (Department, error) {
	if errs := in.Check(); len(errs) > 0 {
		return Department{}, check(deptBase, errs...)
	}
	var r rawDept
	err := c.call(ctx, request{Method: http.MethodPost, Path: deptBase, Params: in.params()}, &r)
	return r.dept(), err
}

// UpdateDepartment saves a department (§6.7.5).
func (c *Client) UpdateDepartment(ctx context.Context, id int64, in DepartmentInput) (Department, error) {
	const op = deptBase + "/update"
	if errs := in.Check(); len(errs) > 0 {
		return Department{}, check(op, errs...)
	}
	p := in.params()
	p.Set("id", strconv.FormatInt(id, 10))
	var r rawDept
	err := c.call(ctx, request{Method: http.MethodPost, Path: op, Params: p}, &r)
	return r.dept(), err
}

// DeleteDepartment deletes a department (§6.7.6, a GET). A department with
// sub-departments or people is refused with 650 (KindNotEmpty).
func (c *Client) DeleteDepartment(ctx context.Context, id int64) error {
	return c.call(ctx, request{Method: http.MethodGet, Path: deptBase + "/delete", Params: url.Values{"id": {strconv.FormatInt(id, 10)}}}, nil)
}

// Flatten lists a tree's departments depth first with their depth, the
// root (the company) excluded: what a tree view or a parent picker shows.
func (d Department) Flatten() []FlatDepartment {
	var out []FlatDepartment
	var walk func(Department, int)
	walk = func(n Department, depth int) {
		for _, ch := range n.Children {
			out = append(out, FlatDepartment{Department: ch, Depth: depth})
			walk(ch, depth+1)
		}
	}
	walk(d, 0)
	return out
}

// FlatDepartment is a department with its depth in the tree.
type FlatDepartment struct {
	Department
	Depth int
}
