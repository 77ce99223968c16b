package handlers_test

import (
	"bytes"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"storelens/internal/models"
)

// TestTrafficChartPNG: the report's chart as a picture, for the page's own
// filter: a PNG that decodes at the size drawn, named like the CSV, for
// those who may see the shop only; too many bars is a message, not an
// unreadable picture.
func TestTrafficChartPNG(t *testing.T) {
	a := newTrafficApp(t)
	a.sync(t, a.shopA.ID)
	b := a.login("manager", managerPW)
	path := "/shops/" + itoa(a.shopA.ID) + "/traffic"
	page := b.get(path + "?preset=last7&gran=day")
	page.has(t, `data-testid="traffic-export-chart"`, "chart.png?gran=day&amp;preset=last7")
	r := b.get(path + "/chart.png?preset=last7&gran=day")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Fatalf("chart: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, `filename="traffic-`) || !strings.Contains(cd, ".png") {
		t.Fatalf("disposition %q", cd)
	}
	img, err := png.Decode(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if sz := img.Bounds().Size(); sz.X != 960 || sz.Y != 480 || len(r.body) > 2<<20 {
		t.Fatalf("picture %v, %d bytes", sz, len(r.body))
	}
	// A year by day is 365 bars: refused with the reason, in the page's words.
	r = b.get(path + "/chart.png?preset=custom&from=2025-01-01&to=2025-12-31&gran=day")
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "at most 200 bars") {
		t.Fatalf("a year by day: %d %q", r.status, excerpt(r.body))
	}
	// Another shop's manager cannot draw this shop's chart.
	a.addUser("manager-b", managerPW, models.RoleManager, a.shopB.ID)
	other := a.login("manager-b", managerPW)
	if r := other.get(path + "/chart.png?preset=last7&gran=day"); r.status != http.StatusNotFound {
		t.Fatalf("another shop's chart: %d", r.status)
	}
}
