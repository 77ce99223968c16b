package devices

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"storelens/internal/accounts"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
)

// SenseLink is the service of SenseLink accounts: company, terminals and
// departments.
type SenseLink struct {
	Store    *models.Store
	Accounts *accounts.Service
}

// ErrNotSenseLink means the account is of another vendor.
var ErrNotSenseLink = errors.New("not a SenseLink account")

// Client opens the SenseLink client of an account.
func (s *SenseLink) Client(a models.VendorAccount) (*senselink.Client, error) {
	if a.Vendor != senselink.Name {
		return nil, ErrNotSenseLink
	}
	ad, err := s.Accounts.Open(a)
	if err != nil {
		return nil, err
	}
	c, ok := ad.(*senselink.Client)
	if !ok {
		return nil, ErrNotSenseLink
	}
	return c, nil
}

// Overview is the account's company and terminals.
type Overview struct {
	Company senselink.Company
	Devices []senselink.Device
}

// Overview reads the company and every device.
func (s *SenseLink) Overview(ctx context.Context, a models.VendorAccount) (Overview, error) {
	var o Overview
	c, err := s.Client(a)
	if err != nil {
		return o, err
	}
	if o.Company, err = c.Company(ctx); err != nil {
		return o, err
	}
	o.Devices, err = c.Devices(ctx)
	return o, err
}

// Device finds one device by id in the list (004 has no single-device read).
func (s *SenseLink) Device(ctx context.Context, a models.VendorAccount, id int64) (senselink.Device, []senselink.Group, error) {
	c, err := s.Client(a)
	if err != nil {
		return senselink.Device{}, nil, err
	}
	devs, err := c.Devices(ctx)
	if err != nil {
		return senselink.Device{}, nil, err
	}
	groups, err := c.Groups(ctx, 0)
	if err != nil {
		return senselink.Device{}, nil, err
	}
	for _, d := range devs {
		if d.ID == id {
			return d, groups, nil
		}
	}
	return senselink.Device{}, groups, models.ErrNotFound
}

func (s *SenseLink) audit(ctx context.Context, a models.Actor, action, target, detail string) error {
	return s.Store.Audit(ctx, a.Entry(action, "senselink", target, detail))
}

// UpdateDevice saves a device's name, location, direction and groups.
func (s *SenseLink) UpdateDevice(ctx context.Context, actor models.Actor, a models.VendorAccount, u senselink.DeviceUpdate) error {
	c, err := s.Client(a)
	if err != nil {
		return err
	}
	if _, err := c.UpdateDevice(ctx, u); err != nil {
		return err
	}
	return s.audit(ctx, actor, "senselink.device_update", "device "+strconv.FormatInt(u.ID, 10), fmt.Sprintf("%q at %q", u.Name, u.Location))
}

// DeleteDevice deletes a device; one already gone (620) counts as deleted.
func (s *SenseLink) DeleteDevice(ctx context.Context, actor models.Actor, a models.VendorAccount, id int64) error {
	c, err := s.Client(a)
	if err != nil {
		return err
	}
	if err := c.DeleteDevice(ctx, id); err != nil && vendors.KindOf(err) != vendors.KindNotFound {
		return err
	}
	return s.audit(ctx, actor, "senselink.device_delete", "device "+strconv.FormatInt(id, 10), "")
}

// Departments reads the tree.
func (s *SenseLink) Departments(ctx context.Context, a models.VendorAccount) (senselink.Department, error) {
	c, err := s.Client(a)
	if err != nil {
		return senselink.Department{}, err
	}
	return c.Departments(ctx)
}

// FindDepartment finds a department by code.
func (s *SenseLink) FindDepartment(ctx context.Context, a models.VendorAccount, code string) (senselink.Department, error) {
	c, err := s.Client(a)
	if err != nil {
		return senselink.Department{}, err
	}
	return c.DepartmentByCode(ctx, code)
}

// Department reads one department.
func (s *SenseLink) Department(ctx context.Context, a models.VendorAccount, id int64) (senselink.Department, error) {
	c, err := s.Client(a)
	if err != nil {
		return senselink.Department{}, err
	}
	return c.Department(ctx, id)
}

// SaveDepartment adds (id 0) or updates a department.
func (s *SenseLink) SaveDepartment(ctx context.Context, actor models.Actor, a models.VendorAccount, id int64, in senselink.DepartmentInput) (senselink.Department, error) {
	c, err := s.Client(a)
	if err != nil {
		return senselink.Department{}, err
	}
	var d senselink.Department
	action := "senselink.department_add"
	if id == 0 {
		d, err = c.CreateDepartment(ctx, in)
	} else {
		action = "senselink.department_update"
		d, err = c.UpdateDepartment(ctx, id, in)
	}
	if err != nil {
		return d, err
	}
	return d, s.audit(ctx, actor, action, "department "+strconv.FormatInt(d.ID, 10), in.Name)
}

// DeleteDepartment deletes an empty department (650 otherwise).
func (s *SenseLink) DeleteDepartment(ctx context.Context, actor models.Actor, a models.VendorAccount, id int64) error {
	c, err := s.Client(a)
	if err != nil {
		return err
	}
	if err := c.DeleteDepartment(ctx, id); err != nil {
		return err
	}
	return s.audit(ctx, actor, "senselink.department_delete", "department "+strconv.FormatInt(id, 10), "")
}
