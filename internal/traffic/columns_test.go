package traffic_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"testing"

	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
)

func keys(ms []traffic.Metric) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Key)
	}
	return out
}

// What a camera counts is read from the vendors' bits and, for people
// leaving, from the data: OpRetail's face devices send outFlowCount 0.
func TestCounted(t *testing.T) {
	row := func(have vendors.Have, entries, left int64) traffic.Row {
		return traffic.Row{Have: have, Counts: models.TrafficCounters{Entries: entries, LeftCount: left}}
	}
	sunmi := vendors.HaveFaceSplit | vendors.HaveTags | vendors.HaveUnique
	op := vendors.HaveLeft | vendors.HaveUnique
	cases := []struct {
		name string
		rows []traffic.Row
		want vendors.Have
	}{
		{"sunmi cloud never counts leaving", []traffic.Row{row(sunmi, 30, 0)}, sunmi},
		{"head-shoulder counter: people left", []traffic.Row{row(op, 10, 0), row(op, 12, 9)}, op},
		{"face devices: entries and nobody left", []traffic.Row{row(op, 10, 0), row(op, 12, 0)}, vendors.HaveUnique},
		{"nobody came: cannot tell, keep the vendor's word", []traffic.Row{row(op, 0, 0)}, op},
		{"rows without data count for nothing", []traffic.Row{{Have: op, NoData: true, Counts: models.TrafficCounters{Entries: 5, LeftCount: 5}}, row(op, 10, 0)}, vendors.HaveUnique},
		{"no rows", nil, 0},
	}
	for _, c := range cases {
		if got := traffic.Counted(c.rows...); got != c.want {
			t.Errorf("%s: %05b, want %05b", c.name, got, c.want)
		}
	}
	if got := keys(traffic.Shown(op &^ vendors.HaveLeft)); slices.Contains(got, "left") || !slices.Contains(got, "uniq_total") || !slices.Contains(got, "entry_rate") {
		t.Errorf("shown %v", got)
	}
	if got := keys(traffic.Shown(op)); !slices.Contains(got, "left") || slices.Contains(got, "strangers") {
		t.Errorf("shown %v", got)
	}
}

// Percentages round half up to one decimal and take the catalogue's
// pattern; nobody outside is no rate at all.
func TestPercent(t *testing.T) {
	p := traffic.Percent{Suffix: "%"}
	for _, c := range []struct {
		e, pass int64
		want    string
	}{{234, 766, "23.4%"}, {1, 2, "33.3%"}, {5, 11, "31.3%"}, {2, 1, "66.7%"}, {3, 0, "100.0%"}, {0, 9, "0.0%"}, {0, 0, ""}} {
		if got := p.Format(c.e, c.pass); got != c.want {
			t.Errorf("%d/%d: %q, want %q", c.e, c.e+c.pass, got, c.want)
		}
	}
	if got := (traffic.Percent{Prefix: "%", Suffix: ""}).Format(1, 3); got != "%25.0" {
		t.Errorf("prefix pattern: %q", got)
	}
}

// The report CSV: the rate as a percentage, a cell the camera does not
// count marked; the hourly export of an OpRetail shop with face devices
// leaves people leaving out, or marks it when another shop counts them.
func TestCSVPercentAndNotCounted(t *testing.T) {
	format := traffic.CSVFormat{Percent: traffic.Percent{Suffix: "%"}, NotCounted: "not counted by this camera"}
	rep := traffic.Report{Rows: []traffic.Row{
		{Label: "2026-01-01", Have: vendors.HaveLeft, Counts: models.TrafficCounters{Entries: 234, PassersBy: 766, LeftCount: 200}},
		{Label: "2026-01-02", Have: 0, Counts: models.TrafficCounters{Entries: 5, PassersBy: 11}}, // a camera without leaving
		{Label: "2026-01-03", NoData: true},
		{Label: "2026-01-04", Have: vendors.HaveLeft}, // nobody outside: no rate
	}}
	left, _ := traffic.MetricByKey("left")
	rate, _ := traffic.MetricByKey("entry_rate")
	var b bytes.Buffer
	if err := traffic.WriteReportCSV(&b, []string{"Day", "Entry rate", "Left"}, rep, []traffic.Metric{rate, left}, format); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Day", "Entry rate", "Left"}, {"2026-01-01", "23.4%", "200"}, {"2026-01-02", "31.3%", "not counted by this camera"},
		{"2026-01-03", "", ""}, {"2026-01-04", "", "0"}}
	if !slices.EqualFunc(recs, want, slices.Equal) {
		t.Fatalf("csv\n got %q\nwant %q", recs, want)
	}

	f := newFixture(t)
	ctx := context.Background()
	f.backfill(t, f.shO.ID, "2026-01-02", "2026-01-03")
	f.backfill(t, f.shA.ID, "2026-01-02", "2026-01-03")
	from, to := date(t, "2026-01-02"), date(t, "2026-01-03")
	op, err := f.svc.CountedOver(ctx, f.shO.ID, f.shanghi, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if op.Has(vendors.HaveLeft) || !op.Has(vendors.HaveUnique) {
		t.Fatalf("OpRetail face devices counted %05b", op)
	}
	q := traffic.Query{ShopIDs: []uint{f.shO.ID}, Location: f.shanghi, From: from, To: to, Gran: traffic.ByDay}
	r, _ := f.svc.Report(ctx, q)
	if !r.Rows[0].Have.Has(vendors.HaveLeft) || r.Total.Counts.Entries == 0 || r.Total.Counts.LeftCount != 0 {
		t.Fatalf("the stored rows should claim leaving with 0 left: %+v", r.Total)
	}
	if slices.Contains(keys(traffic.Shown(traffic.Counted(r.Rows...))), "left") {
		t.Fatal("the report shows a Left column for face devices")
	}
	sunmi, _ := f.svc.CountedOver(ctx, f.shA.ID, f.shanghi, from, to)
	shops := []traffic.ExportShop{{ID: f.shO.ID, Name: "O", Location: f.shanghi, Counted: op}, {ID: f.shA.ID, Name: "A", Location: f.shanghi, Counted: sunmi}}
	b.Reset()
	metrics := traffic.Shown(op | sunmi | vendors.HaveLeft) // as if a third shop counted leaving
	if _, err := f.svc.ExportHours(ctx, &b, nil, make([]string, 3+len(metrics)), shops, from, to, metrics, format); err != nil {
		t.Fatal(err)
	}
	recs, err = csv.NewReader(bytes.NewReader(b.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(key string) int {
		return 3 + slices.IndexFunc(metrics, func(m traffic.Metric) bool { return m.Key == key })
	}
	seen := map[string]bool{}
	for _, rec := range recs[1:] {
		shop := rec[0]
		seen[shop] = true
		if rec[col("left")] != "not counted by this camera" {
			t.Fatalf("%s left %q", shop, rec[col("left")])
		}
		face := rec[col("entries_face")]
		if (shop == "O") != (face == "not counted by this camera") {
			t.Fatalf("%s entries with a face %q", shop, face)
		}
		if r := rec[col("entry_rate")]; r != "" && r[len(r)-1] != '%' {
			t.Fatalf("rate %q", r)
		}
	}
	if !seen["O"] || !seen["A"] || len(recs) != 1+2*2*24 {
		t.Fatalf("%d rows, shops %v", len(recs), seen)
	}
}
