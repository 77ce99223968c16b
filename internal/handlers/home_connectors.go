package handlers

import (
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/connectors"
	"storelens/internal/models"
	devview "storelens/web/templates/devices"
	"storelens/web/templates/home"
)

// homeConnectors counts the shops' on-site connectors and those offline
// (chain mode); one offline longer than connectors.OfflineAfter joins the
// offline list, as an offline camera does.
func (s *Server) homeConnectors(c *gin.Context, sc models.Scope, v *home.View) error {
	if s.Connectors == nil {
		return nil
	}
	list, err := s.Store.ActiveConnectors(c.Request.Context(), sc)
	if err != nil {
		return err
	}
	now := s.Store.Now()
	l := loc(c)
	for _, cs := range list {
		v.Connectors++
		online := s.Connectors.Online(cs.ShopID, cs.ID)
		if online {
			continue
		}
		v.ConnectorsOffline++
		if connectors.Flagged(online, cs.LastSeen, cs.CreatedAt, now) && len(v.OfflineList) < 20 {
			last := l.T("edge.never")
			if cs.LastSeen != nil {
				last = formatTime(cs.LastSeen, zone(cs.ShopTimezone))
			}
			v.OfflineList = append(v.OfflineList, home.OfflineCamera{Href: shopHref(cs.ShopID) + "/connector",
				Name: l.T("edge.title"), SN: cs.Name, Shop: cs.ShopName, LastSeen: last})
		}
	}
	return nil
}

// connectorHealth is the shop's connector on its Health tab (nil: none).
func (s *Server) connectorHealth(c *gin.Context, sh *models.Shop) (*devview.ConnectorHealth, error) {
	if s.Connectors == nil {
		return nil, nil
	}
	st, err := s.Connectors.Status(c.Request.Context(), sh.ID)
	if err != nil || !st.Paired {
		return nil, err
	}
	l, tz := loc(c), zone(sh.Timezone)
	w := wordConnector(l, tz, st)
	h := &devview.ConnectorHealth{Href: shopHref(sh.ID) + "/connector", Online: st.Online, Refused: st.Refused,
		Version: w.version, LastSeen: w.lastSeen, RTT: w.rtt, BytesIn: w.bytesIn, BytesOut: w.bytesOut}
	var seen *time.Time
	if !st.LastSeen.IsZero() {
		seen = &st.LastSeen
	}
	h.Flagged = connectors.Flagged(st.Online, seen, st.Connector.CreatedAt, s.Store.Now())
	if st.HasQueue {
		h.Queue = l.Tf("edge2.queue_value", map[string]any{"N": st.Queue.Depth, "Max": st.Queue.Max, "At": formatTime(&st.Queue.At, tz)})
		h.QueueFull = st.Queue.Full
	}
	return h, nil
}
