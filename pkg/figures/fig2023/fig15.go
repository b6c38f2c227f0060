package fig2023

import (
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

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

// Parameters of the drawn clusters.
const (
	fig15MinK     = 2   // smallest cluster drawn
	fig15MaxK     = 9   // largest cluster drawn
	fig15Window   = 128 // side of the window shown around each cluster, cells
	fig15MaxGap   = 6   // largest gap between the disk of a new source and its neighbour's, cells
	fig15MaxSizes = 10  // cluster sizes shown in the statistics (1..10)
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

// fig15PerCount is the number of configurations per number of sources of the statistics: all
// of the paper's data set from the cpu scale up (drawing configurations costs microseconds).
func fig15PerCount(s scale.Scale) (int, error) { return perScale(s, 200, 20000, 20000, 20000) }

// uniform returns a float in [0, 1) from the generator's 64-bit output.
func uniform(rng *rand.Rand) float64 { return float64(rng.Uint64()>>11) / (1 << 53) }

// makeCluster draws a cluster of k disks of radius r: the first at the origin, each next one
// attached to a random earlier one at a gap of 1 to maxGap cells between the disks, in a random
// direction, without overlapping any other. Source 0 has value 1, the others values in (0, 1].
// The cluster is then moved so that its bounding box is centred on the lattice's centre; it is
// redrawn if it does not fit the window with a margin of one diffusion length.
func makeCluster(rng *rand.Rand, k, n, r, window, maxGap int) ([]solver.Source, error) {
	minD2 := (2*r + 1) * (2*r + 1) // disks are disjoint when the centres are more than 2r apart
	for attempt := 0; attempt < 1000; attempt++ {
		xs, ys := []int{0}, []int{0}
		for len(xs) < k {
			placed := false
			for try := 0; try < 1000 && !placed; try++ {
				e := int(rng.Uint64() % uint64(len(xs)))
				theta := 2 * math.Pi * uniform(rng)
				d := float64(2*r+1) + float64(maxGap)*uniform(rng)
				x := xs[e] + int(math.Round(d*math.Cos(theta)))
				y := ys[e] + int(math.Round(d*math.Sin(theta)))
				ok := true
				for i := range xs {
					if dx, dy := x-xs[i], y-ys[i]; dx*dx+dy*dy < minD2 {
						ok = false
						break
					}
				}
				if ok {
					xs, ys = append(xs, x), append(ys, y)
					placed = true
				}
			}
			if !placed {
				break
			}
		}
		if len(xs) < k {
			continue
		}
		minX, maxX, minY, maxY := xs[0], xs[0], ys[0], ys[0]
		for i := range xs {
			minX, maxX = min(minX, xs[i]), max(maxX, xs[i])
			minY, maxY = min(minY, ys[i]), max(maxY, ys[i])
		}
		if maxX-minX+2*r+40 > window || maxY-minY+2*r+40 > window {
			continue
		}
		dx, dy := n/2-(minX+maxX)/2, n/2-(minY+maxY)/2
		src := make([]solver.Source, k)
		for i := range src {
			v := 1.0
			if i > 0 {
				v = float64(rng.Uint64()>>11+1) / (1 << 53)
			}
			src[i] = solver.Source{X: float64(xs[i] + dx), Y: float64(ys[i] + dy), R: float64(r), Value: v}
		}
		return src, nil
	}
	return nil, fmt.Errorf("no cluster of %d sources fits a %d-cell window", k, window)
}

// clusterSizes returns the sizes of the clusters of the sources: connected groups of sources
// whose centres are at most link apart.
func clusterSizes(src []solver.Source, link float64) []int {
	parent := make([]int, len(src))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range src {
		for j := i + 1; j < len(src); j++ {
			if math.Hypot(src[i].X-src[j].X, src[i].Y-src[j].Y) <= link {
				parent[find(i)] = find(j)
			}
		}
	}
	size := map[int]int{}
	for i := range src {
		size[find(i)]++
	}
	out := make([]int, 0, len(size))
	for _, s := range size {
		out = append(out, s)
	}
	return out
}

func computeFig15(run *figures.Run) (Fig15Results, error) {
	var res Fig15Results
	spec, err := paperSpec(run.Seed)
	if err != nil {
		return res, err
	}
	perCount, err := fig15PerCount(run.Scale)
	if err != nil {
		return res, err
	}
	lD := math.Sqrt(spec.D / spec.Gamma)
	res = Fig15Results{N: spec.N, Radius: int(spec.Radius), Model: string(spec.Model), Window: fig15Window, MaxGap: fig15MaxGap,
		Fields: "cluster-fields.npy", LinkDistance: float64(2*spec.Radius) + lD, PerCount: perCount}

	// The drawn clusters and their steady states.
	rng := rand.New(rand.NewPCG(run.Seed, 0x2023_0015))
	s, err := solver.NewSolver(spec.N, spec.D, spec.Gamma, solver.Options{})
	if err != nil {
		return res, err
	}
	field := make([]float64, spec.N*spec.N)
	windows := make([]float32, 0, (fig15MaxK-fig15MinK+1)*fig15Window*fig15Window)
	for k := fig15MinK; k <= fig15MaxK; k++ {
		src, err := makeCluster(rng, k, spec.N, int(spec.Radius), fig15Window, fig15MaxGap)
		if err != nil {
			return res, err
		}
		p := solver.NewProblem(spec.N, src)
		p.D, p.Gamma, p.Model, p.Normalize = spec.D, spec.Gamma, spec.Model, spec.Normalize
		st, err := s.SolveInto(field, p)
		if err != nil {
			return res, fmt.Errorf("cluster of %d sources: %w", k, err)
		}
		c := Fig15Cluster{K: k, Sources: src, Row0: spec.N/2 - fig15Window/2, Col0: spec.N/2 - fig15Window/2, Max: st.Scale}
		for row := c.Row0; row < c.Row0+fig15Window; row++ {
			windows = append(windows, float32s(field[row*spec.N+c.Col0:row*spec.N+c.Col0+fig15Window])...)
		}
		res.Clusters = append(res.Clusters, c)
	}
	single := solver.NewProblem(spec.N, []solver.Source{{X: float64(spec.N / 2), Y: float64(spec.N / 2), R: float64(spec.Radius), Value: 1}})
	single.D, single.Gamma, single.Model, single.Normalize = spec.D, spec.Gamma, spec.Model, spec.Normalize
	st, err := s.SolveInto(field, single)
	if err != nil {
		return res, err
	}
	res.SingleMax = st.Scale
	if err := npy.WriteFile(run.Path(res.Fields), []int{len(res.Clusters), fig15Window, fig15Window}, windows); err != nil {
		return res, err
	}

	// How often clusters occur in the data set: one item per number of sources.
	nCounts := spec.NumCounts()
	res.MeanClusters = make([][]float64, nCounts)
	res.AtLeast = make([][]float64, nCounts)
	res.Largest = make([]int, nCounts)
	run.Logf("cluster statistics of %d configurations per number of sources", perCount)
	err = figkit.Parallel(run.Context(), nCounts, 0, func(_, item int) error {
		n := spec.MinSources + item
		clusters := make([]int64, fig15MaxSizes)
		atLeast := make([]int64, fig15MaxSizes)
		largest := 0
		for j := 0; j < perCount; j++ {
			src, err := spec.Sources(spec.Index(n, j))
			if err != nil {
				return err
			}
			big := 0
			for _, size := range clusterSizes(src, res.LinkDistance) {
				big = max(big, size)
				if size <= fig15MaxSizes {
					clusters[size-1]++
				}
			}
			largest = max(largest, big)
			for s := 1; s <= min(big, fig15MaxSizes); s++ {
				atLeast[s-1]++
			}
		}
		mean, frac := make([]float64, fig15MaxSizes), make([]float64, fig15MaxSizes)
		for s := range mean {
			mean[s] = float64(clusters[s]) / float64(perCount)
			frac[s] = float64(atLeast[s]) / float64(perCount)
		}
		res.MeanClusters[item], res.AtLeast[item], res.Largest[item] = mean, frac, largest
		return nil
	}, func(done, total int, elapsed time.Duration) {
		run.Logf("%d/%d numbers of sources done in %.1f s", done, total, elapsed.Seconds())
	})
	if err != nil {
		return res, err
	}
	for n := spec.MinSources; n <= spec.MaxSources; n++ {
		res.Counts = append(res.Counts, n)
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
