package demo

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"strconv"
	"sync"
	"time"

	"storelens/internal/faces"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud/sim"
)

// astronautJPEG is the one face photo the demo has (public domain, see
// photos/README.md); the demo's people are variants of it.
//
//go:embed photos/astronaut.jpg
var astronautJPEG []byte

const settingFacesSeeded = "demo.faces_seeded"

// demoPerson is someone the demo enrolls.
type demoPerson struct {
	Name   string
	Gender vendors.Gender
	Age    vendors.AgeRange
	Level  string // the member group's custom attribute
	Look   func(*image.RGBA) *image.RGBA
}

// SeedFaces gives the demo shops face groups and faces on the first run:
// in each shop a member group with a custom attribute, members and staff
// enrolled from photos through the real flow (pipeline, simulator, pending
// then enrolled), and strangers the "cameras" saw, with visits, so lists,
// visit counts and "not seen for longest" have something to show.
func SeedFaces(ctx context.Context, st *models.Store, svc *faces.Service, env *Env) error {
	if err := seedLANFaces(ctx, st, svc, env); err != nil {
		return err
	}
	done, err := st.Setting(ctx, settingFacesSeeded)
	if err != nil || done != "" {
		return err
	}
	idStr, err := st.Setting(ctx, settingSunmiAccount)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseUint(idStr, 10, 32)
	shops, err := st.ShopsOfAccount(ctx, uint(id))
	if err != nil {
		return err
	}
	wait := svc.ResolveWait
	svc.ResolveWait = 0 // the reconciler finishes them in the background
	defer func() { svc.ResolveWait = wait }()
	system := models.Actor{Username: "demo"}
	consent := faces.Consent{By: "张店长", Purpose: "member", At: time.Now()}
	for i, sh := range shops {
		if err := svc.SyncGroups(ctx, sh); err != nil {
			return fmt.Errorf("shop %s: %w", sh.Name, err)
		}
		vip, err := svc.CreateGroup(ctx, system, sh, "", faces.GroupInput{Kind: vendors.GroupMember, Name: "金卡会员",
			Description: "到店可识别的金卡会员", Capacity: 500, CustomKeys: [5]string{"会员等级", "偏好"}})
		if err != nil {
			return fmt.Errorf("shop %s: member group: %w", sh.Name, err)
		}
		groups, err := st.FaceGroups(ctx, sh.ID)
		if err != nil {
			return err
		}
		var staff, stranger models.FaceGroup
		for _, g := range groups {
			switch {
			case g.Source != "": // a camera's library (faces_lan.go)
			case g.Kind == string(vendors.GroupStaff) && g.IsDefault:
				staff = g
			case g.Kind == string(vendors.GroupStranger) && g.IsDefault:
				stranger = g
			}
		}
		for j, p := range people(i) {
			g, c := vip, consent
			if j == len(people(i))-1 {
				g, c.Purpose = staff, "staff"
			}
			if err := enrollDemo(ctx, svc, system, sh, g, p, c); err != nil {
				return fmt.Errorf("shop %s: %s: %w", sh.Name, p.Name, err)
			}
		}
		seedStrangers(env.Sunmi, stranger.VendorGroupID, i)
	}
	// Let the simulator finish the photos, then give the members visits.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if err := svc.ResolvePending(ctx); err != nil {
			return err
		}
		open, err := st.OpenFaces(ctx, 1)
		if err != nil || len(open) == 0 {
			break
		}
	}
	now := time.Now()
	for _, sh := range shops {
		list, _, err := st.Faces(ctx, models.FaceFilter{ShopID: sh.ID, PerPage: 100})
		if err != nil {
			return err
		}
		for k, f := range list {
			if f.Origin != models.OriginHere || f.VendorFaceID == "" {
				continue
			}
			for v := range 2 + (k*5)%7 {
				env.Sunmi.RecordArrival(f.VendorFaceID, now.Add(-time.Duration(v*5+k+1)*24*time.Hour).Add(time.Duration(9+k)*time.Hour))
			}
		}
		if _, err := svc.Reconcile(ctx, sh); err != nil {
			env.log.Warn("demo face reconciliation", "shop", sh.Name, "err", err)
		}
	}
	return st.SetSetting(ctx, settingFacesSeeded, "1")
}

// people are the demo's enrolled people of the i-th shop: variants of the
// one photo (mirrored, tinted, cropped), each a different file.
func people(i int) []demoPerson {
	all := []demoPerson{
		{Name: "王丽", Gender: vendors.GenderFemale, Age: 5, Level: "金卡", Look: tint(20, 0, -10)},
		{Name: "陈静", Gender: vendors.GenderFemale, Age: 6, Level: "钻石卡", Look: mirror},
		{Name: "李娜", Gender: vendors.GenderFemale, Age: 4, Level: "金卡", Look: gray},
		{Name: "刘敏(店员)", Gender: vendors.GenderFemale, Age: 5, Look: tint(-15, 5, 15)},
	}
	out := make([]demoPerson, len(all))
	for j, p := range all {
		base := p.Look
		seed := i*10 + j
		p.Look = func(m *image.RGBA) *image.RGBA { return mark(base(m), seed) }
		out[j] = p
	}
	return out
}

// astronautRGBA is the demo face decoded once: every demo person's photo
// starts from it (decoding it for each of them made the demo's first start
// slow under the race detector).
var astronautRGBA = sync.OnceValues(func() (*image.RGBA, error) {
	src, err := jpeg.Decode(bytes.NewReader(astronautJPEG))
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, image.Point{}, draw.Src)
	return img, nil
})

// demoPhoto is the demo photo as p looks.
func demoPhoto(p demoPerson) ([]byte, error) {
	src, err := astronautRGBA()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(src.Bounds())
	copy(img.Pix, src.Pix)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, p.Look(img), &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func enrollDemo(ctx context.Context, svc *faces.Service, actor models.Actor, sh models.Shop, g models.FaceGroup, p demoPerson, c faces.Consent) error {
	photo, err := demoPhoto(p)
	if err != nil {
		return err
	}
	staged, err := svc.CheckPhoto(ctx, sh.ID, photo)
	if err != nil {
		return err
	}
	_, err = svc.Enroll(ctx, actor, sh, faces.EnrollInput{GroupID: g.ID, Consent: c,
		Face: vendors.FaceInput{Name: p.Name, Gender: p.Gender, Age: p.Age, Custom: [5]string{p.Level}}}, staged)
	return err
}

// seedStrangers adds the faces the cameras would have collected, with
// visits over the past weeks (some regular, some not seen for a while).
func seedStrangers(s *sim.Server, groupID string, shop int) {
	now := time.Now()
	for k := range 6 {
		id, ok := s.SeedFace(sim.Face{GroupID: groupID, Gender: 1 + k%2, AgeRange: 3 + k%5, Created: now.AddDate(0, 0, -40)})
		if !ok {
			return
		}
		visits := 1 + (k*7+shop*3)%9
		for v := range visits {
			s.RecordArrival(id, now.Add(-time.Duration(k*4+v*3+1)*24*time.Hour).Add(time.Duration(10+v%8)*time.Hour))
		}
	}
}

func tint(dr, dg, db int) func(*image.RGBA) *image.RGBA {
	return func(m *image.RGBA) *image.RGBA {
		for i := 0; i < len(m.Pix); i += 4 {
			m.Pix[i] = clamp(int(m.Pix[i]) + dr)
			m.Pix[i+1] = clamp(int(m.Pix[i+1]) + dg)
			m.Pix[i+2] = clamp(int(m.Pix[i+2]) + db)
		}
		return m
	}
}

func mirror(m *image.RGBA) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(b)
	w := b.Dx()
	for y := 0; y < b.Dy(); y++ {
		src := m.Pix[y*m.Stride : y*m.Stride+4*w]
		dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x := 0; x < w; x++ {
			copy(dst[4*(w-1-x):4*(w-x)], src[4*x:4*x+4])
		}
	}
	return out
}

func gray(m *image.RGBA) *image.RGBA {
	for i := 0; i < len(m.Pix); i += 4 {
		v := uint8((299*int(m.Pix[i]) + 587*int(m.Pix[i+1]) + 114*int(m.Pix[i+2])) / 1000)
		m.Pix[i], m.Pix[i+1], m.Pix[i+2] = v, v, v
	}
	return m
}

// mark makes every shop's variant a different photo, its face included
// (the demo's shops share people; each shop's photos are its own).
func mark(m *image.RGBA, seed int) *image.RGBA {
	b := m.Bounds()
	for y := b.Min.Y + b.Dy()/5; y < b.Min.Y+b.Dy()/5+4; y++ {
		for x := b.Min.X + b.Dx()*2/5; x < b.Min.X+b.Dx()*2/5+4; x++ {
			m.SetRGBA(x, y, color.RGBA{uint8(seed * 37), uint8(seed * 91), uint8(seed * 53), 255})
		}
	}
	return m
}

func clamp(v int) uint8 { return uint8(min(255, max(0, v))) }
