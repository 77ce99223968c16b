package layout

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"storelens/internal/i18n"
)

var adminNav = []NavItem{{"/", "nav.home", "home"}, {"/shops", "nav.shops", "shops"}, {"/traffic", "nav.traffic", "traffic"},
	{"/events", "nav.events", "events"}, {"/settings/vendors", "nav.vendors", "vendors"}, {"/users", "nav.users", "users"},
	{"/audit", "nav.audit", "audit"}, {"/settings/traffic", "nav.traffic_sync", "traffic_sync"},
	{"/video/streams", "nav.streams", "streams"}, {"/senselink", "devices.nav.senselink", "senselink"}, {"/new", "nav.new", "brand_new"}}

func TestGroups(t *testing.T) {
	gs := Groups(adminNav, "audit")
	var got []string
	for _, g := range gs {
		var secs []string
		for _, it := range g.Items {
			secs = append(secs, it.Section)
		}
		mark := ""
		if g.Current {
			mark = "*"
		}
		got = append(got, mark+g.Key+"="+strings.Join(secs, ","))
	}
	want := "=home|menu.group.shops=shops|menu.group.people=users|menu.group.devices=streams,senselink|" +
		"*menu.group.reports=traffic,events,audit|menu.group.settings=vendors,traffic_sync,brand_new"
	if strings.Join(got, "|") != want {
		t.Errorf("groups\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
	// A manager's links: only the groups that have one.
	gs = Groups(adminNav[:4], "")
	if len(gs) != 3 || gs[2].Key != GroupReports || gs[2].Current {
		t.Errorf("manager: %+v", gs)
	}
	if _, known := GroupOf("brand_new"); known {
		t.Error("an unknown section is known")
	}
}

func TestMenuMarksTheCurrentPage(t *testing.T) {
	ctx := i18n.WithLocalizer(context.Background(), i18n.MustLoad().For("zh-CN"))
	var buf bytes.Buffer
	if err := navLinks("traffic", adminNav[:10], "nav nav-wide").Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	cur := regexp.MustCompile(`<a [^>]*aria-current="page"[^>]*>([^<]*)</a>`).FindAllStringSubmatch(html, -1)
	if len(cur) != 1 || !strings.Contains(cur[0][0], `href="/traffic"`) || !strings.Contains(cur[0][0], `class="active"`) {
		t.Errorf("current links: %q", cur)
	}
	for _, label := range []string{"设备", "报表", "设置"} {
		if !strings.Contains(html, `aria-label="`+label+`"`) {
			t.Errorf("no group %s:\n%s", label, html)
		}
	}
	if !regexp.MustCompile(`class="nav-group current"[^>]*aria-label="报表"`).MatchString(html) {
		t.Errorf("the Reports group is not marked current:\n%s", html)
	}
	// Shops, whose one link says what its label says, is just the link;
	// People (Users) keeps its label.
	if strings.Contains(html, `aria-label="门店"`) || !strings.Contains(html, `aria-label="人员"`) {
		t.Errorf("group labels:\n%s", html)
	}
}
