package dataset

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func mustSplit(t testing.TB, s Spec) *Splits {
	t.Helper()
	sp, err := s.Split()
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// set returns the indices of s as a set, failing on duplicates or unsorted input.
func set(t *testing.T, s Subset) map[int]bool {
	t.Helper()
	if !slices.IsSorted(s.Indices) {
		t.Fatalf("%s: indices not ascending", s.Name)
	}
	m := make(map[int]bool, len(s.Indices))
	for _, i := range s.Indices {
		if m[i] {
			t.Fatalf("%s: index %d twice", s.Name, i)
		}
		m[i] = true
	}
	if len(s.Indices) != s.Total {
		t.Fatalf("%s: Total %d, %d indices", s.Name, s.Total, len(s.Indices))
	}
	return m
}

func subsetOf(a, b map[int]bool) bool {
	for i := range a {
		if !b[i] {
			return false
		}
	}
	return true
}

func disjoint(a, b map[int]bool) bool {
	for i := range a {
		if b[i] {
			return false
		}
	}
	return true
}

// checkBalanced checks that s has exactly s.PerCount configurations with each number of
// sources from s.MinSources to s.MaxSources, and no others.
func checkBalanced(t *testing.T, spec *Spec, s Subset) {
	t.Helper()
	counts := map[int]int{}
	for _, i := range s.Indices {
		counts[spec.NumSources(i)]++
	}
	for k := s.MinSources; k <= s.MaxSources; k++ {
		if counts[k] != s.PerCount {
			t.Fatalf("%s: %d configurations with %d sources, want %d", s.Name, counts[k], k, s.PerCount)
		}
	}
	if len(counts) != s.MaxSources-s.MinSources+1 || s.Total != s.PerCount*len(counts) {
		t.Fatalf("%s: source counts %v outside %d..%d", s.Name, counts, s.MinSources, s.MaxSources)
	}
}

func TestSplitsProtocol(t *testing.T) {
	for _, r := range []Recipe{Recipe2021, Recipe2023} {
		for _, sc := range []Scale{ScaleSmoke, ScaleCPU, ScaleGPU, ScalePaper} {
			spec := mustNew(t, r, sc, 5)
			t.Run(string(r)+"/"+string(sc), func(t *testing.T) {
				sp := mustSplit(t, spec)
				train, test := sp.Train(), sp.Test()
				tr, te := set(t, train), set(t, test)
				if !disjoint(tr, te) {
					t.Fatal("train and test overlap")
				}
				if len(tr)+len(te) != spec.Len() {
					t.Fatalf("train %d + test %d != %d configurations", len(tr), len(te), spec.Len())
				}
				checkBalanced(t, &spec, train)
				checkBalanced(t, &spec, test)

				// Nested training and test subsets, balanced, smallest first.
				for _, part := range []Part{Train, Test} {
					whole := tr
					if part == Test {
						whole = te
					}
					prev := map[int]bool{}
					for _, d := range spec.Divisors {
						var s Subset
						var err error
						if part == Train {
							s, err = sp.TrainSubset(d)
						} else {
							s, err = sp.TestSubset(d)
						}
						if err != nil {
							t.Fatal(err)
						}
						cur := set(t, s)
						checkBalanced(t, &spec, s)
						if !subsetOf(prev, cur) {
							t.Fatalf("%s does not contain the previous (smaller) subset", s.Name)
						}
						if !subsetOf(cur, whole) {
							t.Fatalf("%s is not inside the %s set", s.Name, part)
						}
						if s.PerCount != SubsetSize(sp.partSize(part), d) || s.Divisor != d || s.Part != part {
							t.Fatalf("%s: %+v", s.Name, s)
						}
						prev = cur
					}
					if len(prev) != len(whole) {
						t.Fatalf("the divisor-1 %s subset is not the whole %s set", part, part)
					}
				}

				// Fixed-count data sets: the k blocks of the split.
				seen := map[int]bool{}
				for k := spec.MinSources; k <= spec.MaxSources; k++ {
					ktr, kte, err := sp.FixedCount(k)
					if err != nil {
						t.Fatal(err)
					}
					a, b := set(t, ktr), set(t, kte)
					if !disjoint(a, b) || !subsetOf(a, tr) || !subsetOf(b, te) {
						t.Fatalf("fixed count %d: train/test not disjoint or not inside the split", k)
					}
					checkBalanced(t, &spec, ktr)
					checkBalanced(t, &spec, kte)
					if len(a)+len(b) != spec.PerCount {
						t.Fatalf("fixed count %d covers %d of %d configurations", k, len(a)+len(b), spec.PerCount)
					}
					for i := range a {
						seen[i] = true
					}
				}
				if len(seen) != len(tr) {
					t.Fatalf("fixed-count training sets cover %d of %d training configurations", len(seen), len(tr))
				}

				// Fluctuation studies: Fig. 6 (three 1.25% sets) and Fig. 9 (two 5% sets).
				for _, c := range []struct{ d, n int }{{80, 3}, {20, 2}} {
					sets, err := sp.Disjoint(c.d, c.n)
					if err != nil {
						t.Fatal(err)
					}
					nested, _ := sp.TrainSubset(c.d)
					if !reflect.DeepEqual(sets[0].Indices, nested.Indices) {
						t.Fatalf("Disjoint(%d): set A is not TrainSubset(%d)", c.d, c.d)
					}
					var ms []map[int]bool
					for _, s := range sets {
						checkBalanced(t, &spec, s)
						m := set(t, s)
						if !subsetOf(m, tr) || s.Total != nested.Total {
							t.Fatalf("%s: not a training subset of the size of %s", s.Name, nested.Name)
						}
						for _, o := range ms {
							if !disjoint(m, o) {
								t.Fatalf("%s overlaps an earlier set", s.Name)
							}
						}
						ms = append(ms, m)
					}
				}
			})
		}
	}
}

func TestScalePresets(t *testing.T) {
	cases := []struct {
		recipe             Recipe
		scale              Scale
		n, perCount, total int
		train, test        int
		subsets            []int // per source count, for divisors 80, 40, 20, 8, 4, 2, 1
	}{
		{Recipe2023, ScaleSmoke, 32, 10, 200, 8, 2, []int{1, 1, 1, 1, 2, 4, 8}},
		{Recipe2023, ScaleCPU, 128, 100, 2000, 80, 20, []int{1, 2, 4, 10, 20, 40, 80}},
		{Recipe2023, ScaleGPU, 256, 2000, 40000, 1600, 400, []int{20, 40, 80, 200, 400, 800, 1600}},
		{Recipe2023, ScalePaper, 512, 20000, 400000, 16000, 4000, []int{200, 400, 800, 2000, 4000, 8000, 16000}},
		{Recipe2021, ScaleSmoke, 40, 200, 200, 160, 40, []int{2, 4, 8, 20, 40, 80, 160}},
		{Recipe2021, ScaleCPU, 60, 2000, 2000, 1600, 400, []int{20, 40, 80, 200, 400, 800, 1600}},
		{Recipe2021, ScaleGPU, 100, 20000, 20000, 16000, 4000, []int{200, 400, 800, 2000, 4000, 8000, 16000}},
		{Recipe2021, ScalePaper, 100, 20000, 20000, 16000, 4000, []int{200, 400, 800, 2000, 4000, 8000, 16000}},
	}
	for _, c := range cases {
		s := mustNew(t, c.recipe, c.scale, 1)
		if s.N != c.n || s.PerCount != c.perCount || s.Len() != c.total {
			t.Errorf("%s/%s: N %d, per count %d, total %d", c.recipe, c.scale, s.N, s.PerCount, s.Len())
		}
		// The geometry: R/N and l/N are the paper's (2023: 5/512, 20/512; 2021: 5/100, 20/100),
		// except the 2023 smoke scale (the cpu scale's R and l on a 32 x 32 lattice).
		paperN := map[Recipe]float64{Recipe2023: 512, Recipe2021: 100}[c.recipe]
		wantR, wantL := 5*float64(s.N)/paperN, 20*float64(s.N)/paperN
		if c.recipe == Recipe2023 && c.scale == ScaleSmoke {
			wantR, wantL = 1.25, 5
		}
		if s.Radius != wantR || math.Abs(s.DiffusionLength()-wantL) > 1e-12*wantL || (s.N == int(paperN) && s.Gamma != 1.0/400) {
			t.Errorf("%s/%s: geometry R=%g l=%g, want %g and %g", c.recipe, c.scale, s.Radius, s.DiffusionLength(), wantR, wantL)
		}
		if s.D != 1 || s.TestFraction != 0.2 || !slices.Equal(s.Divisors, PaperDivisors) {
			t.Errorf("%s/%s: physics or protocol changed: %+v", c.recipe, c.scale, s)
		}
		wantK := [2]int{1, 20}
		if c.recipe == Recipe2021 {
			wantK = [2]int{2, 2}
		}
		if [2]int{s.MinSources, s.MaxSources} != wantK || s.Overlap != (c.recipe == Recipe2023) {
			t.Errorf("%s/%s: sources %d..%d, overlap %v", c.recipe, c.scale, s.MinSources, s.MaxSources, s.Overlap)
		}
		m := mustSplit(t, s).Manifest()
		if m.Train.PerCount != c.train || m.Test.PerCount != c.test {
			t.Errorf("%s/%s: train %d test %d per count", c.recipe, c.scale, m.Train.PerCount, m.Test.PerCount)
		}
		var got []int
		for _, sub := range m.TrainSubsets {
			got = append(got, sub.PerCount)
			if sub.Indices != nil {
				t.Errorf("manifest subset %s carries indices", sub.Name)
			}
		}
		if !slices.Equal(got, c.subsets) {
			t.Errorf("%s/%s: subsets per count %v, want %v", c.recipe, c.scale, got, c.subsets)
		}
	}
}

func TestSplitDeterminism(t *testing.T) {
	a := mustSplit(t, mustNew(t, Recipe2023, ScaleCPU, 1))
	b := mustSplit(t, mustNew(t, Recipe2023, ScaleCPU, 1))
	c := mustSplit(t, mustNew(t, Recipe2023, ScaleCPU, 2))
	da, _ := a.Disjoint(80, 3)
	db, _ := b.Disjoint(80, 3)
	if !reflect.DeepEqual(a.Train(), b.Train()) || !reflect.DeepEqual(a.Test(), b.Test()) || !reflect.DeepEqual(da, db) {
		t.Error("same seed, different split")
	}
	if reflect.DeepEqual(a.Train().Indices, c.Train().Indices) {
		t.Error("different seeds, same split")
	}
}

func TestSplitErrors(t *testing.T) {
	sp := mustSplit(t, mustNew(t, Recipe2023, ScaleSmoke, 1))
	if _, err := sp.TrainSubset(0); err == nil {
		t.Error("divisor 0 accepted")
	}
	if _, _, err := sp.FixedCount(21); err == nil || !strings.Contains(err.Error(), "21 sources") {
		t.Errorf("FixedCount(21): %v", err)
	}
	// 8 training configurations per count: nine disjoint sets of 1 do not fit.
	if _, err := sp.Disjoint(80, 9); err == nil || !strings.Contains(err.Error(), "9 disjoint subsets") {
		t.Errorf("Disjoint(80, 9): %v", err)
	}
	if sets, err := sp.Disjoint(80, 8); err != nil || len(sets) != 8 || sets[7].Name != "train/80/H" {
		t.Errorf("Disjoint(80, 8): %v", err)
	}
	bad := mustNew(t, Recipe2023, ScaleSmoke, 1)
	bad.N = 33
	if _, err := bad.Split(); err == nil {
		t.Error("Split of an invalid spec succeeded")
	}
}

func TestManifestJSON(t *testing.T) {
	sp := mustSplit(t, mustNew(t, Recipe2023, ScaleSmoke, 9))
	m := sp.Manifest()
	j, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"scale":"smoke"`, `"recipe":"2023"`, `"id":"` + m.ID + `"`, `"description":"2023 recipe at scale smoke`, `"name":"train/80"`} {
		if !strings.Contains(string(j), want) {
			t.Errorf("manifest JSON lacks %s:\n%s", want, j)
		}
	}
	var back Manifest
	if err := json.Unmarshal(j, &back); err != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("manifest does not survive JSON: %v", err)
	}
	sum := m.Summary()
	for _, want := range []string{"scale smoke", "train/80", "1 per source count", "nominal 1.25%"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func BenchmarkSplitPaper(b *testing.B) {
	s := mustNew(b, Recipe2023, ScalePaper, 1)
	for b.Loop() {
		sp, err := s.Split()
		if err != nil {
			b.Fatal(err)
		}
		sp.TrainSubset(80)
	}
}

func TestSubsetByName(t *testing.T) {
	sp := mustSplit(t, mustNew(t, Recipe2023, ScaleCPU, 3))
	sub := func(s Subset, err error) Subset {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	k7train, k7test, err := sp.FixedCount(7)
	if err != nil {
		t.Fatal(err)
	}
	disjoint, err := sp.Disjoint(20, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want Subset
	}{
		{"train", sp.Train()},
		{"test", sp.Test()},
		{"train/1", sp.Train()},
		{"train/80", sub(sp.TrainSubset(80))},
		{"test/8", sub(sp.TestSubset(8))},
		{"train/20/A", disjoint[0]},
		{"train/20/C", disjoint[2]},
		{"k07/train", k7train},
		{"k7/test", k7test},
	} {
		got, err := sp.Subset(tc.name)
		if err != nil {
			t.Errorf("Subset(%q): %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Subset(%q) = %s with %d indices, want %s with %d", tc.name, got.Name, got.Total, tc.want.Name, tc.want.Total)
		}
	}
	for _, name := range []string{"", "validation", "train/0", "train/x", "train/20/a", "train/20/AB", "test/20/A",
		"k99/train", "kx/train", "k07/valid", "train/1/2/3", "train/2/C"} {
		if _, err := sp.Subset(name); err == nil {
			t.Errorf("Subset(%q): want an error", name)
		} else if !strings.Contains(err.Error(), "subset") && !strings.Contains(err.Error(), "dataset") {
			t.Errorf("Subset(%q): error %q does not say what is wrong", name, err)
		}
	}
}
