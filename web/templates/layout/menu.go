package layout

// NavGroup is one group of the menu: Shops, People, Devices, Reports or
// Settings. Key "" is the top level (the start page).
type NavGroup struct {
	Key     string // message id of its label, "" for the top level
	Items   []NavItem
	Current bool // it holds the page shown
}

// Menu groups, in the order the menu shows them.
const (
	GroupShops    = "menu.group.shops"
	GroupPeople   = "menu.group.people"
	GroupDevices  = "menu.group.devices"
	GroupReports  = "menu.group.reports"
	GroupSettings = "menu.group.settings"
)

var groupOrder = []string{"", GroupShops, GroupPeople, GroupDevices, GroupReports, GroupSettings}

// sectionGroups places each section of the navigation in its group. A
// section not named here goes to Settings (the admin's corner), so an
// area that adds a link is never left out of the menu.
var sectionGroups = map[string]string{
	"home":         "",
	"shops":        GroupShops,
	"users":        GroupPeople,
	"streams":      GroupDevices,
	"senselink":    GroupDevices,
	"traffic":      GroupReports,
	"events":       GroupReports,
	"audit":        GroupReports,
	"vendors":      GroupSettings,
	"traffic_sync": GroupSettings,
}

// GroupOf is the menu group of a section; known is false for a section
// the table does not name (it is shown under Settings).
func GroupOf(section string) (group string, known bool) {
	g, ok := sectionGroups[section]
	if !ok {
		return GroupSettings, false
	}
	return g, true
}

// Groups sorts the navigation into its groups, in menu order, keeping the
// order of the items within a group and leaving out empty groups; current
// marks the group of the section shown.
func Groups(items []NavItem, current string) []NavGroup {
	by := map[string]*NavGroup{}
	for _, it := range items {
		g, _ := GroupOf(it.Section)
		if by[g] == nil {
			by[g] = &NavGroup{Key: g}
		}
		by[g].Items = append(by[g].Items, it)
		if it.Section == current && current != "" {
			by[g].Current = true
		}
	}
	var out []NavGroup
	for _, k := range groupOrder {
		if g := by[k]; g != nil {
			out = append(out, *g)
		}
	}
	return out
}
