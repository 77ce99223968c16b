package senselink

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"storelens/internal/vendors"
)

// GroupRef is a person group bound to a device.
type GroupRef struct {
	ID   int64
	Name string
	Type int // 1 staff, 2 visitor
}

// Group types (004 §6.4).
const (
	GroupStaff   = 1
	GroupVisitor = 2
)

// Device is a SenseLink terminal (004 §6.2.1).
type Device struct {
	ID                     int64
	SN, Name, Location, IP string
	Description, Firmware  string
	Direction              int
	Online                 bool
	Status                 int // raw status (NOTES 82)
	TypeID                 int64
	TypeName, TypeCode     string // device_type name and identifier ("SKP")
	Groups                 []GroupRef
	CreatedAt, UpdatedAt   time.Time
}

type rawGroup struct {
	ID   flexInt `json:"id"`
	Name nstring `json:"name"`
	Type flexInt `json:"type"`
}

func (g rawGroup) ref() GroupRef {
	return GroupRef{ID: int64(g.ID), Name: string(g.Name), Type: int(g.Type)}
}

type rawDeviceItem struct {
	Type struct {
		ID         flexInt `json:"id"`
		Name       nstring `json:"name"`
		Identifier nstring `json:"identifier"`
	} `json:"device_type"`
	Device struct {
		ID          flexInt    `json:"id"`
		SN          nstring    `json:"sn"`
		Name        nstring    `json:"name"`
		Direction   flexInt    `json:"direction"`
		Location    nstring    `json:"location"`
		IP          nstring    `json:"ip"`
		Status      flexInt    `json:"status"`
		Groups      []rawGroup `json:"groups"`
		TypeID      flexInt    `json:"type_id"`
		Description nstring    `json:"description"`
		Software    nstring    `json:"software_version"`
		CreateAt    vtime      `json:"create_at"`
		UpdateAt    vtime      `json:"update_at"`
	} `json:"device"`
}

// deviceOnline is the status reading of NOTES 82: 1 online.
const deviceOnline = 1

// Devices lists every device, newest first as the server orders them,
// walking all pages (§6.2.1).
func (c *Client) Devices(ctx context.Context) ([]Device, error) {
	var out []Device
	err := c.listAll(ctx, "/api/v1/device", nil, func(raw json.RawMessage) error {
		var items []rawDeviceItem
		if err := json.Unmarshal(raw, &items); err != nil {
			return c.fail("/api/v1/device", vendors.KindMalformed, 0, "", err)
		}
		for _, it := range items {
			d := it.Device
			dev := Device{ID: int64(d.ID), SN: string(d.SN), Name: string(d.Name), Location: string(d.Location), IP: string(d.IP),
				Description: string(d.Description), Firmware: string(d.Software), Direction: int(d.Direction),
				Status: int(d.Status), Online: d.Status == deviceOnline, TypeID: int64(d.TypeID),
				TypeName: string(it.Type.Name), TypeCode: string(it.Type.Identifier),
				CreatedAt: c.at(d.CreateAt), UpdatedAt: c.at(d.UpdateAt)}
			for _, g := range d.Groups {
				dev.Groups = append(dev.Groups, g.ref())
			}
			out = append(out, dev)
		}
		return nil
	})
	return out, err
}

// DeviceUpdate is what §6.2.2 changes. Both group lists are always sent:
// a list left out clears the device's groups of that type.
type DeviceUpdate struct {
	ID                          int64
	Name, Location, Description string
	Direction                   int
	StaffGroups, VisitorGroups  []int64
}

// Limits of §6.2.2.
const (
	MaxDeviceName     = 45
	MaxDeviceLocation = 255
	MaxDeviceDesc     = 255
)

// Check validates u against §6.2.2's limits.
func (u DeviceUpdate) Check() FieldErrors {
	var out FieldErrors
	for _, e := range []*FieldError{textLen("name", u.Name, MaxDeviceName, true),
		textLen("location", u.Location, MaxDeviceLocation, false), textLen("description", u.Description, MaxDeviceDesc, false)} {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// UpdateDevice saves a device with /api/v2/device/update and returns it as
// the server answers (state 0 offline, 1 online; user_group, guest_group).
func (c *Client) UpdateDevice(ctx context.Context, u DeviceUpdate) (Device, error) {
	const op = "/api/v2/device/update"
	if errs := u.Check(); len(errs) > 0 {
		return Device{}, check(op, errs...)
	}
	p := url.Values{"id": {strconv.FormatInt(u.ID, 10)}, "name": {u.Name}, "location": {u.Location},
		"direction": {strconv.Itoa(u.Direction)}, "groupStaff": {joinIDs(u.StaffGroups)}, "groupVisitor": {joinIDs(u.VisitorGroups)}}
	if u.Description != "" {
		p.Set("description", u.Description)
	}
	var d struct {
		ID          flexInt    `json:"id"`
		Name        nstring    `json:"name"`
		Location    nstring    `json:"location"`
		State       flexInt    `json:"state"`
		Description nstring    `json:"description"`
		Direction   flexInt    `json:"direction"`
		LDID        nstring    `json:"ldid"`
		TypeID      flexInt    `json:"type_id"`
		TypeName    nstring    `json:"type_name"`
		UserGroup   []rawGroup `json:"user_group"`
		GuestGroup  []rawGroup `json:"guest_group"`
	}
	if err := c.call(ctx, request{Method: http.MethodPost, Path: op, Params: p}, &d); err != nil {
		return Device{}, err
	}
	dev := Device{ID: int64(d.ID), SN: string(d.LDID), Name: string(d.Name), Location: string(d.Location), Description: string(d.Description),
		Direction: int(d.Direction), Online: d.State == 1, Status: int(d.State), TypeID: int64(d.TypeID), TypeName: string(d.TypeName)}
	for _, g := range append(d.UserGroup, d.GuestGroup...) {
		dev.Groups = append(dev.Groups, g.ref())
	}
	return dev, nil
}

// DeleteDevice removes a device (§6.2.3: GET /api/v1/device/delete/{id}).
func (c *Client) DeleteDevice(ctx context.Context, id int64) error {
	return c.call(ctx, request{Method: http.MethodGet, Path: "/api/v1/device/delete/" + strconv.FormatInt(id, 10)}, nil)
}
