package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/surrogo/surrogo/solver"
)

// Clustered sources (the 2023 paper's Fig. 15). The paper explains why models trained on 10 to
// 13 sources generalize best by the clusters of nearby sources their configurations hold. This
// file has the two halves of that argument: ClusterRecipe draws a compact cluster of k disks (the
// paper's drawn examples), and ClusterSizes and Spec.CountClusters measure how often clusters
// of each size occur in a data set's configurations.

// ClusterRecipe describes how a compact cluster of disks is drawn: each new disk is attached to
// a random earlier one, a small gap away, and the whole cluster is centred on the lattice.
// The 2023 Fig. 15 clusters use PaperClusterRecipe.
type ClusterRecipe struct {
	// N is the side of the lattice; the cluster's bounding box is centred on cell (N/2, N/2).
	N int `json:"n"`
	// Radius is the radius of every disk, in cells (an integer: centres are integer cells, and
	// two disks are disjoint when their centres are more than 2*Radius apart).
	Radius int `json:"radius"`
	// MaxGap bounds the gap between a new disk and the disk it is attached to: the centre
	// distance is drawn uniformly in [2*Radius+1, 2*Radius+1+MaxGap) before the centre is
	// rounded to a cell, so the gap between the disks is about 1 to 1+MaxGap cells.
	MaxGap int `json:"max_gap"`
	// Window is the side of the square window, centred on the lattice, that the cluster must fit.
	Window int `json:"window"`
	// Margin is the number of free cells kept between the disks and each edge of the window
	// (the 2023 figure keeps one diffusion length, 20 cells).
	Margin int `json:"margin"`
}

// PaperClusterRecipe returns the recipe of the clusters of the 2023 paper's Fig. 15, as this
// project draws them (the paper does not publish its configurations): disks of radius 5 on the
// 512 x 512 lattice, 1 to 6 cells apart, in a 128 x 128 window with a margin of one diffusion
// length (20 cells).
func PaperClusterRecipe() ClusterRecipe {
	return ClusterRecipe{N: 512, Radius: 5, MaxGap: 6, Window: 128, Margin: 20}
}

// Validate checks that the recipe can place a disk at all.
func (c ClusterRecipe) Validate() error {
	switch {
	case c.Radius < 1:
		return fmt.Errorf("dataset: cluster radius %d, want at least 1", c.Radius)
	case c.MaxGap < 0 || c.Margin < 0:
		return fmt.Errorf("dataset: cluster gap %d and margin %d must not be negative", c.MaxGap, c.Margin)
	case c.Window > c.N:
		return fmt.Errorf("dataset: cluster window %d larger than the %dx%d lattice", c.Window, c.N, c.N)
	case 2*c.Radius+1+2*c.Margin > c.Window:
		return fmt.Errorf("dataset: a disk of radius %d with margins %d does not fit a %d-cell window", c.Radius, c.Margin, c.Window)
	}
	return nil
}

// Clusters are redrawn at most this many times, and each disk is tried at most this many
// times, before Draw gives up.
const (
	clusterAttempts = 1000
	clusterTries    = 1000
)

// unit returns a float in [0, 1) from the top 53 bits of the source's output.
func unit(rng rand.Source) float64 { return float64(rng.Uint64()>>11) / (1 << 53) }

// Draw draws a cluster of k disks from rng. The first disk is put at the origin; each next one
// is attached to a uniformly chosen earlier disk, at a centre distance uniform in
// [2R+1, 2R+1+MaxGap) and a uniform direction, rounded to the nearest cell, and is redrawn
// (up to 1000 times) if it overlaps any placed disk. The cluster is redrawn (up to 1000 times)
// when a disk cannot be placed or when its bounding box, plus Margin on each side, exceeds
// Window; it is then shifted so that its bounding box is centred on (N/2, N/2). Source 0 has
// value 1, the others values uniform in (0, 1], as in the data sets.
//
// Only rng's Uint64 output is used, with this package's own float transforms, so a cluster
// depends only on the recipe, k and the stream (the 2023 figure uses math/rand/v2's PCG).
func (c ClusterRecipe) Draw(rng rand.Source, k int) ([]solver.Source, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if k < 1 {
		return nil, fmt.Errorf("dataset: a cluster of %d disks", k)
	}
	r := c.Radius
	minD2 := (2*r + 1) * (2*r + 1) // integer centres: disjoint when more than 2r apart
	for attempt := 0; attempt < clusterAttempts; attempt++ {
		xs, ys := []int{0}, []int{0}
		for len(xs) < k {
			placed := false
			for try := 0; try < clusterTries && !placed; try++ {
				e := int(rng.Uint64() % uint64(len(xs)))
				theta := 2 * math.Pi * unit(rng)
				d := float64(2*r+1) + float64(c.MaxGap)*unit(rng)
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
		if maxX-minX+2*r+2*c.Margin > c.Window || maxY-minY+2*r+2*c.Margin > c.Window {
			continue
		}
		dx, dy := c.N/2-(minX+maxX)/2, c.N/2-(minY+maxY)/2
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
	return nil, fmt.Errorf("dataset: no cluster of %d disks of radius %d fits a %d-cell window with margins %d", k, r, c.Window, c.Margin)
}

// ClusterSizes returns the sizes of the clusters of the sources, largest first: the connected
// groups of sources in which two sources are linked when their centres are at most link apart.
// The sizes add up to len(src).
func ClusterSizes(src []solver.Source, link float64) []int {
	parent := make([]int, len(src))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
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
	size := make([]int, len(src))
	for i := range src {
		size[find(i)]++
	}
	out := make([]int, 0, len(src))
	for _, s := range size {
		if s > 0 {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// ClusterLink returns the link distance of the 2023 Fig. 15 statistics for this data set,
// 2R + l (l = DiffusionLength()): two sources belong to one cluster when their disks are less
// than one diffusion length apart. The paper does not define a cluster; this is our choice.
func (s *Spec) ClusterLink() float64 { return 2*s.Radius + s.DiffusionLength() }

// ClusterCensus counts the clusters in the configurations of a data set with one number of
// sources (Spec.CountClusters).
type ClusterCensus struct {
	// Sources is the number of sources k of every configuration counted.
	Sources int `json:"sources"`
	// Configurations is the number of configurations counted: the first ones with k sources.
	Configurations int `json:"configurations"`
	// Link is the link distance of the clusters (see ClusterSizes).
	Link float64 `json:"link"`
	// Clusters[s-1] is the number of clusters of s sources in all the configurations, s = 1..k.
	Clusters []int `json:"clusters"`
	// AtLeast[s-1] is the number of configurations that hold a cluster of at least s sources.
	AtLeast []int `json:"at_least"`
	// Largest is the largest cluster found.
	Largest int `json:"largest"`
}

// Mean returns the mean number of clusters of s sources per configuration (0 when s is out of
// 1..Sources).
func (c *ClusterCensus) Mean(s int) float64 {
	if s < 1 || s > len(c.Clusters) || c.Configurations == 0 {
		return 0
	}
	return float64(c.Clusters[s-1]) / float64(c.Configurations)
}

// FractionAtLeast returns the fraction of the configurations that hold a cluster of at least s
// sources (1 for s <= 1, 0 when s exceeds Sources).
func (c *ClusterCensus) FractionAtLeast(s int) float64 {
	if c.Configurations == 0 || s > len(c.AtLeast) {
		return 0
	}
	if s < 1 {
		s = 1
	}
	return float64(c.AtLeast[s-1]) / float64(c.Configurations)
}

// CountClusters counts the clusters (see ClusterSizes, with the given link distance) in the
// first count configurations with k sources of the data set. It draws the configurations
// (microseconds each) and solves nothing.
func (s *Spec) CountClusters(k, count int, link float64) (ClusterCensus, error) {
	c := ClusterCensus{Sources: k, Configurations: count, Link: link}
	if k < s.MinSources || k > s.MaxSources {
		return c, fmt.Errorf("dataset: %d sources out of the data set's range %d..%d", k, s.MinSources, s.MaxSources)
	}
	if count < 1 || count > s.PerCount {
		return c, fmt.Errorf("dataset: %d configurations with %d sources, the data set has %d", count, k, s.PerCount)
	}
	c.Clusters, c.AtLeast = make([]int, k), make([]int, k)
	for j := 0; j < count; j++ {
		src, err := s.Sources(s.Index(k, j))
		if err != nil {
			return c, err
		}
		sizes := ClusterSizes(src, link)
		for _, size := range sizes {
			c.Clusters[size-1]++
		}
		big := sizes[0]
		c.Largest = max(c.Largest, big)
		for t := 1; t <= big; t++ {
			c.AtLeast[t-1]++
		}
	}
	return c, nil
}
