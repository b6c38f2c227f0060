package fig2023

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/plots"
)

// Fig. 4: the diagram of the data set sizes: the train/test split and the nested subsets
// S_1.25% ⊂ S_2.5% ⊂ ... ⊂ S_100% of both parts, with equal counts per number of sources. The
// counts are those of the data sets of package dataset, at the run's scale and at the paper's.

func init() {
	figures.Register(figures.Def[Fig04Results]{
		ID: "2023-fig04", Compute: computeFig04, Render: renderFig04, Summary: summaryFig04,
	})
}

// Fig04Results are the sizes of the 2023 data set at the run's scale and at the paper's.
type Fig04Results struct {
	Scale Fig04DataSet `json:"scale"` // the data set at the run's scale
	Paper Fig04DataSet `json:"paper"` // the paper-scale data set
}

// Fig04DataSet describes the parts and subsets of one data set, with the properties the
// paper's Fig. 4 states, checked on the actual index lists.
type Fig04DataSet struct {
	Scale          string        `json:"scale"`
	Description    string        `json:"description"`
	N              int           `json:"n"`
	Configurations int           `json:"configurations"`
	Counts         int           `json:"counts"`    // numbers of sources (20)
	PerCount       int           `json:"per_count"` // configurations per number of sources
	Train          Fig04Subset   `json:"train"`
	Test           Fig04Subset   `json:"test"`
	TrainSubsets   []Fig04Subset `json:"train_subsets"` // by decreasing divisor: 1.25% first
	TestSubsets    []Fig04Subset `json:"test_subsets"`
	// Nested: every subset contains the subsets with larger divisors (checked on the indices).
	Nested bool `json:"nested"`
	// Balanced: every part and subset has the same number of configurations for every number
	// of sources (checked by counting the sources of each configuration).
	Balanced bool `json:"balanced"`
	// Disjoint: the training and test sets share no configuration.
	Disjoint bool `json:"disjoint"`
}

// Fig04Subset is the size of one part or subset.
type Fig04Subset struct {
	Name     string  `json:"name"`
	Divisor  int     `json:"divisor"`
	Nominal  float64 `json:"nominal"`   // 1/Divisor
	Fraction float64 `json:"fraction"`  // the fraction of the part it actually holds
	Total    int     `json:"total"`     // configurations
	PerCount int     `json:"per_count"` // configurations per number of sources
}

func subsetOf(s dataset.Subset) Fig04Subset {
	return Fig04Subset{Name: s.Name, Divisor: s.Divisor, Nominal: s.Nominal, Fraction: s.Fraction, Total: s.Total, PerCount: s.PerCount}
}

// DescribeDataSet draws the split of spec and returns the sizes of its parts and nested
// subsets, with the properties the paper's Fig. 4 states checked on the actual index lists:
// every subset contains the smaller ones (Nested), every part and subset has the same number
// of configurations for every number of sources (Balanced), and the training and test sets
// share no configuration (Disjoint).
func DescribeDataSet(spec dataset.Spec) (Fig04DataSet, error) {
	sp, err := spec.Split()
	if err != nil {
		return Fig04DataSet{}, err
	}
	d := Fig04DataSet{Scale: string(spec.Scale), Description: spec.Describe(), N: spec.N, Configurations: spec.Len(),
		Counts: spec.NumCounts(), PerCount: spec.PerCount, Train: subsetOf(sp.Train()), Test: subsetOf(sp.Test()),
		Nested: true, Balanced: true}
	balanced := func(s dataset.Subset) bool {
		per := make([]int, spec.NumCounts())
		for _, i := range s.Indices {
			per[spec.NumSources(i)-spec.MinSources]++
		}
		for _, c := range per {
			if c != s.PerCount {
				return false
			}
		}
		return len(s.Indices) == s.Total
	}
	// contains reports whether every index of small is in big (both ascending).
	contains := func(big, small []int) bool {
		j := 0
		for _, x := range small {
			for j < len(big) && big[j] < x {
				j++
			}
			if j == len(big) || big[j] != x {
				return false
			}
		}
		return true
	}
	test := sp.Test()
	train := sp.Train()
	d.Balanced = balanced(train) && balanced(test)
	d.Disjoint = true
	inTrain := make(map[int]bool, len(train.Indices))
	for _, i := range train.Indices {
		inTrain[i] = true
	}
	for _, i := range test.Indices {
		if inTrain[i] {
			d.Disjoint = false
			break
		}
	}
	for _, part := range []struct {
		all    dataset.Subset
		subset func(int) (dataset.Subset, error)
		out    *[]Fig04Subset
	}{{train, sp.TrainSubset, &d.TrainSubsets}, {test, sp.TestSubset, &d.TestSubsets}} {
		prev := part.all
		// From the whole part down to the smallest subset: each must contain the next.
		divisors := spec.Divisors
		var subs []Fig04Subset
		for k := len(divisors) - 1; k >= 0; k-- {
			s, err := part.subset(divisors[k])
			if err != nil {
				return d, err
			}
			if !contains(prev.Indices, s.Indices) {
				d.Nested = false
			}
			if !balanced(s) {
				d.Balanced = false
			}
			subs = append([]Fig04Subset{subsetOf(s)}, subs...)
			prev = s
		}
		*part.out = subs
	}
	return d, nil
}

func computeFig04(run *figures.Run) (Fig04Results, error) {
	var res Fig04Results
	ds, err := dataset.ParseScale(string(run.Scale))
	if err != nil {
		return res, err
	}
	for _, x := range []struct {
		s   dataset.Scale
		out *Fig04DataSet
	}{{ds, &res.Scale}, {dataset.ScalePaper, &res.Paper}} {
		spec, err := dataset.New(dataset.Recipe2023, x.s, run.Seed)
		if err != nil {
			return res, err
		}
		if *x.out, err = DescribeDataSet(spec); err != nil {
			return res, err
		}
		run.Logf("%s: %d configurations, train %d, test %d, nested %v, balanced %v", x.s, x.out.Configurations,
			x.out.Train.Total, x.out.Test.Total, x.out.Nested, x.out.Balanced)
	}
	return res, nil
}

// percent formats a fraction as a percentage with as many decimals as it needs (1.25%, 5%).
func percent(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", 100*f), "0"), ".") + "%"
}

// sizeLabel writes the size of a subset: "16,000 (800/count)", with the actual fraction
// when it differs from the nominal one.
func sizeLabel(s Fig04Subset) string {
	l := fmt.Sprintf("%s (%s/count)", thousands(s.Total), thousands(s.PerCount))
	if math.Abs(s.Fraction-s.Nominal) > 1e-9 {
		l += " = " + percent(s.Fraction)
	}
	return l
}

// Colours of the training and test parts in the diagram.
var (
	trainColor = plots.Blue
	testColor  = plots.Vermillion
)

// fig04Diagram draws the split bar and the nested-subset squares of both parts.
type fig04Diagram struct{ r Fig04Results }

func withAlpha(c color.Color, a float64) color.NRGBA {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = uint8(255*a + 0.5)
	return n
}

// Plot implements plot.Plotter.
func (d fig04Diagram) Plot(c draw.Canvas, _ *plot.Plot) {
	r := d.r
	bold := figkit.TextStyle(9, true, false)
	small := figkit.TextStyle(8.5, false, false)
	thin := draw.LineStyle{Color: color.Black, Width: 0.6}
	left, right := c.Min.X+0.15*vg.Inch, c.Max.X-0.15*vg.Inch
	top := c.Max.Y - 0.05*vg.Inch

	// The split bar: the data set divided into training and test sets, in proportion.
	barH := 0.5 * vg.Inch
	trainFrac := float64(r.Paper.Train.Total) / float64(r.Paper.Configurations)
	split := left + vg.Length(trainFrac)*(right-left)
	for _, seg := range []struct {
		x0, x1 vg.Length
		col    color.Color
		name   string
		paper  Fig04Subset
		scaled Fig04Subset
	}{{left, split, trainColor, "training set", r.Paper.Train, r.Scale.Train},
		{split, right, testColor, "test set", r.Paper.Test, r.Scale.Test}} {
		rect := vg.Rectangle{Min: vg.Point{X: seg.x0, Y: top - barH}, Max: vg.Point{X: seg.x1, Y: top}}
		c.SetColor(withAlpha(seg.col, 0.28))
		c.Fill(rect.Path())
		c.SetLineStyle(thin)
		c.Stroke(rect.Path())
		mid := (seg.x0 + seg.x1) / 2
		b := bold
		b.XAlign = draw.XCenter
		s := small
		s.XAlign = draw.XCenter
		c.FillText(b, vg.Point{X: mid, Y: top - barH/2 + 2}, fmt.Sprintf("%s: %s", seg.name, percent(float64(seg.paper.Total)/float64(r.Paper.Configurations))))
		c.FillText(s, vg.Point{X: mid, Y: top - barH/2 - 11}, fmt.Sprintf("paper %s · %s %s", thousands(seg.paper.Total), r.Scale.Scale, thousands(seg.scaled.Total)))
	}

	// The nested subsets of each part: squares whose areas are proportional to their sizes,
	// sharing the lower left corner, and a label table whose rows are linked to the squares'
	// upper right corners.
	y0 := c.Min.Y + 0.1*vg.Inch
	halfW := (right - left) / 2
	const pad = 0.12 * vg.Inch
	scaleHead := fmt.Sprintf("scale %s (N = %d)", r.Scale.Scale, r.Scale.N)
	parts := []struct {
		col           color.Color
		name          string
		paper, scaled []Fig04Subset
	}{{trainColor, "training subsets", r.Paper.TrainSubsets, r.Scale.TrainSubsets},
		{testColor, "test subsets", r.Paper.TestSubsets, r.Scale.TestSubsets}}
	// Column widths from the text they hold, the same for both tables.
	w0, w1, w2 := bold.Width("subset"), bold.Width("paper"), bold.Width(scaleHead)
	for _, part := range parts {
		for i := range part.paper {
			w0 = max(w0, small.Width("S "+percent(part.paper[i].Nominal)))
			w1 = max(w1, small.Width(sizeLabel(part.paper[i])))
			w2 = max(w2, small.Width(sizeLabel(part.scaled[i])))
		}
	}
	tableW := w0 + w1 + w2 + 2*pad
	side := min(top-barH-0.45*vg.Inch-y0, halfW-tableW-0.7*vg.Inch)
	for p, part := range parts {
		n := len(part.paper)
		x0 := left + vg.Length(p)*halfW
		c.FillText(bold, vg.Point{X: x0, Y: y0 + side + 0.12*vg.Inch}, part.name+": nested, equal counts per number of sources")
		labelX := x0 + side + 0.5*vg.Inch
		colPaper := labelX + w0 + pad
		colScale := colPaper + w1 + pad
		rowH := side / vg.Length(n+1)
		headY := y0 + side - rowH*0.6
		c.FillText(bold, vg.Point{X: labelX, Y: headY}, "subset")
		c.FillText(bold, vg.Point{X: colPaper, Y: headY}, "paper")
		c.FillText(bold, vg.Point{X: colScale, Y: headY}, scaleHead)
		// Largest first: S 100% is the whole part (the last subset, divisor 1).
		for i := n - 1; i >= 0; i-- {
			sp, ss := part.paper[i], part.scaled[i]
			s := side * vg.Length(math.Sqrt(sp.Nominal))
			rect := vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x0 + s, Y: y0 + s}}
			alpha := 0.12 + 0.1*float64(n-1-i)
			c.SetColor(withAlpha(part.col, min(alpha, 0.85)))
			c.Fill(rect.Path())
			c.SetLineStyle(thin)
			c.Stroke(rect.Path())
			row := n - 1 - i // 0 for the largest
			ly := headY - rowH*vg.Length(row+1)
			c.StrokeLine2(draw.LineStyle{Color: plots.Gray, Width: 0.5}, x0+s, y0+s, labelX-4, ly+3)
			c.FillText(small, vg.Point{X: labelX, Y: ly}, "S "+percent(sp.Nominal))
			c.FillText(small, vg.Point{X: colPaper, Y: ly}, sizeLabel(sp))
			c.FillText(small, vg.Point{X: colScale, Y: ly}, sizeLabel(ss))
		}
	}
}

func renderFig04(run *figures.Run, r Fig04Results) error {
	if len(r.Paper.TrainSubsets) == 0 || len(r.Paper.TrainSubsets) != len(r.Scale.TrainSubsets) ||
		len(r.Paper.TestSubsets) != len(r.Scale.TestSubsets) {
		return fmt.Errorf("results have %d/%d training and %d/%d test subsets (paper/scale)",
			len(r.Paper.TrainSubsets), len(r.Scale.TrainSubsets), len(r.Paper.TestSubsets), len(r.Scale.TestSubsets))
	}
	p := plot.New()
	p.HideAxes()
	p.BackgroundColor = color.Transparent
	p.Add(fig04Diagram{r: r})
	fig := plots.Single(&plots.PlotPanel{Plot: p})
	fig.Title = fmt.Sprintf("Data set sizes: %s configurations (%d numbers of sources × %s), 80%% training / 20%% test, nested subsets",
		thousands(r.Paper.Configurations), r.Paper.Counts, thousands(r.Paper.PerCount))
	fig.Width, fig.Height = 12.5*vg.Inch, 4.1*vg.Inch
	fig.Stamp = figkit.Stamp(run.Scale, "", false) +
		fmt.Sprintf(" · this scale: %s configurations (%s per number of sources, N = %d)",
			thousands(r.Scale.Configurations), thousands(r.Scale.PerCount), r.Scale.N)
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
	}
	return nil
}

func summaryFig04(r Fig04Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Paper: %s. This scale: %s.\n\n", r.Paper.Description, r.Scale.Description)
	fmt.Fprintf(&b, "| part | nominal | paper | scale %s | actual fraction at %s |\n| --- | --- | --- | --- | --- |\n", r.Scale.Scale, r.Scale.Scale)
	row := func(name string, p, s Fig04Subset) {
		fmt.Fprintf(&b, "| %s | %s | %s (%s/count) | %s (%s/count) | %s |\n", name, percent(p.Nominal),
			thousands(p.Total), thousands(p.PerCount), thousands(s.Total), thousands(s.PerCount), percent(s.Fraction))
	}
	fmt.Fprintf(&b, "| whole data set | 100%% | %s (%s/count) | %s (%s/count) | 100%% |\n",
		thousands(r.Paper.Configurations), thousands(r.Paper.PerCount), thousands(r.Scale.Configurations), thousands(r.Scale.PerCount))
	for _, part := range []struct {
		name          string
		paper, scaled []Fig04Subset
	}{{"training", r.Paper.TrainSubsets, r.Scale.TrainSubsets}, {"test", r.Paper.TestSubsets, r.Scale.TestSubsets}} {
		for i := len(part.paper) - 1; i >= 0; i-- {
			name := part.name + " S " + percent(part.paper[i].Nominal)
			if part.paper[i].Divisor == 1 {
				name = part.name + " set = S 100%"
			}
			row(name, part.paper[i], part.scaled[i])
		}
	}
	check := func(d Fig04DataSet) string {
		return fmt.Sprintf("nested %v, equal counts per number of sources %v, train and test disjoint %v", d.Nested, d.Balanced, d.Disjoint)
	}
	fmt.Fprintf(&b, "\nChecked on the index lists — paper scale: %s; scale %s: %s.\n", check(r.Paper), r.Scale.Scale, check(r.Scale))
	fmt.Fprintf(&b, "\nThe paper is inconsistent about the split: its text says 80%% / 20%% (320k / 80k, and \"the same test set composed by 80k tuples\"), "+
		"the caption of Fig. 4 says 20%% / 80%% but 40k / 360k (a 90/10 split). We use the text's 80/20 split: %s training and %s test configurations at paper scale.\n",
		thousands(r.Paper.Train.Total), thousands(r.Paper.Test.Total))
	var short []string
	for i, s := range r.Scale.TrainSubsets {
		if math.Abs(s.Fraction-s.Nominal) > 1e-9 {
			short = append(short, fmt.Sprintf("S %s holds %s", percent(r.Paper.TrainSubsets[i].Nominal), percent(s.Fraction)))
		}
	}
	if len(short) > 0 {
		fmt.Fprintf(&b, "\nAt scale %s the training set has only %d configurations per number of sources, so the smallest subsets "+
			"(one configuration per count at least) are larger than nominal: %s.\n", r.Scale.Scale, r.Scale.Train.PerCount, strings.Join(short, ", "))
	}
	return b.String()
}
