package traffic

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/vendors"
)

var testFormat = CSVFormat{Percent: Percent{Suffix: "%"}, NotCounted: "not counted"}

// The export reads counters packed two to an integer (HourChunkPacked) for
// speed; its cells must be exactly the report CSV's (csvWriter.metric on
// the plain row) for every counter and every mix of what the vendor counted.
func TestExportMatchesReportCells(t *testing.T) {
	ctx := context.Background()
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler)})
	defer st.Close()
	sh := models.Shop{Name: "x", Timezone: "UTC"}
	if err := st.CreateShop(ctx, &sh); err != nil {
		t.Fatal(err)
	}
	day := vendors.Date{Year: 2026, Month: 1, Day: 5}
	var hours []models.TrafficHour
	for i, h := range day.Hours(time.UTC) {
		e, p := int64(i*7%23), int64(i*13%17)
		if i == 3 {
			e, p = 0, 0 // no rate
		}
		if i == 4 {
			e, p = 1, 2 // 0.33333
		}
		if i == 5 {
			e, p = 5, 11 // 0.3125 exactly
		}
		hours = append(hours, models.TrafficHour{ShopID: sh.ID, HourStart: h.Unix(), Have: uint8(i % 32), TrafficCounters: models.TrafficCounters{
			Entries: e, EntriesFace: e / 2, EntriesNoFace: e - e/2, PassersBy: p, LeftCount: int64(i), Strangers: 3, Regulars: 2, Members: 1,
			UniqTotal: 5, UniqStrangers: 3, UniqRegulars: 1, UniqMembers: 1}})
	}
	if err := st.SaveTrafficDay(ctx, models.TrafficDay{ShopID: sh.ID, Day: day.String()}, day.Start(time.UTC).Unix(),
		day.AddDays(1).Start(time.UTC).Unix(), hours, nil); err != nil {
		t.Fatal(err)
	}
	svc := &Service{Store: st}
	var out bytes.Buffer
	if _, err := svc.ExportHours(ctx, &out, nil, []string{"a"}, []ExportShop{{ID: sh.ID, Name: "x", Location: time.UTC, Counted: 31}}, day, day, Metrics, testFormat); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(out.String(), "\ufeff")), "\r\n")[1:]
	if len(lines) != 24 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, h := range hours {
		var b bytes.Buffer
		c := newCSV(&b, testFormat)
		c.RawString("x")
		c.RawString(day.String())
		c.Raw(appendHour(nil, i))
		for _, m := range Metrics {
			c.metric(m, 31, vendors.Have(h.Have), false, &h.TrafficCounters)
		}
		if err := c.End(); err != nil {
			t.Fatal(err)
		}
		c.Flush()
		want := strings.TrimSuffix(strings.TrimPrefix(b.String(), "\ufeff"), "\r\n")
		if lines[i] != want {
			t.Fatalf("hour %d (have %05b):\n sql %s\n  go %s", i, h.Have, lines[i], want)
		}
	}
}
