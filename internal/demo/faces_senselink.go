package demo

import (
	"context"
	"fmt"
	"image"
	"strconv"
	"time"

	"storelens/internal/faces"
	"storelens/internal/models"
	"storelens/internal/vendors"
)

const settingSLFacesSeeded = "demo.senselink_faces_seeded"

// DemoSenseLinkShop is the demo shop whose faces are the SenseLink
// company's (linked to SenseLink only).
const DemoSenseLinkShop = "鲜果时光 嘉定仓库(SenseLink)"

// SeedSenseLinkFaces gives the demo SenseLink company enrolled people on
// the first run, through the real flow: a shop linked to the SenseLink
// account only, staff in the staff groups and a visitor with a window and
// a receptionist. The people are mirrored variants of the one demo photo,
// which the simulator's rule finds similar to each other (30002): the demo
// enrolls them with force, as a person confirming "someone else" would.
// Mirrored, they are not similar to the unmirrored photo the browser
// tests enroll.
func SeedSenseLinkFaces(ctx context.Context, st *models.Store, svc *faces.Service, env *Env) error {
	done, err := st.Setting(ctx, settingSLFacesSeeded)
	if err != nil || done != "" {
		return err
	}
	idStr, err := st.Setting(ctx, settingSLAccount)
	if err != nil || idStr == "" {
		return err
	}
	n, err := strconv.ParseUint(idStr, 10, 32)
	if err != nil {
		return err
	}
	acc := uint(n)
	sh := models.Shop{Name: DemoSenseLinkShop, City: "上海", Address: "嘉定区叶城路 1288 号", Timezone: models.DefaultTimezone, SenseLinkAccountID: &acc}
	if err := st.CreateShop(ctx, &sh); err != nil {
		return err
	}
	if err := svc.SyncGroups(ctx, sh); err != nil {
		return fmt.Errorf("SenseLink groups: %w", err)
	}
	groups, err := st.FaceGroups(ctx, sh.ID)
	if err != nil {
		return err
	}
	var staff, clerks, visitors models.FaceGroup
	for _, g := range groups {
		switch {
		case g.Kind == string(vendors.GroupVisitor):
			visitors = g
		case g.Name == "店员":
			clerks = g
		case g.Kind == string(vendors.GroupStaff):
			staff = g
		}
	}
	if staff.ID == 0 || clerks.ID == 0 || visitors.ID == 0 {
		return fmt.Errorf("SenseLink demo groups missing")
	}
	system := models.Actor{Username: "demo"}
	consent := faces.Consent{By: "王经理", Purpose: "staff", At: time.Now()}
	staffPeople := []struct {
		g models.FaceGroup
		p demoPerson
	}{
		{staff, demoPerson{Name: "周强(仓库主管)", Gender: vendors.GenderMale, Look: both(mirror, tint(10, 0, -5))}},
		{clerks, demoPerson{Name: "吴芳", Gender: vendors.GenderFemale, Look: both(mirror, gray)}},
		{clerks, demoPerson{Name: "郑磊", Gender: vendors.GenderMale, Look: both(mirror, tint(-20, 5, 20))}},
	}
	var receptionist string
	for k, sp := range staffPeople {
		p := sp.p
		base := p.Look
		p.Look = func(m *image.RGBA) *image.RGBA { return mark(base(m), 90+k) }
		f, err := enrollSenseLink(ctx, svc, system, sh, sp.g, p, consent, vendors.FaceInput{})
		if err != nil {
			return fmt.Errorf("SenseLink %s: %w", p.Name, err)
		}
		if receptionist == "" {
			receptionist = f.VendorFaceID
		}
	}
	loc, _ := time.LoadLocation(sh.Timezone)
	day := time.Now().In(loc)
	from := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, loc)
	guest := demoPerson{Name: "供应商 黄先生", Gender: vendors.GenderMale, Look: both(mirror, tint(0, 15, 0))}
	base := guest.Look
	guest.Look = func(m *image.RGBA) *image.RGBA { return mark(base(m), 99) }
	consent.Purpose = "visitor"
	if _, err := enrollSenseLink(ctx, svc, system, sh, visitors, guest, consent,
		vendors.FaceInput{VisitFrom: from, VisitTo: from.Add(3 * time.Hour), Receptionist: receptionist}); err != nil {
		return fmt.Errorf("SenseLink visitor: %w", err)
	}
	return st.SetSetting(ctx, settingSLFacesSeeded, "1")
}

func both(a, b func(*image.RGBA) *image.RGBA) func(*image.RGBA) *image.RGBA {
	return func(m *image.RGBA) *image.RGBA { return b(a(m)) }
}

// enrollSenseLink enrolls p with force and extra's visitor fields.
func enrollSenseLink(ctx context.Context, svc *faces.Service, actor models.Actor, sh models.Shop, g models.FaceGroup, p demoPerson, c faces.Consent, extra vendors.FaceInput) (models.Face, error) {
	photo, err := demoPhoto(p)
	if err != nil {
		return models.Face{}, err
	}
	staged, err := svc.CheckPhoto(ctx, sh.ID, photo)
	if err != nil {
		return models.Face{}, err
	}
	in := extra
	in.Name, in.Gender, in.Force = p.Name, p.Gender, true
	f, err := svc.Enroll(ctx, actor, sh, faces.EnrollInput{GroupID: g.ID, Consent: c, Face: in}, staged)
	if err == nil && f.State != models.FaceEnrolled {
		err = fmt.Errorf("not enrolled: %s", f.Error)
	}
	return f, err
}
