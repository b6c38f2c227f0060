package dataset

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/surrogo/surrogo/pkg/rng"
)

// Part names one side of the train/test split.
type Part string

// The two parts of a split.
const (
	Train Part = "train"
	Test  Part = "test"
)

// Subset is a named list of configurations of a data set, with equal counts for every number
// of sources from MinSources to MaxSources.
type Subset struct {
	Name       string  `json:"name"`        // e.g. "train", "test/8", "train/80/B", "k07/test"
	Part       Part    `json:"part"`        // the part it is drawn from
	Divisor    int     `json:"divisor"`     // it holds about 1/Divisor of the part (1: all of it)
	Nominal    float64 `json:"nominal"`     // 1/Divisor
	Fraction   float64 `json:"fraction"`    // the fraction of the part it actually holds
	MinSources int     `json:"min_sources"` // smallest number of sources it covers
	MaxSources int     `json:"max_sources"` // largest number of sources it covers
	PerCount   int     `json:"per_count"`   // configurations per number of sources
	Total      int     `json:"total"`       // len(Indices)
	// Indices are the configuration indices, ascending. Manifest leaves them out.
	Indices []int `json:"indices,omitempty"`
}

// SubsetSize returns how many of n configurations a subset with the given divisor takes:
// floor(n/divisor), but at least 1 (and at most n).
func SubsetSize(n, divisor int) int {
	return min(n, max(1, n/divisor))
}

// testPerCount returns nTest = round(TestFraction*PerCount), kept in [1, PerCount-1].
func (s *Spec) testPerCount() int {
	return min(s.PerCount-1, max(1, int(math.Round(s.TestFraction*float64(s.PerCount)))))
}

// trainPerCount returns PerCount - testPerCount().
func (s *Spec) trainPerCount() int { return s.PerCount - s.testPerCount() }

// Splits holds the train/test split of a data set and draws its subsets. Build it with
// Spec.Split; it is immutable and safe for concurrent use.
type Splits struct {
	spec          Spec
	nTrain, nTest int
	order         [][]int // order[k-MinSources]: the positions j in random order, training first
}

// Split validates s and draws its train/test split (see the package documentation).
func (s *Spec) Split() (*Splits, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	sp := &Splits{spec: *s, nTrain: s.trainPerCount(), nTest: s.testPerCount()}
	sp.spec.Divisors = slices.Clone(s.Divisors)
	sp.order = make([][]int, s.NumCounts())
	for c := range sp.order {
		perm := make([]int, s.PerCount)
		for j := range perm {
			perm[j] = j
		}
		rng.Shuffle(newStream(s.Seed, "split", uint64(s.MinSources+c), 0), perm)
		sp.order[c] = perm
	}
	return sp, nil
}

// Spec returns the data set's Spec.
func (sp *Splits) Spec() Spec {
	s := sp.spec
	s.Divisors = slices.Clone(s.Divisors)
	return s
}

// TrainPerCount returns the number of training configurations per number of sources.
func (sp *Splits) TrainPerCount() int { return sp.nTrain }

// TestPerCount returns the number of test configurations per number of sources.
func (sp *Splits) TestPerCount() int { return sp.nTest }

// part returns the positions j of part p for source count k, in the part's random order.
func (sp *Splits) part(p Part, k int) []int {
	o := sp.order[k-sp.spec.MinSources]
	if p == Train {
		return o[:sp.nTrain]
	}
	return o[sp.nTrain:]
}

func (sp *Splits) partSize(p Part) int {
	if p == Train {
		return sp.nTrain
	}
	return sp.nTest
}

// collect builds the subset of positions [from, from+m) of part p for source counts kLo..kHi.
func (sp *Splits) collect(name string, p Part, divisor, from, m, kLo, kHi int) Subset {
	idx := make([]int, 0, m*(kHi-kLo+1))
	for k := kLo; k <= kHi; k++ {
		for _, j := range sp.part(p, k)[from : from+m] {
			idx = append(idx, sp.spec.Index(k, j))
		}
	}
	slices.Sort(idx)
	return Subset{
		Name: name, Part: p, Divisor: divisor, Nominal: 1 / float64(divisor),
		Fraction: float64(m) / float64(sp.partSize(p)), MinSources: kLo, MaxSources: kHi,
		PerCount: m, Total: len(idx), Indices: idx,
	}
}

// Train returns the training set: the first TrainPerCount() configurations of every source
// count in its random order.
func (sp *Splits) Train() Subset {
	return sp.collect(string(Train), Train, 1, 0, sp.nTrain, sp.spec.MinSources, sp.spec.MaxSources)
}

// Test returns the test set, disjoint from the training set.
func (sp *Splits) Test() Subset {
	return sp.collect(string(Test), Test, 1, 0, sp.nTest, sp.spec.MinSources, sp.spec.MaxSources)
}

// TrainSubset returns the training subset with the given divisor (80 for the 2023 paper's
// 1.25%, ..., 1 for the whole training set): SubsetSize(TrainPerCount(), divisor)
// configurations of every number of sources. Subsets are nested: a subset contains every
// subset with a larger divisor.
func (sp *Splits) TrainSubset(divisor int) (Subset, error) { return sp.subset(Train, divisor) }

// TestSubset is TrainSubset for the test set.
func (sp *Splits) TestSubset(divisor int) (Subset, error) { return sp.subset(Test, divisor) }

func (sp *Splits) subset(p Part, divisor int) (Subset, error) {
	if divisor < 1 {
		return Subset{}, fmt.Errorf("dataset: subset divisor must be at least 1, got %d", divisor)
	}
	name := string(p)
	if divisor > 1 {
		name = fmt.Sprintf("%s/%d", p, divisor)
	}
	return sp.collect(name, p, divisor, 0, SubsetSize(sp.partSize(p), divisor), sp.spec.MinSources, sp.spec.MaxSources), nil
}

// FixedCount returns the training and test sets of the fixed-count data set with k sources
// (2023 paper, section 3.2): the configurations with k sources of the training and of the
// test set.
func (sp *Splits) FixedCount(k int) (train, test Subset, err error) {
	if k < sp.spec.MinSources || k > sp.spec.MaxSources {
		return Subset{}, Subset{}, fmt.Errorf("dataset: no configurations with %d sources (the data set has %d..%d)", k, sp.spec.MinSources, sp.spec.MaxSources)
	}
	train = sp.collect(fmt.Sprintf("k%02d/%s", k, Train), Train, 1, 0, sp.nTrain, k, k)
	test = sp.collect(fmt.Sprintf("k%02d/%s", k, Test), Test, 1, 0, sp.nTest, k, k)
	return train, test, nil
}

// Disjoint returns count pairwise disjoint training subsets of the size of TrainSubset(divisor)
// for the fluctuation studies (Fig. 6 of the 2023 paper: Disjoint(80, 3); Fig. 9:
// Disjoint(20, 2)). They are named A, B, C, ...; set A is TrainSubset(divisor) itself and
// the others are the next blocks of the training order. It is an error if the training set
// is too small for count sets.
func (sp *Splits) Disjoint(divisor, count int) ([]Subset, error) {
	if divisor < 1 {
		return nil, fmt.Errorf("dataset: subset divisor must be at least 1, got %d", divisor)
	}
	if count < 1 || count > 26 {
		return nil, fmt.Errorf("dataset: want 1 to 26 disjoint subsets, got %d", count)
	}
	m := SubsetSize(sp.nTrain, divisor)
	if count*m > sp.nTrain {
		return nil, fmt.Errorf("dataset: %d disjoint subsets of %d configurations per source count need %d, the training set has %d per source count",
			count, m, count*m, sp.nTrain)
	}
	out := make([]Subset, count)
	for c := range out {
		name := fmt.Sprintf("%s/%d/%c", Train, divisor, 'A'+c)
		out[c] = sp.collect(name, Train, divisor, c*m, m, sp.spec.MinSources, sp.spec.MaxSources)
	}
	return out, nil
}

// Subset returns the subset with the given name, as the other methods name them:
//
//	train, test          the training and test sets
//	train/D, test/D      TrainSubset(D), TestSubset(D) (e.g. train/80, the 2023 paper's 1.25%)
//	train/D/X            set X (A, B, C, ...) of Disjoint(D, X-'A'+1)
//	kNN/train, kNN/test  the fixed-count data set with NN sources (e.g. k07/train; k7 works too)
//
// so that command lines and configuration files can select a subset by name.
func (sp *Splits) Subset(name string) (Subset, error) {
	bad := func(why string) (Subset, error) {
		return Subset{}, fmt.Errorf("dataset: subset %q: %s (want train, test, train/D, test/D, train/D/X or kNN/train, kNN/test)", name, why)
	}
	parts := strings.Split(name, "/")
	if k, ok := strings.CutPrefix(parts[0], "k"); ok && len(parts) == 2 {
		n, err := strconv.Atoi(k)
		if err != nil || n < 0 {
			return bad("bad number of sources " + strconv.Quote(k))
		}
		train, test, err := sp.FixedCount(n)
		if err != nil {
			return Subset{}, err
		}
		switch Part(parts[1]) {
		case Train:
			return train, nil
		case Test:
			return test, nil
		}
		return bad("unknown part " + strconv.Quote(parts[1]))
	}
	p := Part(parts[0])
	if p != Train && p != Test {
		return bad("unknown part " + strconv.Quote(parts[0]))
	}
	divisor := 1
	if len(parts) >= 2 {
		d, err := strconv.Atoi(parts[1])
		if err != nil || d < 1 {
			return bad("bad divisor " + strconv.Quote(parts[1]))
		}
		divisor = d
	}
	switch {
	case len(parts) <= 2:
		return sp.subset(p, divisor)
	case len(parts) == 3 && p == Train && len(parts[2]) == 1 && parts[2][0] >= 'A' && parts[2][0] <= 'Z':
		sets, err := sp.Disjoint(divisor, int(parts[2][0]-'A')+1)
		if err != nil {
			return Subset{}, err
		}
		return sets[len(sets)-1], nil
	}
	return bad("malformed name")
}

// Manifest describes a data set for the files made from it: its Spec, ID and description,
// and the sizes of its parts and subsets (without their indices).
type Manifest struct {
	ID             string   `json:"id"`          // Spec.ID()
	Description    string   `json:"description"` // Spec.Describe()
	Spec           Spec     `json:"spec"`
	Configurations int      `json:"configurations"` // Spec.Len()
	Train          Subset   `json:"train"`
	Test           Subset   `json:"test"`
	TrainSubsets   []Subset `json:"train_subsets"` // one per divisor of the Spec
}

// Manifest returns the manifest of the data set.
func (sp *Splits) Manifest() Manifest {
	strip := func(s Subset) Subset { s.Indices = nil; return s }
	m := Manifest{
		ID: sp.spec.ID(), Description: sp.spec.Describe(), Spec: sp.Spec(),
		Configurations: sp.spec.Len(), Train: strip(sp.Train()), Test: strip(sp.Test()),
	}
	for _, d := range sp.spec.Divisors {
		s, _ := sp.TrainSubset(d) // divisors are valid: the Spec was validated
		m.TrainSubsets = append(m.TrainSubsets, strip(s))
	}
	return m
}

// Summary returns the manifest as a few lines of text: the description, then one line per
// part and training subset with its actual size.
func (m Manifest) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "data set %s: %s\n", m.ID, m.Description)
	fmt.Fprintf(&b, "%d configurations, %d per number of sources\n", m.Configurations, m.Spec.PerCount)
	line := func(s Subset) {
		fmt.Fprintf(&b, "  %-10s %7d per source count, %9d in all", s.Name, s.PerCount, s.Total)
		if s.Divisor > 1 {
			part := "training"
			if s.Part == Test {
				part = "test"
			}
			fmt.Fprintf(&b, ", %.4g%% of the %s set (nominal %.4g%%)", 100*s.Fraction, part, 100*s.Nominal)
		}
		b.WriteByte('\n')
	}
	line(m.Train)
	line(m.Test)
	for _, s := range m.TrainSubsets {
		if s.Divisor > 1 {
			line(s)
		}
	}
	return b.String()
}
