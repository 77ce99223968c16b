package handlers

import (
	"testing"

	"storelens/internal/models"
	"storelens/internal/traffic"
)

// TestChartOfReportIsTheTable: the picture's bars are the report's rows,
// labelled as the table's first column, entries then passers-by; a row
// with no data is a gap (0), not a number.
func TestChartOfReportIsTheTable(t *testing.T) {
	rep := traffic.Report{Rows: []traffic.Row{
		{Label: "2026-12-01", Counts: models.TrafficCounters{Entries: 120, PassersBy: 300}},
		{Label: "2026-12-02", NoData: true},
		{Label: "2026-12-03", Counts: models.TrafficCounters{Entries: 7, PassersBy: 0}},
	}}
	b := chartOfReport(rep)
	if len(b.Labels) != 3 || b.Labels[0] != "2026-12-01" || b.Labels[2] != "2026-12-03" {
		t.Fatalf("labels %v", b.Labels)
	}
	if len(b.Series) != 2 {
		t.Fatalf("%d series", len(b.Series))
	}
	want := [][]float64{{120, 0, 7}, {300, 0, 0}}
	for i, s := range b.Series {
		for j, v := range s.Values {
			if v != want[i][j] {
				t.Fatalf("series %q = %v, want %v", s.Legend, s.Values, want[i])
			}
		}
	}
}
