package handlers

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud"
	evview "storelens/web/templates/events"
)

// shopCache keeps shop names and zones for the cards the hub renders (a
// card per event per language: no query each time).
type shopCache struct {
	store *models.Store
	mu    sync.Mutex
	shops map[uint]cachedShop
}

type cachedShop struct {
	name string
	loc  *time.Location
	at   time.Time
}

func newShopCache(st *models.Store) *shopCache {
	return &shopCache{store: st, shops: map[uint]cachedShop{}}
}

func (sc *shopCache) get(ctx context.Context, id uint) cachedShop {
	sc.mu.Lock()
	c, ok := sc.shops[id]
	sc.mu.Unlock()
	if ok && time.Since(c.at) < time.Minute {
		return c
	}
	m, err := sc.store.ShopBriefs(ctx, []uint{id})
	if err != nil {
		return cachedShop{loc: zone(models.DefaultTimezone)}
	}
	sh := m[id]
	c = cachedShop{name: sh.Name, loc: zone(sh.Timezone), at: time.Now()}
	sc.mu.Lock()
	sc.shops[id] = c
	sc.mu.Unlock()
	return c
}

// hasShopTab reports whether an area registered a shop tab of that name
// (the faces area's enrollment pages, say).
func (s *Server) hasShopTab(name string) bool {
	for _, t := range s.shopTabs {
		if t.Name == name {
			return true
		}
	}
	return false
}

// PersonHref is the stable address of a person's enrollment that events
// link to: /shops/{shop}/faces/vendor/{vendor}/{vendor person id}. The
// faces area serves it (redirecting to its own page for that face).
func PersonHref(shopID uint, vendor, personID string) string {
	return fmt.Sprintf("/shops/%d/faces/vendor/%s/%s", shopID, url.PathEscape(vendor), url.PathEscape(personID))
}

// eventCard builds a card in the reader's language and the shop's zone.
func (s *Server) eventCard(l *i18n.Localizer, ev *models.Event, shop cachedShop, showShop bool, now time.Time) evview.Card {
	c := evview.Card{ID: ev.ID, Face: ev.Kind == string(vendors.EventFace), Alert: ev.Alert, Group: ev.GroupName,
		Camera: ev.CameraName}
	if c.Camera == "" {
		c.Camera = ev.DeviceSN
	}
	if showShop {
		c.Shop = shop.name
	}
	at := ev.OccurredAt.In(shop.loc)
	c.DateTime = at.Format(time.RFC3339)
	if y, m, d := now.In(shop.loc).Date(); at.Year() == y && at.Month() == m && at.Day() == d {
		c.Time = at.Format("15:04:05")
	} else {
		c.Time = at.Format("2006-01-02 15:04:05")
	}
	switch {
	case ev.Picture != "":
		c.Picture = fmt.Sprintf("/events/%d/picture", ev.ID)
	case ev.PictureSrc != "" && ev.PictureTries < 5:
		c.Pending = true
	}
	if !c.Face {
		c.Title = l.T("events.motion." + motionKey(ev.Motion))
		if ev.ClipSrc != "" {
			c.Clip = fmt.Sprintf("/events/%d/clip", ev.ID)
		}
		return c
	}
	if ev.GroupKind != "" {
		c.GroupKind = l.T("events.kind." + ev.GroupKind)
	}
	switch {
	case ev.PersonName != "":
		c.Title = ev.PersonName
	case ev.GroupKind == "" || ev.GroupKind == string(vendors.GroupStranger):
		c.Title = l.T("events.stranger")
	default:
		c.Title = c.GroupKind
	}
	// Say each thing once: no "Stranger · stranger · Stranger".
	if c.GroupKind == c.Title || strings.EqualFold(ev.GroupName, ev.GroupKind) {
		c.GroupKind = ""
	}
	if ev.GroupKind == string(vendors.GroupStranger) && strings.EqualFold(ev.GroupName, "stranger") {
		c.Group = ""
	}
	r := vendors.AgeRange(ev.AgeRange)
	if !r.Valid() && ev.Age > 0 {
		c.AgeRange = fmt.Sprint(ev.Age)
	} else {
		c.AgeRange = r.Label()
	}
	switch vendors.Gender(ev.Gender) {
	case vendors.GenderMale:
		c.Gender = l.T("events.gender.male")
	case vendors.GenderFemale:
		c.Gender = l.T("events.gender.female")
	}
	if ev.Visits > 0 {
		c.Visits = l.Tn("events.visits", ev.Visits, nil)
	}
	if s.hasShopTab("faces") {
		switch {
		case ev.CloudPersonID != "":
			// A Sunmi camera names the face's id at Sunmi Store too: the
			// library StoreLens enrolls in.
			c.PersonHref = PersonHref(ev.ShopID, sunmicloud.Name, ev.CloudPersonID)
		case ev.PersonID != "":
			c.PersonHref = PersonHref(ev.ShopID, ev.Vendor, ev.PersonID)
		}
	}
	if ev.Alert {
		c.AlertText = l.Tf("events.alert_text", map[string]any{"Name": c.Title, "Group": ev.GroupName, "Camera": c.Camera, "Shop": shop.name})
	}
	return c
}

func motionKey(m string) string {
	switch vendors.MotionKind(m) {
	case vendors.MotionKindSound, vendors.MotionKindBoth, vendors.MotionKindPerson:
		return m
	}
	return string(vendors.MotionKindPicture)
}

// renderEventCard is the hub's renderer: one card's HTML in a language.
func (s *Server) renderEventCard(ctx context.Context, ev *models.Event, lang string) ([]byte, error) {
	l := s.I18n.For(lang)
	card := s.eventCard(l, ev, s.Events.shops.get(ctx, ev.ShopID), true, time.Now())
	var buf bytes.Buffer
	err := evview.EventCard(card).Render(i18n.WithLocalizer(ctx, l), &buf)
	return buf.Bytes(), err
}

func (s *Server) eventCards(ctx context.Context, l *i18n.Localizer, evs []models.Event, showShop bool) []evview.Card {
	now := time.Now()
	out := make([]evview.Card, 0, len(evs))
	for i := range evs {
		out = append(out, s.eventCard(l, &evs[i], s.Events.shops.get(ctx, evs[i].ShopID), showShop, now))
	}
	return out
}
