package fig2023

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/solver"
)

// Fig. 15: clusters of two to nine sources and their steady states (the paper shows such
// clusters to argue that data sets with ~12 sources contain clusters of every size). Besides
// the drawings, the figure measures how often clusters of each size occur in the data set's
// configurations with n sources, where two sources belong to one cluster when their centres
// are at most 2R + l_D = 30 cells apart (their disks are less than one diffusion length
// apart), and clusters are the connected groups.

func init() {
	figures.Register(figures.Def[Fig15Results]{
		ID: "2023-fig15", Compute: computeFig15, Render: renderFig15, Summary: summaryFig15,
	})
}

// Parameters of the drawn clusters and of the statistics.
const (
	fig15MinK     = 2  // smallest cluster drawn
	fig15MaxK     = 9  // largest cluster drawn
	fig15MaxSizes = 10 // cluster sizes shown in the statistics (1..10)
)

// Fig15Results are the results behind Fig. 15.
type Fig15Results struct {
	N      int    `json:"n"`
	Radius int    `json:"radius"`
	Model  string `json:"model"`
	// Window is the side of the square window of the lattice shown around each cluster.
	Window int `json:"window"`
	// MaxGap is the largest gap, in cells, between the disk of a new source of a drawn cluster
	// and the disk it is attached to (the smallest is 1: disks do not overlap).
	MaxGap int `json:"max_gap"`
	// Clusters are the drawn clusters of 2 to 9 sources.
	Clusters []Fig15Cluster `json:"clusters"`
	// Fields is the .npy file (float32, [clusters, Window, Window]) of the normalized steady
	// states in the windows.
	Fields string `json:"fields"`
	// SingleMax is the maximum of the unnormalized steady state of one isolated source of
	// value 1: the clusters' maxima are compared with it.
	SingleMax float64 `json:"single_max"`

	// LinkDistance is the largest centre distance of two sources of one cluster in the
	// statistics: 2R + l_D.
	LinkDistance float64 `json:"link_distance"`
	// PerCount is the number of configurations per number of sources in the statistics.
	PerCount int `json:"per_count"`
	// Counts are the numbers of sources n, 1 to 20.
	Counts []int `json:"counts"`
	// MeanClusters[n-1][s-1] is the mean number of clusters of s sources per configuration
	// with n sources, for s = 1..fig15MaxSizes.
	MeanClusters [][]float64 `json:"mean_clusters"`
	// AtLeast[n-1][s-1] is the fraction of configurations with n sources that contain a
	// cluster of at least s sources.
	AtLeast [][]float64 `json:"at_least"`
	// Largest[n-1] is the largest cluster found among the configurations with n sources.
	Largest []int `json:"largest"`
}

// Fig15Cluster is one drawn cluster.
type Fig15Cluster struct {
	K       int             `json:"k"`
	Sources []solver.Source `json:"sources"`
	// Row0 and Col0 are the lattice coordinates of the window's upper left cell.
	Row0 int `json:"row0"`
	Col0 int `json:"col0"`
	// Max is the maximum of the unnormalized steady state.
	Max float64 `json:"max"`
}

// Fig15PerCount returns the number of configurations per number of sources of the Fig. 15
// statistics at a scale: all of the paper's data set from the cpu scale up (drawing
// configurations costs microseconds), 200 at the smoke scale.
func Fig15PerCount(s scale.Scale) (int, error) { return perScale(s, 200, 20000, 20000, 20000) }

// Fig15Draw draws the clusters of Fig. 15a: one cluster of k disks for every k from 2 to 9,
// drawn one after the other by recipe.Draw from the stream of the seed (PCG, stream
// 0x2023_0015).
func Fig15Draw(recipe dataset.ClusterRecipe, seed uint64) ([][]solver.Source, error) {
	rng := rand.New(rand.NewPCG(seed, 0x2023_0015))
	var out [][]solver.Source
	for k := fig15MinK; k <= fig15MaxK; k++ {
		src, err := recipe.Draw(rng, k)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}

// Fig15Solve solves the steady state of every cluster on spec's lattice with its physics,
// source model and normalization, and returns the clusters with the maximum of their
// unnormalized steady states, their fields in the window of side window centred on the
// lattice (float32, [len(clusters), window, window]), and the maximum of the unnormalized
// steady state of one isolated source of value 1 at the centre, to compare the clusters with.
func Fig15Solve(spec dataset.Spec, window int, clusters [][]solver.Source) ([]Fig15Cluster, []float32, float64, error) {
	s, err := solver.NewSolver(spec.N, spec.D, spec.Gamma, solver.Options{})
	if err != nil {
		return nil, nil, 0, err
	}
	solve := func(field []float64, src []solver.Source) (solver.Stats, error) {
		p := solver.NewProblem(spec.N, src)
		p.D, p.Gamma, p.Model, p.Normalize = spec.D, spec.Gamma, spec.Model, spec.Normalize
		return s.SolveInto(field, p)
	}
	field := make([]float64, spec.N*spec.N)
	windows := make([]float32, 0, len(clusters)*window*window)
	var out []Fig15Cluster
	for _, src := range clusters {
		st, err := solve(field, src)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("cluster of %d sources: %w", len(src), err)
		}
		c := Fig15Cluster{K: len(src), Sources: src, Row0: spec.N/2 - window/2, Col0: spec.N/2 - window/2, Max: st.Scale}
		for row := c.Row0; row < c.Row0+window; row++ {
			windows = append(windows, float32s(field[row*spec.N+c.Col0:row*spec.N+c.Col0+window])...)
		}
		out = append(out, c)
	}
	st, err := solve(field, []solver.Source{{X: float64(spec.N / 2), Y: float64(spec.N / 2), R: spec.Radius, Value: 1}})
	if err != nil {
		return nil, nil, 0, err
	}
	return out, windows, st.Scale, nil
}

// Fig15Census counts the clusters (dataset.Spec.CountClusters with spec.ClusterLink()) in the
// first perCount configurations of every number of sources of spec, in parallel; the result
// has one census per number of sources, from MinSources up. logf, when not nil, reports
// progress.
func Fig15Census(ctx context.Context, spec dataset.Spec, perCount int, logf func(string, ...any)) ([]dataset.ClusterCensus, error) {
	out := make([]dataset.ClusterCensus, spec.NumCounts())
	link := spec.ClusterLink()
	err := figkit.Parallel(ctx, len(out), 0, func(_, item int) error {
		c, err := spec.CountClusters(spec.MinSources+item, perCount, link)
		out[item] = c
		return err
	}, func(done, total int, elapsed time.Duration) {
		if logf != nil {
			logf("%d/%d numbers of sources done in %.1f s", done, total, elapsed.Seconds())
		}
	})
	return out, err
}

func computeFig15(run *figures.Run) (Fig15Results, error) {
	var res Fig15Results
	spec, err := paperSpec(run.Seed)
	if err != nil {
		return res, err
	}
	perCount, err := Fig15PerCount(run.Scale)
	if err != nil {
		return res, err
	}
	recipe := dataset.PaperClusterRecipe()
	res = Fig15Results{N: spec.N, Radius: int(spec.Radius), Model: string(spec.Model), Window: recipe.Window, MaxGap: recipe.MaxGap,
		Fields: "cluster-fields.npy", LinkDistance: spec.ClusterLink(), PerCount: perCount}

	// The drawn clusters and their steady states.
	drawn, err := Fig15Draw(recipe, run.Seed)
	if err != nil {
		return res, err
	}
	clusters, windows, single, err := Fig15Solve(spec, recipe.Window, drawn)
	if err != nil {
		return res, err
	}
	res.Clusters, res.SingleMax = clusters, single
	if err := npy.WriteFile(run.Path(res.Fields), []int{len(res.Clusters), recipe.Window, recipe.Window}, windows); err != nil {
		return res, err
	}

	// How often clusters occur in the data set.
	run.Logf("cluster statistics of %d configurations per number of sources", perCount)
	census, err := Fig15Census(run.Context(), spec, perCount, run.Logf)
	if err != nil {
		return res, err
	}
	for _, c := range census {
		mean, frac := make([]float64, fig15MaxSizes), make([]float64, fig15MaxSizes)
		for s := range mean {
			mean[s], frac[s] = c.Mean(s+1), c.FractionAtLeast(s+1)
		}
		res.Counts = append(res.Counts, c.Sources)
		res.MeanClusters = append(res.MeanClusters, mean)
		res.AtLeast = append(res.AtLeast, frac)
		res.Largest = append(res.Largest, c.Largest)
	}
	return res, nil
}

func renderFig15(run *figures.Run, r Fig15Results) error {
	nc := len(r.Clusters)
	if nc == 0 || len(r.Counts) != len(r.MeanClusters) || len(r.Counts) != len(r.AtLeast) {
		return fmt.Errorf("results are incomplete: %d clusters, %d counts, %d rows of statistics", nc, len(r.Counts), len(r.MeanClusters))
	}
	fields, err := readFields(run.Path(r.Fields), nc, r.Window)
	if err != nil {
		return err
	}
	w := r.Window
	inputs := make([]plots.Panel, nc)
	states := make([]plots.Panel, nc)
	for i, c := range r.Clusters {
		// The input image, cropped to the window.
		a := make([]float64, r.N*r.N)
		solver.RasterizeSources(a, r.N, c.Sources)
		crop := make([]float64, w*w)
		for row := 0; row < w; row++ {
			copy(crop[row*w:(row+1)*w], a[(c.Row0+row)*r.N+c.Col0:(c.Row0+row)*r.N+c.Col0+w])
		}
		in := plots.NewHeatmap(crop)
		in.Title = fmt.Sprintf("%d sources", c.K)
		in.HideAxes = true
		inputs[i] = in
		out := plots.NewHeatmap(fields[i*w*w : (i+1)*w*w])
		out.Title = fmt.Sprintf("peak %.2f × one source", c.Max/r.SingleMax)
		out.HideAxes = true
		states[i] = out
	}
	top := plots.NewGrid(2, nc, append(inputs, states...)...)
	top.SharedColorBar = true
	top.Color = &plots.ColorScale{Label: "input / steady state", Min: 0, Max: 1}
	top.Title = fmt.Sprintf("(a) clusters of %d to %d sources: input (top) and normalized steady state (bottom), %d × %d window of the %d × %d lattice",
		r.Clusters[0].K, r.Clusters[nc-1].K, w, w, r.N, r.N)

	// (b) mean number of clusters of each size per configuration.
	m := make([][]float64, len(r.Counts))
	ylabels := make([]string, len(r.Counts))
	for i, row := range r.MeanClusters {
		m[i] = make([]float64, len(row))
		for s, v := range row {
			m[i][s] = v
			if v == 0 {
				m[i][s] = math.NaN()
			}
		}
		ylabels[i] = fmt.Sprint(r.Counts[i])
	}
	mat, err := plots.NewMatrix(m)
	if err != nil {
		return err
	}
	mat.Title = "(b) clusters of s sources per configuration"
	mat.XLabel, mat.YLabel = "cluster size s", "sources in the configuration"
	mat.Color = plots.ColorScale{Log: true, Label: "mean number", NaN: color.White, NoNaNKey: true}
	mat.YTickLabels = ylabels
	mat.XTickLabels = make([]string, len(r.MeanClusters[0]))
	for s := range mat.XTickLabels {
		mat.XTickLabels[s] = fmt.Sprint(s + 1)
	}
	mat.FreeAspect = true

	// (c) fraction of configurations with a cluster of at least s sources.
	ax := &plots.Axes{Title: "(c) configurations with a cluster of ≥ s sources", XLabel: "sources in the configuration",
		YLabel: "fraction of configurations", LogY: true, XTicks: []float64{1, 5, 10, 15, 20},
		YRange: plots.Range{Min: 1 / float64(2*r.PerCount), Max: 1.5}, Legend: plots.LegendOutside, Grid: true}
	x := make([]float64, len(r.Counts))
	for i, n := range r.Counts {
		x[i] = float64(n)
	}
	for s := 2; s <= min(7, len(r.AtLeast[0])); s++ {
		y := make([]float64, len(r.Counts))
		for i := range r.Counts {
			y[i] = r.AtLeast[i][s-1]
		}
		ax.Line(fmt.Sprintf("s ≥ %d", s), x, y)
	}
	fig := plots.NewFigure(2, 1, top, plots.NewGrid(1, 2, mat, ax))
	fig.Title = "Clustered sources and how often clusters occur in the data set"
	fig.Width, fig.Height = 13*vg.Inch, 7.4*vg.Inch
	fig.Stamp = figkit.Stamp(run.Scale, "20k configurations per number of sources", r.PerCount == 20000) +
		fmt.Sprintf(" · statistics of %s configurations per number of sources; cluster: centres ≤ %.0f cells apart",
			thousands(r.PerCount), r.LinkDistance)
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
	}
	return nil
}

func summaryFig15(r Fig15Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Drawn clusters (%s model, N = %d, disks of radius %d with gaps of 1 to %d cells): maximum of the unnormalized steady state relative to one isolated source of value 1 (%.3f):\n\n",
		r.Model, r.N, r.Radius, r.MaxGap, r.SingleMax)
	b.WriteString("| sources in the cluster | max / single source |\n| --- | --- |\n")
	for _, c := range r.Clusters {
		fmt.Fprintf(&b, "| %d | %.2f |\n", c.K, c.Max/r.SingleMax)
	}
	fmt.Fprintf(&b, "\nClusters in the data set (%s configurations per number of sources; a cluster links sources whose centres are at most 2R + l_D = %.0f cells apart):\n\n",
		thousands(r.PerCount), r.LinkDistance)
	b.WriteString("| sources | isolated sources (share) | P(cluster ≥ 2) | P(cluster ≥ 3) | P(cluster ≥ 4) | P(cluster ≥ 5) | largest cluster |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for i, n := range r.Counts {
		at := func(s int) float64 {
			if s-1 < len(r.AtLeast[i]) {
				return r.AtLeast[i][s-1]
			}
			return math.NaN()
		}
		fmt.Fprintf(&b, "| %d | %.3f | %.3f | %.4f | %.5f | %.5f | %d |\n", n, r.MeanClusters[i][0]/float64(n), at(2), at(3), at(4), at(5), r.Largest[i])
	}
	return b.String()
}
