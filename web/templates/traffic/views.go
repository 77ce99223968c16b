// Package traffic holds the traffic pages: reports with a chart and a
// table, demographics, visit frequency, shop comparison, the sync settings
// and the OpRetail forms. Views are plain structs filled by the handlers.
package traffic

// Option is one choice of a select or a checkbox list.
type Option struct {
	Value, Label string
	Selected     bool
}

// Tab is one of the traffic sub-pages.
type Tab struct {
	Href, Label string
	Active      bool
}

// FilterView is the period form: presets, a custom range, the row size.
type FilterView struct {
	Action         string
	Presets, Grans []Option
	From, To       string
	Custom         bool
	NoGran         bool
	Error          string
}

// Figure is a key figure with its change against the previous period.
type Figure struct {
	Key, Label, Value, Change, Note string
	Up, Down, Unknown               bool
}

// Column is a table column.
type Column struct {
	Key, Label, Note string
	Num              bool
}

// TableRow is a table row: a label and the cells, already formatted.
type TableRow struct {
	Label         string
	Cells         []string
	Today, NoData bool
}

// Note is a footnote.
type Note struct {
	Mark, Text string
}

// BackfillView is a backfill's progress.
type BackfillView struct {
	State, StateLabel, Progress string
	Done, Total                 int
	From, To, Error             string
	CanPause, CanResume         bool
}

// SyncView is a shop's sync state and its controls.
type SyncView struct {
	Source, LastSuccess, LastAttempt, LastError string
	// Counters are the door cameras that count the shop on the LAN, each
	// linking to its door line and flow settings.
	Counters                              []Tab
	CanAdmin                              bool
	SyncAction, BackfillAction            string
	PauseAction, ResumeAction, StatusHref string
	SourceHref                            string
	BackfillFrom, BackfillTo              string
	Backfill                              *BackfillView
}

// ReportView is a traffic report.
type ReportView struct {
	Base                  string
	Tabs                  []Tab
	Filter                FilterView
	RangeLabel, PrevLabel string
	Figures               []Figure
	Chart                 string // JSON for traffic.js
	ChartZone             string // in which time zone the chart's times are
	Columns               []Column
	Rows                  []TableRow
	Total                 TableRow
	Notes                 []Note
	ExportHref, HoursHref string
	ChartHref             string // the chart as a PNG picture
	Live                  bool
	LiveHref              string
	Empty                 bool
	NoSource              bool
	AllShops              bool
	ShopCount             int
	Sync                  *SyncView
}

// AgeRow is one age range of the pyramid, oldest first.
type AgeRow struct {
	Label, Male, Female, Total   string
	Strangers, Regulars, Members string
	MaleW, FemaleW, Y            int
}

// DemographicsView is the age and gender page.
type DemographicsView struct {
	Tabs                   []Tab
	Filter                 FilterView
	RangeLabel             string
	Days                   int
	Rows                   []AgeRow
	Male, Female           string
	TotalMale, TotalFemale int64
}

// FrequencyRow is how many people came a number of times.
type FrequencyRow struct {
	Visits, Strangers, Regulars, Members, Total string
}

// FrequencyView is the visit-frequency page.
type FrequencyView struct {
	Tabs           []Tab
	Action         string
	Periods        []Option
	Period         string
	People, Visits string
	Rows           []FrequencyRow
}

// RankRow is a shop's place by entries.
type RankRow struct {
	Place                    int
	Shop, Href               string
	Entries, PassersBy, Rate string
}

// CompareView compares shops side by side and ranks them.
type CompareView struct {
	Tabs       []Tab
	Filter     FilterView
	Shops      []Option
	Metrics    []Option
	Metric     string
	RangeLabel string
	Columns    []string
	Rows       []TableRow
	Total      TableRow
	Chart      string
	ChartZone  string
	Ranking    []RankRow
}

// SyncRow is a shop in the sync settings.
type SyncRow struct {
	Shop, Href, Source, LastSuccess, Error, Backfill string
}

// SettingsView is Settings → Traffic sync.
type SettingsView struct {
	Interval string
	Errors   map[string][]string
	Rows     []SyncRow
}

// OpRetailFormView adds or edits an OpRetail account. Secrets are
// write-only.
type OpRetailFormView struct {
	Action                      string
	IsNew                       bool
	Name, BaseURL, AppKey, User string
	Errors                      map[string][]string
}

// SourceView links a shop to its OpRetail department.
type SourceView struct {
	Action, Cancel   string
	AccountID, DepID string
	Accounts         []Option
	Errors           map[string][]string
	HasSunmi         bool
}
