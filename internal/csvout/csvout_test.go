package csvout_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"storelens/internal/csvout"
)

// Every cell a spreadsheet would run is defused, quoting follows RFC 4180
// (encoding/csv reads back what was written), and the document starts
// with the byte-order mark.
func TestWriterDefusesAndQuotes(t *testing.T) {
	cells := []string{"=1+2", "+31 20", "-5", "@A1", "\tx", "\ry", "plain", "a,b", `say "hi"`, " lead", "two\nlines", "", "王丽", "'quoted"}
	want := []string{"'=1+2", "'+31 20", "'-5", "'@A1", "'\tx", "'\ry", "plain", "a,b", `say "hi"`, " lead", "two\nlines", "", "王丽", "'quoted"}
	var b bytes.Buffer
	w := csvout.New(&b)
	if err := w.Row(cells...); err != nil {
		t.Fatal(err)
	}
	w.Int(-42)
	w.Empty()
	w.RawString("2026-03-10 12:00:00 +08:00")
	w.Raw([]byte("23.4%"))
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, csvout.BOM) {
		t.Fatalf("no byte-order mark: %q", out)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, csvout.BOM)))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%v\n%q", err, out)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	for i := range want {
		if recs[0][i] != want[i] {
			t.Errorf("cell %d: %q, want %q", i, recs[0][i], want[i])
		}
	}
	if got := strings.Join(recs[1], "|"); got != "-42||2026-03-10 12:00:00 +08:00|23.4%" {
		t.Errorf("raw row %q", got)
	}
	if !strings.HasSuffix(out, "\r\n") {
		t.Errorf("rows end in CRLF: %q", out[len(out)-4:])
	}
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{"": "", "=": "'=", "a=b": "a=b", "-": "'-", "1-2": "1-2"} {
		if got := csvout.Defuse(in); got != want {
			t.Errorf("Defuse(%q) = %q, want %q", in, got, want)
		}
	}
}
