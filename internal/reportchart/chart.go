// Package reportchart draws the reports' charts as PNG on the server with
// gonum.org/v1/plot: the weekly alert report's entries by day against the
// week before (alerts), and any bar chart of a traffic report (Bars; the
// traffic report's PNG export can use it).
//
// Text: gonum/plot draws with its default font, Liberation (through
// codeberg.org/go-fonts/liberation, compiled into the binary), which has
// Latin, Greek and Cyrillic letters and no CJK; a CJK font would have to
// be shipped with StoreLens (several MB). So the charts carry numbers and
// dates only; the words are in the message or the page beside them.
package reportchart

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one set of bars: a legend (numbers or dates) and a value per label.
type Series struct {
	Legend string
	Values []float64
}

// Bars is a grouped bar chart.
type Bars struct {
	Title  string   // numbers and dates only (no CJK glyphs)
	Labels []string // one per group, on the X axis
	Series []Series // each as long as Labels
	// Width and Height of the picture in points (1/72 in); the PNG is
	// drawn at 96 dpi. Zero: 640×360.
	Width, Height vg.Length
	// ValueLabels writes each bar's value above it.
	ValueLabels bool
}

// MaxSide bounds a picture's side in points (the robots take at most 2 MB).
const MaxSide = 2000

// palette: this period dark, the one before light.
var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x6f, B: 0xd1, A: 0xff},
	color.RGBA{R: 0xa8, G: 0xc4, B: 0xe8, A: 0xff},
	color.RGBA{R: 0xe0, G: 0x8a, B: 0x1e, A: 0xff},
	color.RGBA{R: 0x4c, G: 0xaf, B: 0x50, A: 0xff},
}

// PNG draws b.
func PNG(b Bars) ([]byte, error) {
	if len(b.Labels) == 0 || len(b.Series) == 0 {
		return nil, errors.New("reportchart: nothing to draw")
	}
	for _, s := range b.Series {
		if len(s.Values) != len(b.Labels) {
			return nil, fmt.Errorf("reportchart: series %q has %d values for %d labels", s.Legend, len(s.Values), len(b.Labels))
		}
	}
	w, h := b.Width, b.Height
	if w == 0 {
		w = 640
	}
	if h == 0 {
		h = 360
	}
	if w < 100 || h < 100 || w > MaxSide || h > MaxSide {
		return nil, fmt.Errorf("reportchart: size %v×%v out of bounds", w, h)
	}
	p := plot.New()
	p.Title.Text = b.Title
	p.Y.Min = 0
	p.Y.Tick.Marker = plot.DefaultTicks{}
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(plotter.NewGrid())
	n := len(b.Series)
	bw := vg.Length(float64(w) * 0.6 / float64(len(b.Labels)*n))
	bw = max(min(bw, 40), 4)
	for i, s := range b.Series {
		vals := plotter.Values(s.Values)
		bars, err := plotter.NewBarChart(vals, bw)
		if err != nil {
			return nil, err
		}
		bars.LineStyle.Width = 0
		bars.Color = palette[i%len(palette)]
		bars.Offset = vg.Length(float64(i)-float64(n-1)/2) * bw
		p.Add(bars)
		if s.Legend != "" {
			p.Legend.Add(s.Legend, bars)
		}
		if b.ValueLabels {
			xys := make(plotter.XYs, len(s.Values))
			labels := make([]string, len(s.Values))
			for j, v := range s.Values {
				xys[j].X, xys[j].Y = float64(j), v
				labels[j] = fmt.Sprintf("%.0f", v)
			}
			l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
			if err != nil {
				return nil, err
			}
			for k := range l.TextStyle {
				l.TextStyle[k].XAlign = draw.XCenter
				l.TextStyle[k].Font.Size = vg.Points(8)
			}
			l.Offset = vg.Point{X: bars.Offset, Y: 2}
			p.Add(l)
		}
	}
	p.NominalX(b.Labels...)
	top := 0.0
	for _, s := range b.Series {
		for _, v := range s.Values {
			top = max(top, v)
		}
	}
	p.Y.Max = max(top*1.15, 1)
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Week is a weekly report's chart: entries by day of a week against the
// week before, and the shop's rank in the chain.
type Week struct {
	// Days are the week's dates as labels ("11-30"), Monday first.
	Days []string
	// This and Before: entries a day, this week and the week before.
	This, Before []int64
	// ThisLegend, BeforeLegend: the weeks' ranges ("11-30..12-06").
	ThisLegend, BeforeLegend string
	// Rank is the shop's place by entries of the week among Of shops (0: unknown).
	Rank, Of int
	// Title's date part ("2026-11-30..2026-12-06").
	Range string
}

// WeekPNG draws the weekly report's chart.
func WeekPNG(w Week) ([]byte, error) {
	f := func(v []int64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	}
	title := w.Range
	if w.Rank > 0 && w.Of > 0 {
		title += fmt.Sprintf("   #%d / %d", w.Rank, w.Of)
	}
	return PNG(Bars{Title: title, Labels: w.Days, ValueLabels: true,
		Series: []Series{{Legend: w.ThisLegend, Values: f(w.This)}, {Legend: w.BeforeLegend, Values: f(w.Before)}}})
}
