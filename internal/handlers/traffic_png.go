package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/models"
	"storelens/internal/reportchart"
	"storelens/internal/traffic"
)

// maxChartBars bounds the PNG's groups: a month by day is 31, a year by
// month 12, a week by hour 168. Past it the bars would be hairlines; the
// page's own chart (drawn in the browser) has no such limit.
const maxChartBars = 200

// chartOfReport is the report's chart as bars: entries and passers-by per
// row (every vendor counts both: traffic.Metrics). Labels are
// the rows' own (dates, "2026-W02", hours): digits only, as the picture has
// no CJK font (reportchart). A row without data is a gap, drawn as 0.
func chartOfReport(rep traffic.Report) reportchart.Bars {
	entries := reportchart.Series{Legend: "entries"}
	passers := reportchart.Series{Legend: "passers-by"}
	b := reportchart.Bars{Title: fmt.Sprintf("%s .. %s", rep.Query.From, rep.Query.To), Width: 720, Height: 360}
	for _, r := range rep.Rows {
		b.Labels = append(b.Labels, r.Label)
		e, p := 0.0, 0.0
		if !r.NoData {
			e, p = float64(r.Counts.Entries), float64(r.Counts.PassersBy)
		}
		entries.Values = append(entries.Values, e)
		passers.Values = append(passers.Values, p)
	}
	b.Series = []reportchart.Series{entries, passers}
	b.ValueLabels = len(b.Labels) <= 31
	return b
}

// reportPNG answers with the report's chart as a PNG picture, for the same
// shops and period as the page (its filter), named like the CSV.
func (s *Server) reportPNG(c *gin.Context, ids []uint, z *time.Location, name string) {
	f, rep, ok := s.filteredReport(c, ids, z)
	if !ok {
		return
	}
	l := loc_(c)
	if len(rep.Rows) > maxChartBars {
		c.String(http.StatusUnprocessableEntity, l.Tf("traffic.png_too_many", map[string]any{"Max": maxChartBars}))
		return
	}
	png, err := reportchart.PNG(chartOfReport(rep))
	if err != nil {
		s.fail(c, err)
		return
	}
	downloadName(c, l.T("traffic.file.chart"), name, f.q, "png")
	c.Data(http.StatusOK, "image/png", png)
}

// ShopTrafficPNG is a shop's report chart as a picture.
func (s *Server) ShopTrafficPNG(c *gin.Context) {
	sh := currentShop(c)
	s.reportPNG(c, []uint{sh.ID}, traffic.Zone(sh.Timezone), sh.Name)
}

// AllTrafficPNG is the all-shops report chart as a picture.
func (s *Server) AllTrafficPNG(c *gin.Context) {
	shops, err := s.myShops(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.reportPNG(c, shopIDs(shops), traffic.Zone(models.DefaultTimezone), loc_(c).T("traffic.all_shops_file"))
}
