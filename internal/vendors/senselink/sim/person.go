package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Person is a staff member (Type 1) or a visitor (Type 2) of §6.3.
type Person struct {
	ID                                        int64
	Type                                      int
	Name, Mobile, Remark, JobNumber, ICNumber string
	IDNumber                                  string // kept "encrypted" (NOTES 81: here base64)
	Gender                                    int    // 0, 1 女, 2 男
	Groups                                    []int64
	Avatar                                    string // image id
	Hash                                      uint64 // average hash of the photo; 0 without one
	HasPhoto                                  bool
	ReceptionUserID                           int64
	From, To                                  time.Time
	CreatedAt, UpdatedAt                      time.Time
}

func init() {
	register("POST /api/v1/user", addStaff)
	register("POST /api/v1/user/update/{id}", updateStaff)
	register("GET /api/v1/user/delete/{id}", deleteStaff)
	register("POST /api/v1/guest", addGuest)
	register("POST /api/v1/guest/update/{id}", updateGuest)
	register("GET /api/v1/guest/delete/{id}", deleteGuest)
	register("GET /api/v1/user/list", listPeople)
	register("POST /api/v1/recognition/check", checkFaces)
	register("POST /api/v1/recognition/quality", checkQuality)
}

// AddPerson adds a person directly (seeding): no photo rule, no similarity.
func (s *Server) AddPerson(p Person) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.ID == 0 {
		p.ID = s.st.newID()
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now()
	}
	p.UpdatedAt = p.CreatedAt
	if p.Avatar == "" && p.HasPhoto {
		p.Avatar = avatarID(p.ID)
	}
	s.st.People[p.ID] = &p
	s.setGroups(&p, p.Groups, nil)
	return p.ID
}

// People returns every person, by id.
func (s *Server) People() []Person {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Person, 0, len(s.st.People))
	for _, p := range s.st.People {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// avatarID is a 24-hex image id like 004's "5cbe78b135060d0001750ef5".
func avatarID(id int64) string { return fmt.Sprintf("5cbe%020x", id) }

// text reads a parameter: 30004 when required and not sent (an empty value
// is sent: NOTES 83), 30001 when longer than max.
func text(q *Request, name string, max int, required bool) (string, int) {
	v, ok := q.Get(name)
	if !ok && required {
		return "", codeMissing
	}
	if utf8.RuneCountInString(v) > max {
		return "", codeInvalid
	}
	return v, codeOK
}

// idList reads a list of ids sent comma-joined, as a JSON array or as
// repeated fields (NOTES 83); ok is false for anything else.
func idList(q *Request, name string) (ids []int64, sent, ok bool) {
	vs, sent := q.Params[name]
	if !sent {
		return nil, false, true
	}
	for _, v := range vs {
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, "[") {
			var arr []int64
			if json.Unmarshal([]byte(v), &arr) != nil {
				return nil, true, false
			}
			ids = append(ids, arr...)
			continue
		}
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return nil, true, false
			}
			ids = append(ids, n)
		}
	}
	return ids, true, true
}

// groupsOf checks a person's groups: they must exist and be of the
// person's type. Not sent: the type's oldest group ("默认值根据 type 决定").
func (s *Server) groupsOf(q *Request, typ int, required bool) ([]int64, int) {
	ids, sent, ok := idList(q, "groups")
	if !ok {
		return nil, codeInvalid
	}
	if !sent {
		if required {
			return nil, codeMissing
		}
		var def int64
		for _, g := range s.st.Groups {
			if g.Type == typ && (def == 0 || g.ID < def) {
				def = g.ID
			}
		}
		if def != 0 {
			ids = []int64{def}
		}
	}
	for _, id := range ids {
		if g, ok := s.st.Groups[id]; !ok || g.Type != typ {
			return nil, codeInvalid
		}
	}
	return ids, codeOK
}

// setGroups moves p from old to its new groups, keeping user_number.
func (s *Server) setGroups(p *Person, groups, old []int64) {
	for _, id := range old {
		if g, ok := s.st.Groups[id]; ok && g.Users > 0 {
			g.Users--
		}
	}
	p.Groups = dedup(groups)
	for _, id := range p.Groups {
		if g, ok := s.st.Groups[id]; ok {
			g.Users++
		}
	}
}

func dedup(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := []int64{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// avatarFile applies the photo rule to avatarFile: 30005 illegal, 30003 no
// face, 30002 a similar person (other than self) unless force=1.
func (s *Server) avatarFile(q *Request, required bool, self int64) (photo, bool, int, any) {
	data, ct, ok := q.File("avatarFile")
	if !ok {
		if required {
			return photo{}, false, codeMissing, nil
		}
		return photo{}, false, codeOK, nil
	}
	ph := s.examine(data, ct)
	if !ph.valid {
		return ph, true, codeIllegal, top{"desc": "ex.avatar-illegal"}
	}
	if ph.v.Faces == 0 {
		return ph, true, codeNoFace, top{"desc": "rpc.no-face-detect"}
	}
	if f, _ := q.Get("force"); f != "1" {
		if f != "" && f != "0" {
			return ph, true, codeInvalid, nil
		}
		if sim := s.similarTo(ph.hash, self); sim != nil {
			return ph, true, codeSimilar, top{"desc": "ex.similar-user", "data": map[string]any{
				"similar_user_id": sim.ID, "similar_user_name": sim.Name, "similar_user_avatar": sim.Avatar, "can_force": 1}}
		}
	}
	return ph, true, codeOK, nil
}

// similarTo is the oldest person whose photo is the same person's.
func (s *Server) similarTo(h uint64, self int64) *Person {
	var best *Person
	for _, p := range s.st.People {
		if p.ID != self && p.HasPhoto && similarHash(p.Hash, h) && (best == nil || p.ID < best.ID) {
			best = p
		}
	}
	return best
}

type staffForm struct {
	name, mobile, remark, job, ic, idNumber string
	gender                                  int
}

// readStaff reads §6.3.1/§6.3.2's fields; update also requires idNumber.
func readStaff(q *Request, update bool) (staffForm, int) {
	var f staffForm
	var code int
	if f.name, code = text(q, "name", 45, true); code != codeOK {
		return f, code
	}
	if strings.TrimSpace(f.name) == "" {
		return f, codeInvalid
	}
	for _, fld := range []struct {
		dst      *string
		name     string
		max      int
		required bool
	}{{&f.mobile, "mobile", 20, true}, {&f.remark, "remark", 255, true}, {&f.job, "jobNumber", 45, true},
		{&f.ic, "icNumber", 45, true}, {&f.idNumber, "idNumber", 45, update}} {
		if *fld.dst, code = text(q, fld.name, fld.max, fld.required); code != codeOK {
			return f, code
		}
	}
	if v, ok := q.Get("gender"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || (n != 1 && n != 2) {
			return f, codeInvalid
		}
		f.gender = n
	}
	return f, codeOK
}

func addStaff(s *Server, q *Request) (int, any) {
	f, code := readStaff(q, false)
	if code != codeOK {
		return code, nil
	}
	groups, code := s.groupsOf(q, 1, true)
	if code != codeOK {
		return code, nil
	}
	ph, has, code, data := s.avatarFile(q, false, 0)
	if code != codeOK {
		return code, data
	}
	p := &Person{ID: s.st.newID(), Type: 1, Name: f.name, Mobile: f.mobile, Remark: f.remark, JobNumber: f.job, ICNumber: f.ic,
		IDNumber: encrypt(f.idNumber), Gender: f.gender, CreatedAt: s.now(), UpdatedAt: s.now()}
	s.setPhoto(p, ph, has)
	s.st.People[p.ID] = p
	s.setGroups(p, groups, nil)
	return codeOK, s.staffJSON(p, true)
}

func (s *Server) setPhoto(p *Person, ph photo, has bool) {
	if has {
		p.Hash, p.HasPhoto = ph.hash, true
		p.Avatar = fmt.Sprintf("5cbe%08x%012x", s.now().Unix()&0xffffffff, s.st.newID())
	}
}

// person reads {id} of a person of the type: 620 when there is none.
func (s *Server) person(q *Request, typ int) (*Person, int) {
	id, err := strconv.ParseInt(q.Path("id"), 10, 64)
	if err != nil {
		return nil, codeInvalid
	}
	p, ok := s.st.People[id]
	if !ok || p.Type != typ {
		return nil, codeNotFound
	}
	return p, codeOK
}

func updateStaff(s *Server, q *Request) (int, any) {
	p, code := s.person(q, 1)
	if code != codeOK {
		return code, nil
	}
	f, code := readStaff(q, true)
	if code != codeOK {
		return code, nil
	}
	// "传空列表将不把人员添加到任何组中": groups is required, may be empty.
	groups, code := s.groupsOf(q, 1, true)
	if code != codeOK {
		return code, nil
	}
	ph, has, code, data := s.avatarFile(q, false, p.ID)
	if code != codeOK {
		return code, data
	}
	p.Name, p.Mobile, p.Remark, p.JobNumber, p.ICNumber, p.IDNumber = f.name, f.mobile, f.remark, f.job, f.ic, encrypt(f.idNumber)
	if f.gender != 0 {
		p.Gender = f.gender
	}
	p.UpdatedAt = s.now()
	s.setPhoto(p, ph, has)
	s.setGroups(p, groups, p.Groups)
	return codeOK, s.staffJSON(p, true)
}

func (s *Server) remove(p *Person) {
	s.setGroups(p, nil, p.Groups)
	delete(s.st.People, p.ID)
}

func deleteStaff(s *Server, q *Request) (int, any) {
	p, code := s.person(q, 1)
	if code != codeOK {
		return code, nil
	}
	s.remove(p)
	return codeOK, nil
}

// readGuest reads §6.3.4's fields: the receptionist must be a staff
// member; the window is "yyyy-MM-dd HH:mm:ss", from before to.
func (s *Server) readGuest(q *Request) (Person, int) {
	var p Person
	var code int
	if p.Name, code = text(q, "name", 45, true); code != codeOK {
		return p, code
	}
	if strings.TrimSpace(p.Name) == "" {
		return p, codeInvalid
	}
	var idn string
	for _, fld := range []struct {
		dst  *string
		name string
		max  int
	}{{&p.Mobile, "mobile", 20}, {&p.Remark, "remark", 255}, {&idn, "idNumber", 45}} {
		if *fld.dst, code = text(q, fld.name, fld.max, true); code != codeOK {
			return p, code
		}
	}
	p.IDNumber = encrypt(idn)
	rec, ok := q.Get("receptionUserId")
	if !ok {
		return p, codeMissing
	}
	n, err := strconv.ParseInt(rec, 10, 64)
	if r, exists := s.st.People[n]; err != nil || !exists || r.Type != 1 {
		return p, codeInvalid
	}
	p.ReceptionUserID = n
	for _, fld := range []struct {
		dst  *time.Time
		name string
	}{{&p.From, "dateTimeFrom"}, {&p.To, "dateTimeTo"}} {
		v, ok := q.Get(fld.name)
		if !ok {
			return p, codeMissing
		}
		t, err := time.ParseInLocation("2006-01-02 15:04:05", v, cst)
		if err != nil {
			return p, codeInvalid
		}
		*fld.dst = t
	}
	if p.To.Before(p.From) {
		return p, codeInvalid
	}
	return p, codeOK
}

func addGuest(s *Server, q *Request) (int, any) {
	in, code := s.readGuest(q)
	if code != codeOK {
		return code, nil
	}
	groups, code := s.groupsOf(q, 2, true)
	if code != codeOK {
		return code, nil
	}
	ph, _, code, data := s.avatarFile(q, true, 0)
	if code != codeOK {
		return code, data
	}
	p := &in
	p.ID, p.Type, p.CreatedAt, p.UpdatedAt = s.st.newID(), 2, s.now(), s.now()
	s.setPhoto(p, ph, true)
	s.st.People[p.ID] = p
	s.setGroups(p, groups, nil)
	return codeOK, s.guestJSON(p)
}

func updateGuest(s *Server, q *Request) (int, any) {
	p, code := s.person(q, 2)
	if code != codeOK {
		return code, nil
	}
	in, code := s.readGuest(q)
	if code != codeOK {
		return code, nil
	}
	groups, code := s.groupsOf(q, 2, true)
	if code != codeOK {
		return code, nil
	}
	ph, _, code, data := s.avatarFile(q, true, p.ID)
	if code != codeOK {
		return code, data
	}
	p.Name, p.Mobile, p.Remark, p.IDNumber, p.ReceptionUserID, p.From, p.To = in.Name, in.Mobile, in.Remark, in.IDNumber, in.ReceptionUserID, in.From, in.To
	p.UpdatedAt = s.now()
	s.setPhoto(p, ph, true)
	s.setGroups(p, groups, p.Groups)
	return codeOK, s.guestJSON(p)
}

func deleteGuest(s *Server, q *Request) (int, any) {
	p, code := s.person(q, 2)
	if code != codeOK {
		return code, nil
	}
	s.remove(p)
	return codeOK, nil
}

func encrypt(s string) string {
	if s == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

// staffJSON is §6.3.1's data; groupList only when withGroups (§6.3.7).
// Visitors in the list get the same shape with type 2.
func (s *Server) staffJSON(p *Person, withGroups bool) map[string]any {
	var gender any
	if p.Gender != 0 {
		gender = p.Gender
	}
	m := map[string]any{"id": p.ID, "name": p.Name, "avatar": p.Avatar, "mobile": p.Mobile, "remark": p.Remark, "type": p.Type,
		"birthday": "", "mail": nil, "position": nil, "location": nil, "gender": gender, "ic_number": p.ICNumber,
		"id_number": p.IDNumber, "job_number": p.JobNumber, "company_id": s.st.Company.ID,
		"create_at": date(p.CreatedAt), "update_at": date(p.UpdatedAt), "department_id": 0, "area_code": nil,
		"entry_time": nil, "country_code": nil, "place_code": nil, "staff_type": 0}
	if withGroups {
		m["groupList"] = s.groupRefs(p.Groups)
	}
	return m
}

// guestJSON is §6.3.4's data.
func (s *Server) guestJSON(p *Person) map[string]any {
	var recName any
	if r, ok := s.st.People[p.ReceptionUserID]; ok {
		recName = r.Name
	}
	gs := s.groupRefs(p.Groups)
	return map[string]any{"id": p.ID, "name": p.Name, "avatar": p.Avatar, "mobile": p.Mobile, "remark": p.Remark, "groups": gs,
		"ic_number": "", "id_number": p.IDNumber, "company_id": s.st.Company.ID, "reception_user_id": p.ReceptionUserID,
		"reception_user_name": recName, "group_count": len(gs), "date_time": date(p.From), "date_time_from": date(p.From),
		"date_time_to": date(p.To), "create_at": date(p.CreatedAt), "update_at": date(p.UpdatedAt)}
}

// listPeople is §6.3.7: filters by exact value, not paged, groupList only
// when one person matches (NOTES 85).
func listPeople(s *Server, q *Request) (int, any) {
	var id int64
	if v, ok := q.Get("id"); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return codeInvalid, nil
		}
		id = n
	}
	match := func(p *Person) bool {
		for _, f := range []struct{ param, v string }{{"name", p.Name}, {"jobNumber", p.JobNumber}, {"mobile", p.Mobile}, {"icNumber", p.ICNumber}} {
			if want, ok := q.Get(f.param); ok && want != "" && want != f.v {
				return false
			}
		}
		if want, ok := q.Get("mail"); ok && want != "" {
			return false // nobody has a mail here
		}
		return id == 0 || p.ID == id
	}
	var ps []*Person
	for _, p := range s.st.People {
		if match(p) {
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, s.staffJSON(p, len(ps) == 1))
	}
	return codeOK, out
}

// faceAvatar reads §6.6's face_avatar and applies the photo rule.
func (s *Server) faceAvatar(q *Request) (photo, int, any) {
	data, ct, ok := q.File("face_avatar")
	if !ok {
		return photo{}, codeMissing, nil
	}
	ph := s.examine(data, ct)
	if !ph.valid {
		return ph, codeIllegal, top{"desc": "ex.avatar-illegal"}
	}
	if ph.v.Faces == 0 {
		return ph, codeNoFace, top{"desc": "rpc.no-face-detect"}
	}
	return ph, codeOK, nil
}

// checkFaces is §6.6.1: face_number at the top of the reply (NOTES 87).
func checkFaces(s *Server, q *Request) (int, any) {
	ph, code, data := s.faceAvatar(q)
	if code != codeOK {
		return code, data
	}
	return codeOK, top{"face_number": ph.v.Faces}
}

// qaMessages are §6.6.2's qa_msg by qa_code.
var qaMessages = map[int]string{
	0: "PASS", 101: "BAN:face count is over the max", 10201: "BAN:image size wrong,two small",
	10301: "BAN:the alignment score is substandard", 1030201: "BAN: the face rect's pixels is too low",
	1030301: "BAN:the face pose pitch is substandard", 1030302: "BAN:the face pose yaw is substandard",
	1030303: "BAN:the face pose roll is substandard", 10401: "BAN:the face quality{distance to center} is substandard",
	10402: "BAN:the face quality{face size} is substandard", 10403: "BAN:the face quality{face cover} is substandard",
	10404: "BAN:the face quality{brightness} is substandard", 10405: "BAN:the face quality{sharpness} is substandard",
	10406: "BAN:the face quality{mouth opened} is substandard", 10407: "BAN:the face quality{face missing} is substandard",
}

// checkQuality is §6.6.2; more than one face grades 101.
func checkQuality(s *Server, q *Request) (int, any) {
	ph, code, data := s.faceAvatar(q)
	if code != codeOK {
		return code, data
	}
	qa := ph.v.Quality
	if qa == 0 && ph.v.Faces > 1 {
		qa = 101
	}
	return codeOK, map[string]any{"qa_code": qa, "qa_msg": qaMessages[qa], "qa_desc": fmt.Sprintf("sim verdict %d", qa)}
}
