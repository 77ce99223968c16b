package handlers

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"storelens/internal/alerts"
	"storelens/internal/models"
	"storelens/web/templates/home"
)

// homeAlerts lists the alert channels of the reader's shops that keep
// failing (alerts.FlagStreak attempts in a row), as their pages flag
// them: a channel nobody sees failing is a group that hears nothing.
func (s *Server) homeAlerts(c *gin.Context, sc models.Scope, v *home.View) error {
	if s.Alerts.Service == nil {
		return nil
	}
	list, err := s.Store.FailingAlertChannels(c.Request.Context(), sc, alerts.FlagStreak, 20)
	if err != nil {
		return err
	}
	l := loc(c)
	for _, ch := range list {
		f := home.FailingChannel{Name: ch.Name, Kind: l.T("alerts.kind." + ch.Kind), Shop: ch.ShopName, Error: ch.LastError,
			Href: fmt.Sprintf("/settings/alerts/%d", ch.ID)}
		if ch.ShopID != nil {
			f.Href = fmt.Sprintf("%s/alerts/%d", shopHref(*ch.ShopID), ch.ID)
		} else {
			f.Shop = l.T("alerts.scope_chain")
		}
		tz := ch.ShopTimezone
		if tz == "" { // chain-wide
			tz = models.DefaultTimezone
		}
		f.At = formatTime(ch.LastFailAt, zone(tz))
		v.FailingChannels = append(v.FailingChannels, f)
	}
	return nil
}
