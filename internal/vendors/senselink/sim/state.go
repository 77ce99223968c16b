package sim

import (
	"encoding/json"
	"fmt"
	"time"
)

// Company is the installation's company (§6.1).
type Company struct {
	ID                                                     int64
	Name, Welcome, Introduction, Contact, Logo, Background string
	Language                                               string
	Threshold                                              float64
	CreatedAt, UpdatedAt, ValidFrom, ValidTo               time.Time
}

// DeviceType is a kind of terminal (§6.2.1 device_type).
type DeviceType struct {
	ID               int64
	Name, Identifier string
}

// Device is a terminal.
type Device struct {
	ID                                            int64
	SN, Name, Location, IP, Description, Firmware string
	Direction                                     int
	Online, Active                                bool
	TypeID                                        int64
	StaffGroups, VisitorGroups                    []int64
	CreatedAt, UpdatedAt                          time.Time
}

// Group is a person group (§6.4).
type Group struct {
	ID        int64
	Name      string
	Type      int // 1 staff, 2 visitor
	Users     int
	CreatedAt time.Time
}

// Department is a department (§6.7); ParentID 0 is the company.
type Department struct {
	ID, ParentID int64
	Name, Code   string
	LeaderID     int64
	LeaderName   string
	UserNum      int // people in it (set by the people area, or by seeding)
}

// state is everything the server keeps; new groups add fields here.
type state struct {
	Company Company
	Types   map[int64]*DeviceType
	Devices map[int64]*Device
	Groups  map[int64]*Group
	Depts   map[int64]*Department
	People  map[int64]*Person
	NextID  int64
}

func newState(name string, now time.Time) state {
	return state{
		Company: Company{ID: 58, Name: name, Language: "zh", Threshold: 0.85, CreatedAt: now, UpdatedAt: now,
			ValidFrom: now.AddDate(0, -1, 0), ValidTo: now.AddDate(2, 0, 0)},
		Types:   map[int64]*DeviceType{},
		Devices: map[int64]*Device{},
		Groups:  map[int64]*Group{},
		Depts:   map[int64]*Department{},
		People:  map[int64]*Person{},
		NextID:  100,
	}
}

func (st *state) newID() int64 {
	st.NextID++
	return st.NextID
}

// SetCompany replaces the company.
func (s *Server) SetCompany(c Company) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Company = c
}

// AddDeviceType adds a terminal kind and returns its id.
func (s *Server) AddDeviceType(t DeviceType) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.ID == 0 {
		t.ID = s.st.newID()
	}
	s.st.Types[t.ID] = &t
	return t.ID
}

// AddGroup adds a group and returns its id.
func (s *Server) AddGroup(g Group) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.ID == 0 {
		g.ID = s.st.newID()
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = s.now()
	}
	s.st.Groups[g.ID] = &g
	return g.ID
}

// AddDevice adds an active device and returns its id.
func (s *Server) AddDevice(d Device) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.ID == 0 {
		d.ID = s.st.newID()
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = s.now()
	}
	d.UpdatedAt, d.Active = d.CreatedAt, true
	s.st.Devices[d.ID] = &d
	return d.ID
}

// AddDepartment adds a department and returns its id.
func (s *Server) AddDepartment(d Department) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.ID == 0 {
		d.ID = s.st.newID()
	}
	s.st.Depts[d.ID] = &d
	return d.ID
}

// Device returns a device by id.
func (s *Server) Device(id int64) (Device, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.st.Devices[id]
	if !ok {
		return Device{}, false
	}
	return *d, true
}

// Departments returns every department.
func (s *Server) Departments() []Department {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Department, 0, len(s.st.Depts))
	for _, d := range s.st.Depts {
		out = append(out, *d)
	}
	return out
}

// Snapshot is the state (with app secrets) as JSON, for the demo to keep
// across restarts. Faults and the call log are not in it.
func (s *Server) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(struct {
		Apps  map[string]string
		State state
	}{s.apps, s.st})
}

// Restore replaces the state with a Snapshot's.
func (s *Server) Restore(b []byte) error {
	var v struct {
		Apps  map[string]string
		State state
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("senselink sim: restore: %w", err)
	}
	if v.State.Types == nil || v.State.Devices == nil || v.State.Groups == nil || v.State.Depts == nil || v.Apps == nil {
		return fmt.Errorf("senselink sim: restore: incomplete snapshot")
	}
	if v.State.People == nil { // a snapshot from before people were kept
		v.State.People = map[int64]*Person{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps, s.st = v.Apps, v.State
	return nil
}
