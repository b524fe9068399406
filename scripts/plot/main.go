// Command plot draws scripts/bench.sh's scale curve as a PNG. It is its own
// module, so that gonum.org/v1/plot and its dependencies stay out of
// tvault's go.mod; bench.sh builds it the way it builds age.
//
//	plot -o FILE.png DATA
//
// DATA has one point a line, fields separated by tabs:
//
//	panel	series	records	value
//
// where panel is "time" (value in seconds, drawn in ms on a log scale) or
// "rate" (records/s, linear). Lines starting with # are skipped. The x axis
// is the number of records in the vault, on a log scale. A target is a line
// whose series starts with "target:"; it is drawn dashed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

type point struct{ x, y float64 }

// dashes tell the targets apart.
var dashes = [][]vg.Length{
	{vg.Points(6), vg.Points(3)},
	{vg.Points(2), vg.Points(2)},
	{vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)},
}

// series of one panel, in the order they first appear.
type panel struct {
	names []string
	pts   map[string][]point
}

func main() {
	out := flag.String("o", "scale.png", "the PNG to write")
	title := flag.String("title", "tvault at scale", "the title above the plots")
	flag.Parse()
	if flag.NArg() != 1 {
		fail("usage: plot -o FILE.png DATA")
	}
	panels, err := read(flag.Arg(0))
	if err != nil {
		fail("%v", err)
	}
	times, err := draw1(panels["time"], *title+": whole-process times", "time (ms, log scale)", true)
	if err != nil {
		fail("%v", err)
	}
	rates, err := draw1(panels["rate"], "bulk intake: records/s of each seal call", "records/s", false)
	if err != nil {
		fail("%v", err)
	}
	if err := save(*out, times, rates); err != nil {
		fail("%v", err)
	}
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "plot: "+format+"\n", a...)
	os.Exit(1)
}

func read(path string) (map[string]*panel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	panels := map[string]*panel{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Split(line, "\t")
		if len(fs) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 tab-separated fields, have %d", path, n, len(fs))
		}
		x, err1 := strconv.ParseFloat(fs[2], 64)
		y, err2 := strconv.ParseFloat(fs[3], 64)
		if err1 != nil || err2 != nil || x <= 0 || math.IsNaN(y) || math.IsInf(y, 0) {
			continue // a figure not measured (nan) is left out
		}
		if fs[0] == "time" {
			if y <= 0 {
				continue
			}
			y *= 1000
		}
		p := panels[fs[0]]
		if p == nil {
			p = &panel{pts: map[string][]point{}}
			panels[fs[0]] = p
		}
		if _, ok := p.pts[fs[1]]; !ok {
			p.names = append(p.names, fs[1])
		}
		p.pts[fs[1]] = append(p.pts[fs[1]], point{x, y})
	}
	return panels, sc.Err()
}

func draw1(p *panel, title, ylabel string, logY bool) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = title
	pl.X.Label.Text = "records in the vault (log scale)"
	pl.Y.Label.Text = ylabel
	pl.X.Scale = plot.LogScale{}
	pl.X.Tick.Marker = plot.LogTicks{Prec: -1}
	if logY {
		pl.Y.Scale = plot.LogScale{}
		pl.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	} else {
		pl.Y.Min = 0
	}
	pl.Legend.Top = true
	pl.Legend.Left = true
	pl.Add(plotter.NewGrid())
	if p == nil {
		return pl, nil
	}
	top := math.Inf(-1)
	for _, pts := range p.pts {
		for _, q := range pts {
			top = max(top, q.y)
		}
	}
	// Room above the highest point for the legend.
	if logY {
		pl.Y.Max = top * 20
	} else {
		pl.Y.Max = top * 1.4
	}
	for i, name := range p.names {
		pts := p.pts[name]
		sort.Slice(pts, func(a, b int) bool { return pts[a].x < pts[b].x })
		xys := make(plotter.XYs, len(pts))
		for j, q := range pts {
			xys[j].X, xys[j].Y = q.x, q.y
		}
		if label, ok := strings.CutPrefix(name, "target:"); ok {
			l, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			l.Color = color.Gray{Y: 90}
			l.Dashes = dashes[i%len(dashes)]
			pl.Add(l)
			pl.Legend.Add("target: "+label, l)
			continue
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		l.Color = plotutil.Color(i)
		s.Color = plotutil.Color(i)
		s.Shape = plotutil.Shape(i)
		pl.Add(l, s)
		pl.Legend.Add(name, l, s)
	}
	return pl, nil
}

func save(path string, top, bottom *plot.Plot) error {
	const w, h = 22 * vg.Centimeter, 26 * vg.Centimeter
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(img)
	t := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Centimeter, PadTop: vg.Millimeter * 4, PadBottom: vg.Millimeter * 4, PadLeft: vg.Millimeter * 4, PadRight: vg.Millimeter * 6}
	plots := [][]*plot.Plot{{top}, {bottom}}
	canvases := plot.Align(plots, t, dc)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	png := vgimg.PngCanvas{Canvas: img}
	if _, err := png.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
