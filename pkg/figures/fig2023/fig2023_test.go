package fig2023

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/codename"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/solver"
)

// The inlined pixel classification of Fig. 3 must agree with the regions of package metrics.
func TestRegionCountsMatchMetrics(t *testing.T) {
	spec, err := dataset.Custom(3, 64, 5, 1, 20, 2)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := metrics.NewRegionAccumulator(20)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{1, 7, 20} {
		p, err := spec.Problem(spec.Index(k, 0))
		if err != nil {
			t.Fatal(err)
		}
		res, err := solver.Solve(p, solver.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		got := regionCounts(res.Input, res.Field)
		for r, region := range fig03Regions {
			var want int64
			for i := range res.Field {
				if region.Contains(res.Input[i], res.Field[i]) {
					want++
				}
			}
			if got[r] != want {
				t.Errorf("%d sources, %s: %d pixels, metrics says %d", k, region, got[r], want)
			}
		}
		var near1 int64
		for _, v := range res.Field {
			if v >= fig03Near1 {
				near1++
			}
		}
		if got[5] != near1 || near1 == 0 {
			t.Errorf("%d sources: %d pixels near 1, want %d (> 0: the maximum is 1)", k, got[5], near1)
		}
		if err := acc.Add64(res.Input, res.Field, res.Field, k); err != nil {
			t.Fatal(err)
		}
		for r, region := range fig03Regions {
			st, err := acc.Stat(region, k)
			if err != nil {
				t.Fatal(err)
			}
			if want := float64(got[r]) / float64(len(res.Field)); math.Abs(st.AreaFraction-want) > 1e-15 {
				t.Errorf("%d sources, %s: area fraction %g, RegionAccumulator says %g", k, region, want, st.AreaFraction)
			}
		}
	}
}

// The clusters of Fig. 15a: one of every size from 2 to 9, each a single cluster of the
// recipe's disks, the same for the same seed; and the census covers every number of sources.
func TestFig15DrawAndCensus(t *testing.T) {
	recipe := dataset.PaperClusterRecipe()
	drawn, err := Fig15Draw(recipe, 1)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Fig15Draw(recipe, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(drawn, again) {
		t.Error("Fig15Draw: the same seed drew different clusters")
	}
	if len(drawn) != fig15MaxK-fig15MinK+1 {
		t.Fatalf("%d clusters, want %d", len(drawn), fig15MaxK-fig15MinK+1)
	}
	link := float64(2*recipe.Radius+1+recipe.MaxGap) + 1
	for i, src := range drawn {
		if len(src) != fig15MinK+i {
			t.Errorf("cluster %d has %d sources, want %d", i, len(src), fig15MinK+i)
		}
		if sizes := dataset.ClusterSizes(src, link); len(sizes) != 1 {
			t.Errorf("cluster %d falls apart into %v", i, sizes)
		}
	}
	spec, err := dataset.New(dataset.Recipe2023, scale.Smoke, 1)
	if err != nil {
		t.Fatal(err)
	}
	census, err := Fig15Census(t.Context(), spec, spec.PerCount, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range census {
		if c.Sources != spec.MinSources+i || c.Configurations != spec.PerCount || c.Link != spec.ClusterLink() {
			t.Errorf("census %d: %d sources, %d configurations, link %g", i, c.Sources, c.Configurations, c.Link)
		}
	}
}

func TestDataSetSizes(t *testing.T) {
	spec, err := paperSpec(1)
	if err != nil {
		t.Fatal(err)
	}
	d, err := DescribeDataSet(spec)
	if err != nil {
		t.Fatal(err)
	}
	if d.Configurations != 400000 || d.Train.Total != 320000 || d.Test.Total != 80000 {
		t.Errorf("paper data set: %d configurations, train %d, test %d; want 400000, 320000, 80000", d.Configurations, d.Train.Total, d.Test.Total)
	}
	wantTrain := []int{4000, 8000, 16000, 40000, 80000, 160000, 320000}
	for i, s := range d.TrainSubsets {
		if s.Total != wantTrain[i] || s.PerCount*20 != s.Total {
			t.Errorf("training subset %d: %d (%d per count), want %d", s.Divisor, s.Total, s.PerCount, wantTrain[i])
		}
	}
	if !d.Nested || !d.Balanced || !d.Disjoint {
		t.Errorf("paper data set: nested %v, balanced %v, disjoint %v", d.Nested, d.Balanced, d.Disjoint)
	}
	for _, s := range []dataset.Scale{dataset.ScaleSmoke, dataset.ScaleCPU} {
		spec, err := dataset.New(dataset.Recipe2023, s, 1)
		if err != nil {
			t.Fatal(err)
		}
		d, err := DescribeDataSet(spec)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Nested || !d.Balanced || !d.Disjoint || len(d.TrainSubsets) != 7 || len(d.TestSubsets) != 7 {
			t.Errorf("%s: nested %v, balanced %v, disjoint %v, %d/%d subsets", s, d.Nested, d.Balanced, d.Disjoint, len(d.TrainSubsets), len(d.TestSubsets))
		}
	}
}

func TestModelTables(t *testing.T) {
	perTable := map[int]int{}
	for _, name := range codename.PaperNames() {
		perTable[codename.MustParse(name).Table]++
	}
	for n := 2; n <= 8; n++ {
		r, err := modelTable(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Table.Validate(); err != nil {
			t.Fatal(err)
		}
		if len(r.Table.Rows) != perTable[n] {
			t.Errorf("table %d: %d rows, codename lists %d models", n, len(r.Table.Rows), perTable[n])
		}
	}
	t2, _ := modelTable(2)
	rows := map[string][]string{}
	for _, row := range t2.Table.Rows {
		rows[strings.Fields(row[0])[0]] = row
	}
	for name, want := range map[string][]string{
		"80E1":          {"80E1", "1", "-", "-", "-", "Exp-MAE", "100", "-", "1e-4"},
		"80EIH":         {"80EIH", "1", "-", "-", "1†", "Exp-Inv-Huber", "100", "-", "1e-4"},
		"80S1_a6000_b1": {"80S1_a6000_b1 (1)", "-", "6000", "1", "-", "Step-MAE", "100", "-", "2e-5"},
		"80SH_sqrt":     {"80SH_sqrt", "-", "4000", "10", "1†", "Step-Huber", "100", "sqrt", "1e-4"},
	} {
		if !reflect.DeepEqual(rows[name], want) {
			t.Errorf("table 2, %s: %q, want %q", name, rows[name], want)
		}
	}
	if _, err := modelTable(9); err == nil {
		t.Error("table 9: want an error")
	}
}

func TestTable1Shapes(t *testing.T) {
	r, err := table1()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Table.Validate(); err != nil {
		t.Fatal(err)
	}
	last := func(rows [][2]string) string {
		for i := len(rows) - 1; i >= 0; i-- {
			if rows[i][1] != "-" {
				return rows[i][1]
			}
		}
		return ""
	}
	if got := last(table1Encoder); got != "2048 x 16 x 16" {
		t.Errorf("bottleneck %q", got)
	}
	if got := last(table1Decoder); got != "1 x 512 x 512" {
		t.Errorf("output %q", got)
	}
}

// Every figure of the package computes and renders at the smoke scale, and Fig. 3 gives the
// same results with one worker as with several.
func TestFiguresSmoke(t *testing.T) {
	root := t.TempDir()
	opt := figures.Options{Scale: scale.Smoke, Root: root, Log: io.Discard}
	for _, id := range []string{"2023-fig03", "2023-fig04", "2023-fig15", "2023-table1", "2023-table2", "2023-table6"} {
		st, err := figures.Ensure(id, opt)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		paths, err := figures.Render(id, opt)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for _, ext := range []string{".png", ".svg"} {
			if !contains(paths, filepath.Join(root, id, "smoke", id+ext)) {
				t.Errorf("%s: no %s file among %v", id, ext, paths)
			}
		}
		if sum, err := figures.Summary(st); err != nil || len(sum) < 100 || strings.Contains(sum, "incomplete") {
			t.Errorf("%s: summary %q, error %v", id, sum, err)
		}
	}

	st, err := figures.Load(root, "2023-fig03", scale.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	var r Fig03Results
	if err := json.Unmarshal(st.Results, &r); err != nil {
		t.Fatal(err)
	}
	if r.PerCount != 5 || len(r.Counts) != 20 || r.Example.NSources != 19 || r.Solver.Solves != 101 {
		t.Errorf("fig03 smoke: %d per count, %d counts, example with %d sources, %d solves", r.PerCount, len(r.Counts), r.Example.NSources, r.Solver.Solves)
	}
	src, _ := r.region("sources")
	if want := 81.0 / (512 * 512); math.Abs(src.Mean[0]-want) > 1e-12 || src.Std[0] != 0 {
		t.Errorf("one source covers %g ± %g of the lattice, want 81 cells = %g", src.Mean[0], src.Std[0], want)
	}
	for _, reg := range r.Regions {
		for i, f := range reg.Mean {
			if f < 0 || f > 1 || reg.Std[i] < 0 {
				t.Errorf("%s, %d sources: fraction %g ± %g", reg.Name, r.Counts[i], f, reg.Std[i])
			}
		}
	}
	// Recompute with one worker: the integer sums make the results identical.
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	root1 := t.TempDir()
	opt.Root = root1
	if _, err := figures.Ensure("2023-fig03", opt); err != nil {
		t.Fatal(err)
	}
	st1, err := figures.Load(root1, "2023-fig03", scale.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	var r1 Fig03Results
	if err := json.Unmarshal(st1.Results, &r1); err != nil {
		t.Fatal(err)
	}
	r.Solver.CPUSeconds, r1.Solver.CPUSeconds = 0, 0
	for i := range r.Reduced {
		r.Reduced[i].Solver.CPUSeconds = 0
	}
	for i := range r1.Reduced {
		r1.Reduced[i].Solver.CPUSeconds = 0
	}
	if len(r.Reduced) != 3 || r.Reduced[1].N != 128 || r.Reduced[1].Radius != 1.25 || r.Reduced[1].L != 5 {
		t.Errorf("fig03 smoke: reduced scales %+v", r.Reduced)
	}
	if !reflect.DeepEqual(r, r1) {
		t.Error("fig03 results differ between 1 and several workers")
	}
	a, _ := os.ReadFile(filepath.Join(root, "2023-fig03", "smoke", r.Example.Target))
	b, _ := os.ReadFile(filepath.Join(root1, "2023-fig03", "smoke", r.Example.Target))
	if len(a) == 0 || string(a) != string(b) {
		t.Error("fig03 example fields differ between runs")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestThousandsAndPercent(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 320000: "320,000", -4000: "-4,000", 1234567: "1,234,567"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{1.0 / 80: "1.25%", 0.025: "2.5%", 0.05: "5%", 1: "100%", 0.125: "12.5%"} {
		if got := percent(in); got != want {
			t.Errorf("percent(%g) = %q, want %q", in, got, want)
		}
	}
}
