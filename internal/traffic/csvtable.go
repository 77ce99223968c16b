package traffic

import "io"

// CSV is the exports' CSV writer for other areas (the audit log): UTF-8
// with a byte-order mark, RFC 4180 quoting, and cells a spreadsheet would
// run as a formula defused, exactly as the traffic exports write them.
type CSV struct{ c *csvWriter }

// NewCSV starts a CSV document on w (the byte-order mark first).
func NewCSV(w io.Writer) *CSV { return &CSV{c: newCSV(w, CSVFormat{})} }

// Row writes one row of text cells.
func (c *CSV) Row(cells ...string) error {
	for _, s := range cells {
		c.c.text(s)
	}
	return c.c.end()
}

// Flush writes what is buffered.
func (c *CSV) Flush() error { return c.c.w.Flush() }
