package fig2023

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/metrics"
)

// AreaFractions saves its result under the cache, keyed by the data set and the count, and
// reads it back; another data set or count is computed anew.
func TestAreaFractionsCache(t *testing.T) {
	cache := t.TempDir()
	spec, err := dataset.Custom(3, 32, 2, 1, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	first, err := AreaFractions(t.Context(), spec, 2, cache, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.Reused || first.Solver.Solves != 3*2 || len(first.Regions) != fig03Classes {
		t.Fatalf("first call: reused %v, %d solves, %d regions", first.Reused, first.Solver.Solves, len(first.Regions))
	}
	again, err := AreaFractions(t.Context(), spec, 2, cache, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Reused || !reflect.DeepEqual(again.Regions, first.Regions) {
		t.Errorf("second call: reused %v, regions equal %v", again.Reused, reflect.DeepEqual(again.Regions, first.Regions))
	}
	more, err := AreaFractions(t.Context(), spec, 3, cache, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := spec
	other.Seed = 4
	moved, err := AreaFractions(t.Context(), other, 2, cache, nil)
	if err != nil {
		t.Fatal(err)
	}
	if more.Reused || moved.Reused || reflect.DeepEqual(moved.Regions, first.Regions) {
		t.Errorf("another count or seed reused a cached result: %v, %v", more.Reused, moved.Reused)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "fig2023", "area-fractions", "*.json"))
	if len(files) != 3 {
		t.Errorf("%d cache files, want 3: %v", len(files), files)
	}
	// A damaged cache file is recomputed.
	if err := os.WriteFile(files[0], []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := AreaFractions(t.Context(), spec, 2, cache, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := AreaFractions(t.Context(), spec, 5, "", nil); err == nil {
		t.Error("5 configurations per count of a data set of 4: no error")
	}
	// The mean area fractions of the regions that partition the lattice add up to 1.
	for i := range first.Regions[0].Mean {
		src, _ := first.Region("sources")
		field, _ := first.Region("field")
		if s := src.Mean[i] + field.Mean[i]; math.Abs(s-1) > 1e-12 {
			t.Errorf("%d sources: sources + field = %g", i+1, s)
		}
	}
}

// The configuration of panels a-g: its fractions are those of metrics' masks.
func TestFig03Configuration(t *testing.T) {
	spec, err := dataset.Custom(3, 64, 5, 1, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	ex, input, target, st, err := Fig03Configuration(spec, 4)
	if err != nil {
		t.Fatal(err)
	}
	if ex.NSources != 4 || ex.Index != spec.Index(4, 0) || st.Scale != ex.Max || len(input) != 64*64 || len(target) != 64*64 {
		t.Fatalf("example %+v, %d inputs, %d targets", ex, len(input), len(target))
	}
	for _, region := range fig03Regions {
		n := 0
		for i := range input {
			if region.Contains(float64(input[i]), float64(target[i])) {
				n++
			}
		}
		if got, want := ex.Fractions[region.String()], float64(n)/float64(len(input)); math.Abs(got-want) > 1e-15 {
			t.Errorf("%s: fraction %g, metrics says %g", region, got, want)
		}
	}
	if ex.Fractions[metrics.Sources.String()] == 0 || ex.Fractions[fig03Near1Name] == 0 {
		t.Errorf("no source pixels or none near 1: %v", ex.Fractions)
	}
}
