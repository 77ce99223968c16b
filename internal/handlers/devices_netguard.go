package handlers

import (
	"time"

	"github.com/gin-gonic/gin"

	devview "storelens/web/templates/devices"
)

// refusals are the shop's outbound fetches the policy refused (netguard's
// counters, kept in memory since the server started), for the Health tab.
func (s *Server) refusals(c *gin.Context, shopID uint, tz *time.Location) ([]devview.RefusalRow, int64) {
	if s.Events.Service == nil {
		return nil, 0
	}
	l := loc(c)
	var rows []devview.RefusalRow
	var total int64
	for _, n := range s.Events.Service.Guard().Counts(shopID) {
		last := n.Last
		what := n.LastWhat
		if what != "" {
			what = l.T("netguard.what." + what)
		}
		rows = append(rows, devview.RefusalRow{Reason: string(n.Reason), Label: l.T("netguard.reason." + string(n.Reason)),
			Count: n.N, Last: formatTime(&last, tz), LastHost: n.LastHost, LastWhat: what})
		total += n.N
	}
	return rows, total
}
