// Package csvout is the one CSV writer of every export (traffic reports
// and hours, the audit log, events, visits, the face roster): UTF-8 with a
// byte-order mark (Excel then reads Chinese right), RFC 4180 quoting, and
// a cell a spreadsheet would run as a formula defused (Defuse). Cells are
// appended straight into a row buffer, so numbers and dates cost no
// []string and no allocation.
package csvout

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// BOM is the UTF-8 byte-order mark every export starts with.
const BOM = "\ufeff"

// Writer writes one CSV document.
type Writer struct {
	w     *bufio.Writer
	buf   []byte
	first bool
}

// New starts a document on w: the byte-order mark first (buffered).
func New(w io.Writer) *Writer {
	c := &Writer{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 512), first: true}
	c.w.WriteString(BOM)
	return c
}

// formulaStart are the first characters a spreadsheet reads as the start
// of a formula (OWASP "CSV injection", CWE-1236).
const formulaStart = "=+-@\t\r"

// Defuse is the rule for text cells: one starting with =, +, -, @, a tab
// or a carriage return gets a leading ' so a spreadsheet shows it as text.
func Defuse(s string) string {
	if s != "" && strings.IndexByte(formulaStart, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

func (c *Writer) sep() {
	if !c.first {
		c.buf = append(c.buf, ',')
	}
	c.first = false
}

// Text writes a text cell: defused, quoted when it must be.
func (c *Writer) Text(s string) {
	c.sep()
	s = Defuse(s)
	if strings.ContainsAny(s, ",\"\r\n") || (s != "" && (s[0] == ' ' || s[len(s)-1] == ' ')) {
		c.buf = append(c.buf, '"')
		c.buf = append(c.buf, strings.ReplaceAll(s, `"`, `""`)...)
		c.buf = append(c.buf, '"')
		return
	}
	c.buf = append(c.buf, s...)
}

// Int writes a number.
func (c *Writer) Int(n int64) {
	c.sep()
	c.buf = strconv.AppendInt(c.buf, n, 10)
}

// Empty writes an empty cell.
func (c *Writer) Empty() { c.sep() }

// Raw writes a cell the caller made itself and knows needs neither quoting
// nor defusing (digits, a date, a percentage without a separator in it).
func (c *Writer) Raw(b []byte) {
	c.sep()
	c.buf = append(c.buf, b...)
}

// RawString is Raw for a string.
func (c *Writer) RawString(s string) {
	c.sep()
	c.buf = append(c.buf, s...)
}

// End ends the row and hands it to the buffered writer.
func (c *Writer) End() error {
	c.buf = append(c.buf, '\r', '\n')
	_, err := c.w.Write(c.buf)
	c.buf, c.first = c.buf[:0], true
	return err
}

// Row writes a whole row of text cells.
func (c *Writer) Row(cells ...string) error {
	for _, s := range cells {
		c.Text(s)
	}
	return c.End()
}

// Flush writes what is buffered to the underlying writer.
func (c *Writer) Flush() error { return c.w.Flush() }
