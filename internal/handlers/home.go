package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/web/templates/home"
)

// dashboardShops bounds the home page's shop table; the traffic page has
// them all.
const dashboardShops = 50

// Home is the start page: a dashboard of my shops (today's entries and
// entry rate against the same weekday last week, cameras offline) and the
// latest events where the event feed exists.
func (s *Server) Home(c *gin.Context) {
	ctx := c.Request.Context()
	sc := scope(c)
	shops, err := s.Store.CountShops(ctx, sc)
	if err != nil {
		s.fail(c, err)
		return
	}
	total, offline, err := s.Store.CameraStats(ctx, sc)
	if err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.Store.OfflineCameras(ctx, sc, 20)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := home.View{Shops: shops, Cameras: total, Offline: offline, NoShopsYet: shops == 0, IsAdmin: currentUser(c).IsAdmin()}
	for _, oc := range list {
		v.OfflineList = append(v.OfflineList, home.OfflineCamera{
			Href: cameraHref(oc.ShopID, oc.ID), Name: oc.Name, SN: oc.SN, Shop: oc.ShopName,
			LastSeen: formatTime(oc.LastConnectAt, zone(oc.ShopTimezone)),
		})
	}
	if err := s.homeConnectors(c, sc, &v); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.homeAlerts(c, sc, &v); err != nil {
		s.fail(c, err)
		return
	}
	if s.Traffic.Service != nil && shops > 0 {
		if err := s.dashboard(c, &v); err != nil {
			s.fail(c, err)
			return
		}
	}
	// The events area fills v.LatestEvents (a templ component) here once
	// its feed exists; the page shows it under the shops.
	s.render(c, http.StatusOK, home.Page(v))
}

// dashboard adds each shop's today: entries so far and the entry rate,
// against the same weekday last week up to the same time of day.
func (s *Server) dashboard(c *gin.Context, v *home.View) error {
	ctx := c.Request.Context()
	l := loc(c)
	rows, _, err := s.Store.ListShops(ctx, scope(c), models.ShopFilter{Page: 1, PerPage: dashboardShops})
	if err != nil {
		return err
	}
	svc := s.Traffic.Service
	now := time.Now()
	if svc.Now != nil {
		now = svc.Now()
	}
	// Today and the same hours a week ago, read for all the table's shops
	// at once (per time zone: "today" is the shop's), not twice per shop.
	type week struct {
		today *models.TrafficDay
		last  int64
		hours bool
	}
	byShop := map[uint]*week{}
	byZone := map[string][]uint{}
	for _, r := range rows {
		byShop[r.ID] = &week{}
		byZone[r.Timezone] = append(byZone[r.Timezone], r.ID)
	}
	for tz, ids := range byZone {
		z := traffic.Zone(tz)
		today := svc.Today(z)
		days, err := s.Store.TrafficDayRows(ctx, ids, today.String(), today.String())
		if err != nil {
			return err
		}
		for i := range days {
			byShop[days[i].ShopID].today = &days[i]
		}
		hours, err := s.Store.TrafficHourRows(ctx, ids, today.AddDays(-7).Start(z).Unix(), now.Add(-7*24*time.Hour).Unix())
		if err != nil {
			return err
		}
		for _, h := range hours {
			w := byShop[h.ShopID]
			w.last += h.Entries
			w.hours = true
		}
	}
	var todaySum int64
	for _, r := range rows {
		d := home.DashShop{Href: shopHref(r.ID) + "/traffic?preset=today", Name: r.Name, City: r.City, Offline: r.Offline,
			CamerasHref: shopHref(r.ID), Entries: "—", Rate: "—"}
		if w := byShop[r.ID]; w.today != nil {
			t, last := w.today, w.last
			d.Entries = formatCount(t.Entries)
			if t.Entries+t.PassersBy > 0 {
				d.Rate = formatRateOf(l, t.Entries, t.PassersBy)
			}
			todaySum += t.Entries
			if w.hours && last > 0 {
				ch := float64(t.Entries-last) / float64(last)
				d.Change, d.Up, d.Down = signed(ch*100, 1)+"%", ch > 0, ch < 0
			}
		}
		v.Traffic = append(v.Traffic, d)
	}
	v.TodayEntries = formatCount(todaySum)
	v.LastWeekNote = l.T("home.vs_last_week")
	return nil
}
