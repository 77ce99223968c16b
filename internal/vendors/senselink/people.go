package senselink

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"storelens/internal/vendors"
)

// Person types of §6.3 (type: 1 员工, 2 访客), the same numbers as the
// group types.
const (
	TypeStaff   = GroupStaff
	TypeVisitor = GroupVisitor
)

// Gender codes of §6.3.1: 1 女, 2 男 (NOTES 99).
const (
	genderFemale = 1
	genderMale   = 2
)

// Limits of §6.3.
const (
	MaxName   = 45
	MaxMobile = 20
	MaxRemark = 255
	MaxJobNo  = 45
	MaxICNo   = 45
)

// guestLayout is how §6.3.4 wants dateTimeFrom/dateTimeTo (NOTES 84).
const guestLayout = "2006-01-02 15:04:05"

// Person is a staff member or a visitor (§6.3.1, §6.3.4, §6.3.7).
type Person struct {
	ID                int64
	Type              int // TypeStaff or TypeVisitor
	Name              string
	Avatar            string // an image id (NOTES 80)
	Mobile, Remark    string
	JobNumber         string
	ICNumber          string
	Gender            int // 0 unknown, 1 female, 2 male
	Groups            []GroupRef
	ReceptionUserID   int64 // visitors
	ReceptionUserName string
	VisitFrom         time.Time // visitors
	VisitTo           time.Time
	CreatedAt         time.Time
}

// rawPerson decodes the staff shape (groupList, snake case) and the
// visitor shape (groups, reception_user_*, date_time_*).
type rawPerson struct {
	ID        flexInt    `json:"id"`
	Type      flexInt    `json:"type"`
	Name      nstring    `json:"name"`
	Avatar    nstring    `json:"avatar"`
	Mobile    nstring    `json:"mobile"`
	Remark    nstring    `json:"remark"`
	JobNumber nstring    `json:"job_number"`
	ICNumber  nstring    `json:"ic_number"`
	Gender    flexInt    `json:"gender"` // typed string in the tables, a number in the examples (NOTES 99)
	GroupList []rawGroup `json:"groupList"`
	GroupsAlt []rawGroup `json:"groups"`
	RecID     flexInt    `json:"reception_user_id"`
	RecName   nstring    `json:"reception_user_name"`
	From      vtime      `json:"date_time_from"`
	To        vtime      `json:"date_time_to"`
	CreateAt  vtime      `json:"create_at"`
}

func (c *Client) person(r rawPerson, typ int) Person {
	p := Person{ID: int64(r.ID), Type: int(r.Type), Name: string(r.Name), Avatar: string(r.Avatar), Mobile: string(r.Mobile),
		Remark: string(r.Remark), JobNumber: string(r.JobNumber), ICNumber: string(r.ICNumber), Gender: int(r.Gender),
		ReceptionUserID: int64(r.RecID), ReceptionUserName: string(r.RecName),
		VisitFrom: c.at(r.From), VisitTo: c.at(r.To), CreatedAt: c.at(r.CreateAt)}
	if p.Type == 0 { // the visitor replies carry no type
		p.Type = typ
	}
	for _, g := range append(r.GroupList, r.GroupsAlt...) {
		p.Groups = append(p.Groups, g.ref())
	}
	return p
}

// StaffInput is what add and update staff send (§6.3.1, §6.3.2).
type StaffInput struct {
	Name, Mobile, Remark, JobNumber, ICNumber string
	Gender                                    int // 0: not sent
	Groups                                    []int64
	Force                                     bool // add although a similar person exists (30002)
}

func (in StaffInput) check(op string) error {
	return check(op, textLen("name", in.Name, MaxName, true), textLen("mobile", in.Mobile, MaxMobile, false),
		textLen("remark", in.Remark, MaxRemark, false), textLen("jobNumber", in.JobNumber, MaxJobNo, false),
		textLen("icNumber", in.ICNumber, MaxICNo, false))
}

func (in StaffInput) params() url.Values {
	// icNumber, jobNumber, mobile and remark are "required, may be empty"
	// (NOTES 83): always sent.
	p := url.Values{"name": {in.Name}, "mobile": {in.Mobile}, "remark": {in.Remark}, "jobNumber": {in.JobNumber},
		"icNumber": {in.ICNumber}, "groups": {joinIDs(in.Groups)}, "force": {forceFlag(in.Force)}}
	if in.Gender == genderFemale || in.Gender == genderMale {
		p.Set("gender", strconv.Itoa(in.Gender))
	}
	return p
}

// GuestInput is what add and update visitor send (§6.3.4, §6.3.5).
type GuestInput struct {
	Name, Mobile, Remark string
	Groups               []int64
	ReceptionUserID      int64 // the staff member who receives the visitor
	From, To             time.Time
	Force                bool
}

func (in GuestInput) check(op string) error {
	var window, reception *FieldError
	if in.From.IsZero() || in.To.IsZero() || in.To.Before(in.From) {
		window = &FieldError{Field: "dateTimeFrom", Rule: "required"}
	}
	if in.ReceptionUserID <= 0 {
		reception = &FieldError{Field: "receptionUserId", Rule: "required"}
	}
	return check(op, textLen("name", in.Name, MaxName, true), textLen("mobile", in.Mobile, MaxMobile, false),
		textLen("remark", in.Remark, MaxRemark, false), window, reception)
}

func (c *Client) guestParams(in GuestInput) url.Values {
	// idNumber is required and may be empty; we never send one (NOTES 81).
	return url.Values{"name": {in.Name}, "mobile": {in.Mobile}, "remark": {in.Remark}, "idNumber": {""},
		"groups": {joinIDs(in.Groups)}, "force": {forceFlag(in.Force)},
		"receptionUserId": {strconv.FormatInt(in.ReceptionUserID, 10)},
		"dateTimeFrom":    {in.From.In(c.loc).Format(guestLayout)}, "dateTimeTo": {in.To.In(c.loc).Format(guestLayout)}}
}

func forceFlag(f bool) string {
	if f {
		return "1"
	}
	return "0"
}

func avatar(jpeg []byte) []File {
	if len(jpeg) == 0 {
		return nil
	}
	// 004 requires Content-Type: image/jpeg for avatarFile.
	return []File{{Field: "avatarFile", Name: "avatar.jpg", ContentType: "image/jpeg", Data: jpeg}}
}

// AddStaff adds a staff member with an optional photo (§6.3.1). A similar
// person refuses it with *vendors.SimilarFaceError unless in.Force.
func (c *Client) AddStaff(ctx context.Context, in StaffInput, jpeg []byte) (Person, error) {
	const op = "/api/v1/user"
	if err := in.check(op); err != nil {
		return Person{}, err
	}
	var r rawPerson
	err := c.call(ctx, request{Method: http.MethodPost, Path: op, Params: in.params(), Files: avatar(jpeg)}, &r)
	return c.person(r, TypeStaff), err
}

// UpdateStaff saves a staff member (§6.3.2); in.Groups replaces the
// groups (an empty list leaves them in none). idNumber is required by the
// table: it is sent empty (we never hold the plain value, NOTES 81).
func (c *Client) UpdateStaff(ctx context.Context, id int64, in StaffInput, jpeg []byte) (Person, error) {
	op := "/api/v1/user/update/" + strconv.FormatInt(id, 10)
	if err := in.check(op); err != nil {
		return Person{}, err
	}
	p := in.params()
	p.Set("idNumber", "")
	var r rawPerson
	err := c.call(ctx, request{Method: http.MethodPost, Path: op, Params: p, Files: avatar(jpeg)}, &r)
	return c.person(r, TypeStaff), err
}

// DeleteStaff deletes a staff member (§6.3.3, a GET).
func (c *Client) DeleteStaff(ctx context.Context, id int64) error {
	return c.call(ctx, request{Method: http.MethodGet, Path: "/api/v1/user/delete/" + strconv.FormatInt(id, 10)}, nil)
}

// AddGuest adds a visitor (§6.3.4); the photo is required.
func (c *Client) AddGuest(ctx context.Context, in GuestInput, jpeg []byte) (Person, error) {
	const op = "/api/v1/guest"
	if err := in.check(op); err != nil {
		return Person{}, err
	}
	if len(jpeg) == 0 {
		return Person{}, check(op, &FieldError{Field: "avatarFile", Rule: "required"})
	}
	var r rawPerson
	err := c.call(ctx, request{Method: http.MethodPost, Path: op, Params: c.guestParams(in), Files: avatar(jpeg)}, &r)
	return c.person(r, TypeVisitor), err
}

// UpdateGuest saves a visitor (§6.3.5); the photo is required here too.
func (c *Client) UpdateGuest(ctx context.Context, id int64, in GuestInput, jpeg []byte) (Person, error) {
	op := "/api/v1/guest/update/" + strconv.FormatInt(id, 10)
	if err := in.check(op); err != nil {
		return Person{}, err
	}
	if len(jpeg) == 0 {
		return Person{}, check(op, &FieldError{Field: "avatarFile", Rule: "required"})
	}
	p := c.guestParams(in)
	p.Set("id", strconv.FormatInt(id, 10))
	var r rawPerson
	err := c.call(ctx, request{Method: http.MethodPost, Path: op, Params: p, Files: avatar(jpeg)}, &r)
	return c.person(r, TypeVisitor), err
}

// DeleteGuest deletes a visitor (§6.3.6, a GET).
func (c *Client) DeleteGuest(ctx context.Context, id int64) error {
	return c.call(ctx, request{Method: http.MethodGet, Path: "/api/v1/guest/delete/" + strconv.FormatInt(id, 10)}, nil)
}

// PeopleQuery filters /api/v1/user/list; zero fields do not filter.
type PeopleQuery struct {
	ID                                   int64
	Name, JobNumber, Mobile, Mail, ICNum string
}

// People lists staff and visitors (§6.3.7; not paged). Groups are only
// filled when exactly one person matches (NOTES 85).
func (c *Client) People(ctx context.Context, q PeopleQuery) ([]Person, error) {
	p := url.Values{}
	for k, v := range map[string]string{"name": q.Name, "jobNumber": q.JobNumber, "mobile": q.Mobile, "mail": q.Mail, "icNumber": q.ICNum} {
		if v != "" {
			p.Set(k, v)
		}
	}
	if q.ID > 0 {
		p.Set("id", strconv.FormatInt(q.ID, 10))
	}
	var raw []rawPerson
	if err := c.call(ctx, request{Method: http.MethodGet, Path: "/api/v1/user/list", Params: p, Read: true}, &raw); err != nil {
		return nil, err
	}
	out := make([]Person, len(raw))
	for i, r := range raw {
		out[i] = c.person(r, 0)
	}
	return out, nil
}

// Person reads one person with their groups; KindNotFound when none.
func (c *Client) Person(ctx context.Context, id int64) (Person, error) {
	ps, err := c.People(ctx, PeopleQuery{ID: id})
	if err != nil {
		return Person{}, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return Person{}, &vendors.Error{Vendor: Name, Op: "/api/v1/user/list", Kind: vendors.KindNotFound, Msg: fmt.Sprintf("no person %d", id)}
}

// similarJSON is the data of a 30002 reply (§6.3.1 "存在相似人员返回").
type similarJSON struct {
	ID       flexInt `json:"similar_user_id"`
	Name     nstring `json:"similar_user_name"`
	Avatar   nstring `json:"similar_user_avatar"`
	CanForce flexInt `json:"can_force"`
}

// similar turns a 30002 refusal into *vendors.SimilarFaceError with the
// existing person; the vendor's message names them for the stored error.
func similar(ve *vendors.Error, data json.RawMessage) error {
	var s similarJSON
	if len(data) > 0 && json.Unmarshal(data, &s) == nil && s.ID != 0 {
		ve.Msg = fmt.Sprintf("%s: %s (#%d)", ve.Msg, s.Name, int64(s.ID))
	}
	return &vendors.SimilarFaceError{Existing: vendors.Face{ID: strconv.FormatInt(int64(s.ID), 10), Name: string(s.Name)},
		CanForce: s.CanForce == 1, Err: ve}
}
