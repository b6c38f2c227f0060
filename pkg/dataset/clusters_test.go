package dataset

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/solver"
)

// disks returns sources of radius 5 at the given centres (x0, y0, x1, y1, ...).
func disks(xy ...float64) []solver.Source {
	var s []solver.Source
	for i := 0; i+1 < len(xy); i += 2 {
		s = append(s, solver.Source{X: xy[i], Y: xy[i+1], R: 5, Value: 1})
	}
	return s
}

func TestClusterSizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  []solver.Source
		link float64
		want []int // largest first
	}{
		{"none", nil, 30, []int{}},
		{"one", disks(10, 10), 30, []int{1}},
		{"apart", disks(0, 0, 31, 0), 30, []int{1, 1}},
		{"at the link distance", disks(0, 0, 30, 0), 30, []int{2}},
		{"diagonal just beyond", disks(0, 0, 21.3, 21.3), 30, []int{1, 1}},
		{"chain", disks(0, 0, 25, 0, 50, 0, 200, 200), 30, []int{3, 1}},
		{"chain broken by a shorter link", disks(0, 0, 25, 0, 50, 0, 200, 200), 20, []int{1, 1, 1, 1}},
		{"two pairs", disks(0, 0, 0, 20, 300, 300, 310, 310), 30, []int{2, 2}},
		{"linked through the last source", disks(0, 0, 100, 0, 50, 0), 50, []int{3}},
		{"star and a pair", disks(50, 50, 30, 50, 70, 50, 50, 30, 50, 70, 400, 400, 410, 400), 25, []int{5, 2}},
	} {
		got := ClusterSizes(tc.src, tc.link)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: sizes %v, want %v", tc.name, got, tc.want)
		}
		total := 0
		for _, s := range got {
			total += s
		}
		if total != len(tc.src) {
			t.Errorf("%s: sizes add up to %d, want %d sources", tc.name, total, len(tc.src))
		}
	}
}

func TestClusterRecipeDraw(t *testing.T) {
	for _, c := range []ClusterRecipe{PaperClusterRecipe(), {N: 128, Radius: 2, MaxGap: 3, Window: 64, Margin: 5}} {
		for seed := uint64(1); seed <= 3; seed++ {
			rng := rand.New(rand.NewPCG(seed, 1))
			for k := 1; k <= 9; k++ {
				src, err := c.Draw(rng, k)
				if err != nil {
					t.Fatal(err)
				}
				if len(src) != k || src[0].Value != 1 {
					t.Fatalf("%+v k=%d: %d sources, first value %g", c, k, len(src), src[0].Value)
				}
				r := float64(c.Radius)
				// The disks and their margins lie inside the window centred on the lattice.
				lo, hi := float64(c.N/2-c.Window/2+c.Margin)+r, float64(c.N/2+c.Window/2-c.Margin)-r
				for i, s := range src {
					if s.Value <= 0 || s.Value > 1 || s.R != r {
						t.Errorf("%+v k=%d: source %d has value %g, radius %g", c, k, i, s.Value, s.R)
					}
					if s.X < lo || s.X > hi || s.Y < lo || s.Y > hi {
						t.Errorf("%+v k=%d: source %d at (%g, %g) leaves the window [%g, %g]", c, k, i, s.X, s.Y, lo, hi)
					}
					for j := 0; j < i; j++ {
						if d := math.Hypot(s.X-src[j].X, s.Y-src[j].Y); d <= 2*r {
							t.Errorf("%+v k=%d: disks %d and %d overlap (centres %.1f apart)", c, k, j, i, d)
						}
					}
				}
				// Every disk was attached within 2r+1+gap of another (plus rounding): one cluster.
				if sizes := ClusterSizes(src, 2*r+1+float64(c.MaxGap)+1); len(sizes) != 1 {
					t.Errorf("%+v k=%d: the sources form the groups %v, want one cluster", c, k, sizes)
				}
			}
		}
	}
}

// The same stream gives the same cluster; the cluster depends on nothing else.
func TestClusterRecipeDrawDeterministic(t *testing.T) {
	c := PaperClusterRecipe()
	a, err := c.Draw(rand.NewPCG(7, 8), 6)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Draw(rand.New(rand.NewPCG(7, 8)), 6)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same stream, different clusters:\n%v\n%v", a, b)
	}
}

func TestClusterRecipeInvalid(t *testing.T) {
	ok := PaperClusterRecipe()
	for _, tc := range []struct {
		name string
		c    ClusterRecipe
		k    int
		want string
	}{
		{"no disks", ok, 0, "cluster of 0"},
		{"radius 0", ClusterRecipe{N: 64, Radius: 0, MaxGap: 1, Window: 64}, 2, "radius 0"},
		{"negative gap", ClusterRecipe{N: 64, Radius: 2, MaxGap: -1, Window: 64}, 2, "must not be negative"},
		{"window beyond the lattice", ClusterRecipe{N: 64, Radius: 2, MaxGap: 1, Window: 65}, 2, "larger than"},
		{"margins fill the window", ClusterRecipe{N: 64, Radius: 2, MaxGap: 1, Window: 20, Margin: 8}, 1, "does not fit"},
		{"too many disks for the window", ClusterRecipe{N: 64, Radius: 2, MaxGap: 1, Window: 16, Margin: 2}, 30, "no cluster of 30"},
	} {
		_, err := tc.c.Draw(rand.NewPCG(1, 1), tc.k)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// CountClusters agrees with ClusterSizes applied configuration by configuration, and its
// fractions are consistent.
func TestCountClusters(t *testing.T) {
	spec := mustNew(t, Recipe2023, ScaleSmoke, 1)
	link := spec.ClusterLink()
	if want := 2*1.25 + 5; math.Abs(link-want) > 1e-12 {
		t.Fatalf("smoke link distance %g, want %g", link, want)
	}
	for _, k := range []int{1, 4, 12, 20} {
		c, err := spec.CountClusters(k, spec.PerCount, link)
		if err != nil {
			t.Fatal(err)
		}
		clusters, atLeast, largest := make([]int, k), make([]int, k), 0
		for j := 0; j < spec.PerCount; j++ {
			src, err := spec.Sources(spec.Index(k, j))
			if err != nil {
				t.Fatal(err)
			}
			big := 0
			for _, s := range ClusterSizes(src, link) {
				clusters[s-1]++
				big = max(big, s)
			}
			for s := 1; s <= big; s++ {
				atLeast[s-1]++
			}
			largest = max(largest, big)
		}
		if !reflect.DeepEqual(c.Clusters, clusters) || !reflect.DeepEqual(c.AtLeast, atLeast) || c.Largest != largest {
			t.Errorf("k=%d: census %+v, want clusters %v, at least %v, largest %d", k, c, clusters, atLeast, largest)
		}
		sources := 0.0
		for s := 1; s <= k; s++ {
			sources += float64(s) * c.Mean(s)
		}
		if math.Abs(sources-float64(k)) > 1e-9 {
			t.Errorf("k=%d: the mean cluster sizes add up to %g sources", k, sources)
		}
		if c.FractionAtLeast(1) != 1 || c.FractionAtLeast(k+1) != 0 || c.Mean(0) != 0 || c.Mean(k+1) != 0 {
			t.Errorf("k=%d: fractions out of range: %g %g %g %g", k, c.FractionAtLeast(1), c.FractionAtLeast(k+1), c.Mean(0), c.Mean(k+1))
		}
		for s := 2; s <= k; s++ {
			if c.FractionAtLeast(s) > c.FractionAtLeast(s-1) {
				t.Errorf("k=%d: P(cluster >= %d) = %g above P(cluster >= %d) = %g", k, s, c.FractionAtLeast(s), s-1, c.FractionAtLeast(s-1))
			}
		}
	}
	// On the smoke lattice (N = 32, link 7.5) 20 sources always touch: some cluster has 2 or more.
	c, _ := spec.CountClusters(20, spec.PerCount, link)
	if c.FractionAtLeast(2) != 1 {
		t.Errorf("20 sources on 32 x 32: P(cluster >= 2) = %g, want 1", c.FractionAtLeast(2))
	}
	for _, tc := range []struct{ k, count int }{{0, 1}, {21, 1}, {5, 0}, {5, spec.PerCount + 1}} {
		if _, err := spec.CountClusters(tc.k, tc.count, link); err == nil {
			t.Errorf("CountClusters(%d, %d): no error", tc.k, tc.count)
		}
	}
}
