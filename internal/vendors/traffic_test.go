package vendors

import (
	"testing"
	"time"
)

func TestSplitDays(t *testing.T) {
	d := func(s string) Date {
		x, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	got := SplitDays(d("2024-02-01"), d("2024-03-31"), 30) // leap year: 60 days
	want := [][2]string{{"2024-02-01", "2024-03-01"}, {"2024-03-02", "2024-03-31"}}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i][0].String() != want[i][0] || got[i][1].String() != want[i][1] {
			t.Errorf("span %d = %v..%v, want %v", i, got[i][0], got[i][1], want[i])
		}
	}
	if one := SplitDays(d("2024-01-01"), d("2024-01-01"), 30); len(one) != 1 || one[0][0] != one[0][1] {
		t.Errorf("one day: %v", one)
	}
	if none := SplitDays(d("2024-01-02"), d("2024-01-01"), 30); len(none) != 0 {
		t.Errorf("empty range: %v", none)
	}
}

func TestDateInZones(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	// 2026-01-09 17:00 UTC is already the 10th in Shanghai.
	at := time.Date(2026, 1, 9, 17, 0, 0, 0, time.UTC)
	if got := DateOf(at, sh); got.String() != "2026-01-10" {
		t.Fatalf("DateOf = %v", got)
	}
	if got := DateOf(at, time.UTC); got.String() != "2026-01-09" {
		t.Fatalf("DateOf UTC = %v", got)
	}
	hours := Date{2026, 1, 10}.Hours(sh)
	if len(hours) != 24 || !hours[0].Equal(time.Date(2026, 1, 9, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("Shanghai hours %d from %v", len(hours), hours[0])
	}
	ber, _ := time.LoadLocation("Europe/Berlin")
	if n := len((Date{2025, 10, 26}).Hours(ber)); n != 25 {
		t.Fatalf("autumn DST day has %d hours", n)
	}
	if (Date{2024, 2, 28}).AddDays(2).String() != "2024-03-01" || (Date{2024, 1, 1}).DaysTo(Date{2024, 12, 31}) != 365 {
		t.Fatal("date arithmetic")
	}
}
