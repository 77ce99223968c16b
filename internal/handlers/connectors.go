package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/connectors"
	"storelens/internal/i18n"
	"storelens/internal/models"
	connview "storelens/web/templates/connectors"
)

// registerConnectors hangs chain mode's routes (issue 15): the edges'
// pairing and tunnel endpoints and the instances' relay (no sign-in: the
// code, the key and the relay's signature are the credentials) and the
// shop's "On-site connector" tab.
func (s *Server) registerConnectors(rt routes) {
	if s.Connectors == nil {
		return
	}
	hub := s.Connectors
	rt.engine.POST(connectors.PairPath, func(c *gin.Context) { hub.ServePair(c.Writer, c.Request, c.ClientIP()) })
	rt.engine.GET(connectors.TunnelPath, func(c *gin.Context) { hub.ServeTunnel(c.Writer, c.Request, c.ClientIP()) })
	// The other instances' dials through the tunnels held here (their
	// signature is the credential; the load balancer never forwards it).
	rt.engine.GET(connectors.RelayPath, func(c *gin.Context) { hub.Relay(c.Writer, c.Request) })
	s.shopTabs = append(s.shopTabs, shopTab{Key: "edge.tab", Path: "/connector", Name: "connector"})
	rt.shop.GET("/connector", s.ShopConnector)
	rt.shopAdmin.POST("/connector/add", s.AddConnector)
	rt.shopAdmin.POST("/connector/revoke", s.RevokeConnector)
}

func (s *Server) connectorView(c *gin.Context, sh *models.Shop) (connview.View, error) {
	l := loc(c)
	tz := zone(sh.Timezone)
	st, err := s.Connectors.Status(c.Request.Context(), sh.ID)
	if err != nil {
		return connview.View{}, err
	}
	base := shopHref(sh.ID) + "/connector"
	v := connview.View{Header: s.shopHeader(c, sh, "connector"), Admin: currentUser(c).IsAdmin(),
		Paired: st.Paired, Pending: st.Pending, Online: st.Online, Name: st.Connector.Name, Refused: st.Refused,
		AddAction: base + "/add", RevokeAction: base + "/revoke"}
	w := wordConnector(l, tz, st)
	v.Version, v.LastSeen, v.RTT, v.BytesIn, v.BytesOut = w.version, w.lastSeen, w.rtt, w.bytesIn, w.bytesOut
	v.Hook, v.HasQueue = st.Hook, st.HasQueue
	if st.HasQueue {
		q := st.Queue
		v.QueueDepth, v.QueueMax, v.QueueFull, v.QueueRefused = q.Depth, q.Max, q.Full, q.Refused
		v.QueueAge = formatTime(&q.At, tz)
		if !q.FullAt.IsZero() {
			v.QueueFullAt = formatTime(&q.FullAt, tz)
		}
	}
	if st.Online {
		v.Since = formatTime(&st.Since, tz)
		v.Rate = l.Tf("edge3.rate_value", map[string]any{"In": formatBitrate(st.RateIn), "Out": formatBitrate(st.RateOut)})
		if v.WAN, err = s.wanRows(c, sh.ID, st.Flows); err != nil {
			return v, err
		}
	}
	return v, nil
}

// wanRows names each LAN host that crossed the uplink by the shop's camera
// recorded there, most traffic first.
func (s *Server) wanRows(c *gin.Context, shop uint, flows []connectors.Flow) ([]connview.WANRow, error) {
	if len(flows) == 0 {
		return nil, nil
	}
	cams, err := s.Store.ShopCameras(c.Request.Context(), shop)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, cam := range cams {
		host, _, err := net.SplitHostPort(cam.Address)
		if err != nil {
			host = cam.Address
		}
		if host != "" {
			names[host] = cam.Name
		}
	}
	flows = slices.Clone(flows)
	slices.SortStableFunc(flows, func(a, b connectors.Flow) int {
		return cmp.Compare(b.BytesIn+b.BytesOut, a.BytesIn+a.BytesOut)
	})
	l := loc(c)
	rows := make([]connview.WANRow, 0, len(flows))
	for _, f := range flows {
		name := names[f.Host]
		if name == "" {
			name = l.T("edge3.wan_unknown")
		}
		rows = append(rows, connview.WANRow{Name: name, Host: f.Host,
			Rate:    l.Tf("edge3.rate_value", map[string]any{"In": formatBitrate(f.RateIn), "Out": formatBitrate(f.RateOut)}),
			Traffic: l.Tf("edge.bytes_value", map[string]any{"In": formatBytes(f.BytesIn), "Out": formatBytes(f.BytesOut)})})
	}
	return rows, nil
}

// formatBitrate writes bits a second the way uplinks are sold (decimal:
// "12.3 Mbit/s").
func formatBitrate(bps int64) string {
	switch {
	case bps >= 1_000_000:
		return fmt.Sprintf("%.1f Mbit/s", float64(bps)/1e6)
	case bps >= 1_000:
		return fmt.Sprintf("%.1f kbit/s", float64(bps)/1e3)
	}
	return strconv.FormatInt(bps, 10) + " bit/s"
}

// connectorWords are the facts the connector tab and the Health tab both
// show, worded once.
type connectorWords struct{ version, lastSeen, rtt, bytesIn, bytesOut string }

func wordConnector(l *i18n.Localizer, tz *time.Location, st connectors.Status) connectorWords {
	w := connectorWords{version: st.Version, lastSeen: l.T("edge.never"), bytesIn: formatBytes(st.BytesIn), bytesOut: formatBytes(st.BytesOut)}
	if w.version == "" {
		w.version = "—"
	}
	if !st.LastSeen.IsZero() {
		w.lastSeen = formatTime(&st.LastSeen, tz)
	}
	if st.Online {
		w.rtt = st.RTT.Round(100 * time.Microsecond).String()
	}
	return w
}

// ShopConnector shows the shop's connector and its state.
func (s *Server) ShopConnector(c *gin.Context) {
	sh := currentShop(c)
	v, err := s.connectorView(c, sh)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, connview.Page(v))
}

// AddConnector makes a one-time pairing code and shows it, with the
// command to run, on this response only (nothing keeps it: only its hash
// is stored).
func (s *Server) AddConnector(c *gin.Context) {
	sh := currentShop(c)
	code, exp, err := s.Connectors.NewCode(c.Request.Context(), actor(c), sh.ID, text(c, "rotate") == "1")
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.connectorView(c, sh)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Code, v.Expires = code, formatTime(&exp, zone(sh.Timezone))
	v.Command = fmt.Sprintf("storelens-edge --server %s --pair %s --data-dir /var/lib/storelens-edge", s.publicBase(c), code)
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, connview.Page(v))
}

// RevokeConnector refuses the shop's connector from now on and drops its tunnel.
func (s *Server) RevokeConnector(c *gin.Context) {
	sh := currentShop(c)
	st, err := s.Connectors.Status(c.Request.Context(), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !st.Paired {
		v, verr := s.connectorView(c, sh)
		if verr != nil {
			s.fail(c, verr)
			return
		}
		v.Error = loc(c).T("edge.error.not_found")
		s.render(c, http.StatusOK, connview.Page(v))
		return
	}
	if err := s.Connectors.Revoke(c.Request.Context(), actor(c), sh.ID, st.Connector.ID); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			s.flash(c, false, loc(c).T("edge.error.not_found"))
		} else {
			s.fail(c, err)
			return
		}
	} else {
		s.flash(c, true, loc(c).T("edge.revoked"))
	}
	redirect(c, shopHref(sh.ID)+"/connector")
}

// publicBase is this server's URL as the browser reached it.
func (s *Server) publicBase(c *gin.Context) string {
	scheme := "http"
	if c.Request.TLS != nil || s.PublicHTTPS {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// formatBytes is a byte count in B, KB, MB, GB (1024-based).
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGT"[exp])
}
