package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
	devview "storelens/web/templates/devices"
)

// healthWindow is how far back the health page looks.
const healthWindow = 7 * 24 * time.Hour

// ShopHealth is the shop's camera health: who is online, who is offline
// since when, uptime and outages over the last week, and each camera's
// status changes.
func (s *Server) ShopHealth(c *gin.Context) {
	sh := currentShop(c)
	ctx := c.Request.Context()
	l := loc(c)
	tz := zone(sh.Timezone)
	now := s.Store.Now()
	since := now.Add(-healthWindow)
	cams, err := s.Store.ShopCameras(ctx, sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := devview.HealthView{Header: s.shopHeader(c, sh, "health"), Total: len(cams), Window: int(healthWindow.Hours() / 24)}
	var longest time.Duration
	for _, cam := range cams {
		events, before, err := s.Store.CameraStatusHistory(ctx, cam.ID, since)
		if err != nil {
			s.fail(c, err)
			return
		}
		row := devview.HealthRow{Href: cameraHref(sh.ID, cam.ID), Name: cam.Name, SN: cam.SN, Vendor: s.vendorLabel(loc(c), cam.Vendor),
			Online: cam.Online, CheckedAt: formatTime(cam.StatusCheckedAt, tz), Uptime: "—"}
		if cam.Vendor == sunmilan.Name {
			row.Href = lanHref(sh.ID, cam.ID)
		}
		if cam.Online {
			v.Online++
		} else {
			v.Offline++
			off := cam.OfflineSince
			if off == nil {
				off = cam.LastConnectAt // Sunmi's connect_time: the last time it was there
			}
			if off != nil {
				row.OfflineSince = formatTime(off, tz)
				d := now.Sub(*off)
				row.For = l.Tf("devices.health.for", map[string]any{"D": humanDuration(l, d)})
				if d > longest {
					longest = d
				}
			}
		}
		up, known, outages := uptime(events, before, since, now)
		row.Outages = outages
		if known > 0 {
			row.Uptime = fmt.Sprintf("%.1f%%", 100*float64(up)/float64(known))
		}
		for i := len(events) - 1; i >= 0 && len(row.Changes) < 10; i-- {
			t := events[i].At
			row.Changes = append(row.Changes, devview.StatusChange{At: formatTime(&t, tz), Online: events[i].Online})
		}
		v.Rows = append(v.Rows, row)
	}
	if longest > 0 {
		v.Longest = humanDuration(l, longest)
	}
	v.Refused, v.RefusedTotal = s.refusals(c, sh.ID, tz)
	if v.Connector, err = s.connectorHealth(c, sh); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, devview.Health(v))
}

// uptime sums the online time within [since, now] from the status changes
// (oldest first) and the last change before since: time before the first
// known state is not counted. outages counts the changes to offline.
func uptime(events []models.CameraStatusEvent, before *models.CameraStatusEvent, since, now time.Time) (up, known time.Duration, outages int) {
	state, at, have := false, since, false
	if before != nil {
		state, have = before.Online, true
	}
	for _, e := range events {
		if have {
			d := e.At.Sub(at)
			known += d
			if state {
				up += d
			}
		}
		if !e.Online && (!have || state) {
			outages++
		}
		state, at, have = e.Online, e.At, true
	}
	if have {
		d := now.Sub(at)
		known += d
		if state {
			up += d
		}
	}
	return up, known, outages
}

// humanDuration is "2 d 3 h" or "3 h 20 min".
func humanDuration(l *i18n.Localizer, d time.Duration) string {
	days, hours, mins := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	if days > 0 {
		return l.Tf("devices.dur.dh", map[string]any{"D": days, "H": hours})
	}
	return l.Tf("devices.dur.hm", map[string]any{"H": hours, "M": mins})
}
