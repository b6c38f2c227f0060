package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/solver"
)

// Recipe names a family of data sets.
type Recipe string

// The recipes.
const (
	Recipe2021   Recipe = "2021"   // two non-overlapping sources on 100x100 (the 2021 paper)
	Recipe2023   Recipe = "2023"   // 1 to 20 sources on 512x512 (the 2023 ED-CNN paper)
	RecipeCustom Recipe = "custom" // any lattice, radius, source counts and size (see Custom)
)

// Recipes lists the recipes.
var Recipes = []Recipe{Recipe2021, Recipe2023, RecipeCustom}

// ParseRecipe returns the recipe named s.
func ParseRecipe(s string) (Recipe, error) {
	for _, r := range Recipes {
		if strings.EqualFold(s, string(r)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("recipe: unknown recipe %q (want 2021, 2023 or custom)", s)
}

// Scale names the size at which a paper recipe is run. It is the project-wide scale.Scale, so
// that one scale type flows from the command line through data sets, training and figures.
type Scale = scale.Scale

// The scales. All keep the papers' physics and protocol; see the package documentation.
const (
	ScaleSmoke  = scale.Smoke     // CI: seconds on a CPU
	ScaleCPU    = scale.CPU       // minutes on 2 CPU cores
	ScaleGPU    = scale.GPU       // minutes on one H100
	ScalePaper  = scale.Paper     // the exact paper setup
	ScaleCustom = Scale("custom") // the scale of every custom recipe (not one of scale.All)
)

// Scales lists the scales of the paper recipes, smallest first (scale.All).
var Scales = slices.Clone(scale.All)

var scalePurpose = map[Scale]string{
	ScaleSmoke: "CI check, seconds on a CPU",
	ScaleCPU:   "minutes on 2 CPU cores",
	ScaleGPU:   "minutes on one H100",
}

// ParseScale returns the scale named s (case-insensitive): one of scale.All or ScaleCustom.
func ParseScale(s string) (Scale, error) {
	for _, sc := range append(slices.Clone(Scales), ScaleCustom) {
		if strings.EqualFold(strings.TrimSpace(s), string(sc)) {
			return sc, nil
		}
	}
	return "", fmt.Errorf("scale: unknown scale %q (want smoke, cpu, gpu, paper or custom)", s)
}

// PaperDivisors are the 2023 paper's training subset divisors (the codename prefixes): the
// subsets hold 1/80 = 1.25%, 2.5%, 5%, 12.5%, 25%, 50% and 100% of the training set.
var PaperDivisors = []int{80, 40, 20, 8, 4, 2, 1}

// PaperTestFraction is the fraction of each data set that both papers hold out for testing.
const PaperTestFraction = 0.2

// Spec describes a data set completely: with the same Spec, every configuration and every
// index list come out the same. Its JSON encoding (field order fixed, unknown fields rejected
// by ParseSpec) is meant for cache manifests and result files.
type Spec struct {
	Recipe Recipe `json:"recipe"`
	Scale  Scale  `json:"scale"`
	Seed   uint64 `json:"seed"`

	N      int     `json:"n"`      // lattice size N (N x N cells)
	Radius float64 `json:"radius"` // source radius, cells (a real number; see the package documentation)
	D      float64 `json:"d"`      // diffusion constant
	Gamma  float64 `json:"gamma"`  // decay rate; the diffusion length is sqrt(D/Gamma)

	Model     solver.SourceModel `json:"model"`     // how the sources enter the equation
	Normalize bool               `json:"normalize"` // divide each target field by its maximum

	MinSources int  `json:"min_sources"` // smallest number of sources per configuration
	MaxSources int  `json:"max_sources"` // largest number of sources per configuration
	PerCount   int  `json:"per_count"`   // configurations per number of sources
	Overlap    bool `json:"overlap"`     // whether disks may overlap (they add up in the input)

	TestFraction float64 `json:"test_fraction"` // held out for testing, per number of sources
	Divisors     []int   `json:"divisors"`      // training subset divisors, decreasing
}

// preset is what a scale changes in a paper recipe: the lattice N, the configurations per number
// of sources, and the geometry, the source radius R and the diffusion length l = sqrt(D/gamma)
// (D = 1, so gamma = 1/l^2).
type preset struct {
	n, perCount int
	radius, l   float64
}

// The presets keep the papers' dimensionless geometry at the reduced scales: R/N and l/N are the
// paper's (2023: 5/512 and 20/512; 2021: 5/100 and 20/100) wherever the lattice allows it. The
// 2023 smoke scale is the one exception: its 32 x 32 lattice carries the cpu scale's disks and
// diffusion length (R = 1.25, l = 5), so R/N and l/N are 4x the paper's (a radius of 5/16 cell
// would be a single cell); it checks the pipeline, not the physics.
var presets = map[Recipe]map[Scale]preset{
	Recipe2023: {
		ScaleSmoke: {32, 10, 1.25, 5}, ScaleCPU: {128, 100, 1.25, 5}, ScaleGPU: {256, 2000, 2.5, 10}, ScalePaper: {512, 20000, 5, 20},
	},
	Recipe2021: {
		ScaleSmoke: {40, 200, 2, 8}, ScaleCPU: {60, 2000, 3, 12}, ScaleGPU: {100, 20000, 5, 20}, ScalePaper: {100, 20000, 5, 20},
	},
}

// New returns the Spec of a paper recipe (Recipe2021 or Recipe2023) at a scale, with the
// relaxation source model and normalization (as the authors' data). Set Model or Normalize
// on the result to change them; every other field is fixed by the recipe and scale. The reduced
// scales keep the paper's R/N and l/N (l = sqrt(D/gamma), D = 1) except the 2023 smoke scale:
//
//	recipe  scale  N    R     l   gamma    R/N      l/N      per count  configurations
//	2023    smoke  32   1.25  5   1/25     0.039    0.156    10         200      (4x the paper's ratios)
//	2023    cpu    128  1.25  5   1/25     5/512    20/512   100        2000
//	2023    gpu    256  2.5   10  1/100    5/512    20/512   2000       40000
//	2023    paper  512  5     20  1/400    5/512    20/512   20000      400000
//	2021    smoke  40   2     8   1/64     0.05     0.2      200        200
//	2021    cpu    60   3     12  1/144    0.05     0.2      2000       2000
//	2021    gpu    100  5     20  1/400    0.05     0.2      20000      20000
//	2021    paper  100  5     20  1/400    0.05     0.2      20000      20000
func New(recipe Recipe, scale Scale, seed uint64) (Spec, error) {
	byScale, ok := presets[recipe]
	if !ok {
		return Spec{}, fmt.Errorf("recipe: %q has no presets (want %q or %q; use Custom for others)", recipe, Recipe2021, Recipe2023)
	}
	p, ok := byScale[scale]
	if !ok {
		return Spec{}, fmt.Errorf("scale: recipe %s has no scale %q (want smoke, cpu, gpu or paper)", recipe, scale)
	}
	s := Spec{
		Recipe: recipe, Scale: scale, Seed: seed,
		N: p.n, Radius: p.radius, D: solver.PaperD, Gamma: GammaForLength(solver.PaperD, p.l),
		Model: solver.Relaxation, Normalize: true,
		MinSources: 1, MaxSources: 20, PerCount: p.perCount, Overlap: true,
		TestFraction: PaperTestFraction, Divisors: slices.Clone(PaperDivisors),
	}
	if recipe == Recipe2021 {
		s.MinSources, s.MaxSources, s.Overlap = 2, 2, false
	}
	return s, nil
}

// GammaForLength returns the decay rate D/l^2 whose diffusion length sqrt(D/gamma) is l; for the
// papers' l = 20 and D = 1 it is exactly solver.PaperGamma (1/400).
func GammaForLength(d, l float64) float64 {
	if d == solver.PaperD && l == 20 {
		return solver.PaperGamma
	}
	return d / (l * l)
}

// DiffusionLength returns l = sqrt(D/Gamma) in cells (+Inf when Gamma is 0).
func (s *Spec) DiffusionLength() float64 { return math.Sqrt(s.D / s.Gamma) }

// Geometry returns the lattice, the source radius and the diffusion length with their ratios to
// the lattice, e.g. "N=128, R=1.25, l=5 (R/N=0.0098, l/N=0.039)": the dimensionless problem that
// a reduced scale must keep, for figure stamps and captions.
func (s *Spec) Geometry() string {
	l := s.DiffusionLength()
	return fmt.Sprintf("N=%d, R=%g, l=%.4g (R/N=%.2g, l/N=%.2g)", s.N, s.Radius, l, s.Radius/float64(s.N), l/float64(s.N))
}

// CentreMargin returns the smallest distance, in whole cells, between a disk's centre and the
// lattice's edge cells: ceil(R). Centres are integers in [CentreMargin, N-1-CentreMargin], so
// that the whole disk (the continuous one, not only its cells) lies inside cells 0..N-1.
func (s *Spec) CentreMargin() int { return int(math.Ceil(s.Radius)) }

// Custom returns the Spec of a custom data set: perCount configurations for each number of
// sources from minSources to maxSources, with disks of the given radius on an n x n lattice.
// The physics (D = 1, gamma = 1/400), the model (relaxation, normalized), overlaps (allowed)
// and the protocol (80/20 split, divisors 80..1) are the 2023 paper's; change the fields of
// the result to vary them, then call Validate.
func Custom(seed uint64, n int, radius float64, minSources, maxSources, perCount int) (Spec, error) {
	s := Spec{
		Recipe: RecipeCustom, Scale: ScaleCustom, Seed: seed,
		N: n, Radius: radius, D: solver.PaperD, Gamma: solver.PaperGamma,
		Model: solver.Relaxation, Normalize: true,
		MinSources: minSources, MaxSources: maxSources, PerCount: perCount, Overlap: true,
		TestFraction: PaperTestFraction, Divisors: slices.Clone(PaperDivisors),
	}
	return s, s.Validate()
}

// MinRadius is the smallest source radius accepted: a disk of radius below 1 is its centre cell.
const MinRadius = 0.5

// Size limits: the index is an int everywhere, and each configuration is held in memory.
const (
	maxConfigs = 1 << 40
	maxSources = 1 << 16
)

// Validate reports the first problem with s as an error that names the offending field. A
// paper recipe must match its scale's preset in every field except Seed, Model and
// Normalize; a data set that differs is a custom one.
func (s *Spec) Validate() error {
	if !slices.Contains(Recipes, s.Recipe) {
		return fmt.Errorf("recipe: unknown recipe %q (want 2021, 2023 or custom)", s.Recipe)
	}
	if s.Recipe == RecipeCustom && s.Scale != ScaleCustom {
		return fmt.Errorf("scale: a custom recipe has scale %q, got %q", ScaleCustom, s.Scale)
	}
	if s.Recipe != RecipeCustom {
		want, err := New(s.Recipe, s.Scale, s.Seed)
		if err != nil {
			return err
		}
		if err := presetMismatch(&want, s); err != nil {
			return err
		}
	}
	if !slices.Contains(solver.Models, s.Model) {
		return fmt.Errorf("model: unknown source model %q (want %q or %q)", s.Model, solver.Relaxation, solver.Clamped)
	}
	switch {
	case s.N < solver.MinN:
		return fmt.Errorf("n: lattice size %d is below the solver's minimum %d", s.N, solver.MinN)
	case !(s.Radius >= MinRadius) || math.IsInf(s.Radius, 0):
		return fmt.Errorf("radius: source radius must be a finite number of at least %g cell, got %v", MinRadius, s.Radius)
	case s.N < 2*s.CentreMargin()+1:
		return fmt.Errorf("radius: a disk of radius %g (%d cells across) does not fit in the %dx%d lattice", s.Radius, 2*s.CentreMargin()+1, s.N, s.N)
	case !(s.D > 0) || math.IsInf(s.D, 0):
		return fmt.Errorf("d: diffusion constant must be positive and finite, got %v", s.D)
	case !(s.Gamma >= 0) || math.IsInf(s.Gamma, 0):
		return fmt.Errorf("gamma: decay rate must be non-negative and finite, got %v", s.Gamma)
	case s.Model == solver.Relaxation && s.Gamma == 0:
		return fmt.Errorf("gamma: the relaxation model needs gamma > 0")
	case s.MinSources < 1:
		return fmt.Errorf("min_sources: must be at least 1, got %d", s.MinSources)
	case s.MaxSources > maxSources:
		return fmt.Errorf("max_sources: %d exceeds the limit %d", s.MaxSources, maxSources)
	case s.MaxSources < s.MinSources:
		return fmt.Errorf("max_sources: %d is below min_sources %d", s.MaxSources, s.MinSources)
	case s.PerCount < 2:
		return fmt.Errorf("per_count: need at least 2 configurations per number of sources (one to train, one to test), got %d", s.PerCount)
	case s.PerCount > maxConfigs/(s.MaxSources-s.MinSources+1):
		return fmt.Errorf("per_count: %d configurations for each of %d source counts exceed the limit %d", s.PerCount, s.MaxSources-s.MinSources+1, maxConfigs)
	case !(s.TestFraction > 0 && s.TestFraction < 1):
		return fmt.Errorf("test_fraction: must be in (0, 1), got %v", s.TestFraction)
	case len(s.Divisors) == 0:
		return fmt.Errorf("divisors: no training subset divisors")
	}
	for i, d := range s.Divisors {
		if d < 1 || (i > 0 && d >= s.Divisors[i-1]) {
			return fmt.Errorf("divisors: want positive divisors in decreasing order, got %v", s.Divisors)
		}
	}
	if !s.Overlap {
		// Existence check: the disks must fit on a square grid whose spacing is the smallest
		// integer above 2R (2R+1 for an integer R).
		m, gap := s.CentreMargin(), int(math.Floor(2*s.Radius))+1
		side := (s.N-2*m-1)/gap + 1
		if s.MaxSources > side*side {
			return fmt.Errorf("max_sources: %d non-overlapping disks of radius %g need more room than a %dx%d lattice has (at most %d on a grid)",
				s.MaxSources, s.Radius, s.N, s.N, side*side)
		}
	}
	return nil
}

// presetMismatch returns an error naming the first field, other than Seed, Model and
// Normalize, in which got differs from the preset want, or nil.
func presetMismatch(want, got *Spec) error {
	checks := []struct {
		name string
		same bool
		want any
	}{
		{"n", got.N == want.N, want.N},
		{"radius", got.Radius == want.Radius, want.Radius},
		{"d", got.D == want.D, want.D},
		{"gamma", got.Gamma == want.Gamma, want.Gamma},
		{"min_sources", got.MinSources == want.MinSources, want.MinSources},
		{"max_sources", got.MaxSources == want.MaxSources, want.MaxSources},
		{"per_count", got.PerCount == want.PerCount, want.PerCount},
		{"overlap", got.Overlap == want.Overlap, want.Overlap},
		{"test_fraction", got.TestFraction == want.TestFraction, want.TestFraction},
		{"divisors", slices.Equal(got.Divisors, want.Divisors), want.Divisors},
	}
	for _, c := range checks {
		if !c.same {
			return fmt.Errorf("%s: recipe %s at scale %s has %s = %v; use recipe custom (scale custom) for other values",
				c.name, want.Recipe, want.Scale, c.name, c.want)
		}
	}
	return nil
}

// ParseSpec decodes the JSON form of a Spec, rejecting unknown fields, and validates it.
func ParseSpec(data []byte) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("malformed data-set spec JSON: %w", err)
	}
	if dec.More() {
		return Spec{}, fmt.Errorf("malformed data-set spec JSON: trailing data after the object")
	}
	if err := s.Validate(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// ID returns a short fingerprint of s: the first 16 hex digits of the SHA-256 of its JSON
// encoding. Two Specs with the same ID describe the same data set, so a cache can key on it.
func (s *Spec) ID() string {
	j, _ := json.Marshal(s)
	sum := sha256.Sum256(j)
	return hex.EncodeToString(sum[:8])
}

// gammaString writes a decay rate as 1/k when 1/gamma is (nearly) an integer k, e.g. "1/400".
func gammaString(g float64) string {
	if g > 0 {
		if k := math.Round(1 / g); k >= 1 && math.Abs(1/g-k) < 1e-9*k {
			return fmt.Sprintf("1/%g", k)
		}
	}
	return fmt.Sprintf("%g", g)
}

// NumCounts returns the number of distinct source counts, MaxSources-MinSources+1.
func (s *Spec) NumCounts() int { return s.MaxSources - s.MinSources + 1 }

// Len returns the number of configurations, NumCounts()*PerCount.
func (s *Spec) Len() int { return s.NumCounts() * s.PerCount }

// Index returns the index of the j-th configuration with k sources.
func (s *Spec) Index(k, j int) int { return (k-s.MinSources)*s.PerCount + j }

// Locate returns the number of sources k and the position j among the configurations with k
// sources of configuration i: the inverse of Index.
func (s *Spec) Locate(i int) (k, j int) { return s.MinSources + i/s.PerCount, i % s.PerCount }

// NumSources returns the number of sources of configuration i.
func (s *Spec) NumSources(i int) int { k, _ := s.Locate(i); return k }

// Describe returns one human-readable line: the recipe and scale, how the data set differs
// from the paper's, and the physics and source model.
func (s *Spec) Describe() string {
	var b strings.Builder
	physics := fmt.Sprintf("D=%g, gamma=%s, radius %g, diffusion length %.4g", s.D, gammaString(s.Gamma), s.Radius, s.DiffusionLength())
	counts := fmt.Sprintf("%d..%d sources", s.MinSources, s.MaxSources)
	if s.MinSources == s.MaxSources {
		counts = fmt.Sprintf("%d sources", s.MinSources)
	}
	overlap := "overlaps allowed"
	if !s.Overlap {
		overlap = "non-overlapping"
	}
	split := fmt.Sprintf("%g/%g train/test split", math.Round(100*(1-s.TestFraction)), math.Round(100*s.TestFraction))
	switch {
	case s.Recipe == RecipeCustom:
		fmt.Fprintf(&b, "custom data set (not a paper setup): N=%d, %s (%s), %d per source count (%d configurations), %s, %s, divisors %v",
			s.N, counts, overlap, s.PerCount, s.Len(), physics, split, s.Divisors)
	case s.Scale == ScalePaper:
		fmt.Fprintf(&b, "%s recipe at scale paper: the paper's data set, N=%d, %s (%s), %d per source count (%d configurations), %s, %s",
			s.Recipe, s.N, counts, overlap, s.PerCount, s.Len(), physics, split)
	default:
		paper, _ := New(s.Recipe, ScalePaper, s.Seed)
		fmt.Fprintf(&b, "%s recipe at scale %s (%s; smaller than the paper, not comparable with its numbers): ", s.Recipe, s.Scale, scalePurpose[s.Scale])
		var diffs []string
		if s.N != paper.N {
			diffs = append(diffs, fmt.Sprintf("N=%d instead of %d", s.N, paper.N))
		}
		if s.Radius != paper.Radius || s.Gamma != paper.Gamma {
			diffs = append(diffs, fmt.Sprintf("R=%g and l=%.4g instead of %g and %.4g", s.Radius, s.DiffusionLength(), paper.Radius, paper.DiffusionLength()))
		}
		ratio := func(a, b float64) float64 { return a / float64(s.N) / (b / float64(paper.N)) }
		rr, lr := ratio(s.Radius, paper.Radius), ratio(s.DiffusionLength(), paper.DiffusionLength())
		if math.Abs(rr-1) < 1e-9 && math.Abs(lr-1) < 1e-9 {
			diffs = append(diffs, "the paper's geometry (same R/N and l/N)")
		} else {
			diffs = append(diffs, fmt.Sprintf("R/N %.3gx and l/N %.3gx the paper's", rr, lr))
		}
		switch {
		case s.PerCount == paper.PerCount:
		case s.NumCounts() == 1:
			diffs = append(diffs, fmt.Sprintf("%d configurations instead of %d", s.Len(), paper.Len()))
		default:
			diffs = append(diffs, fmt.Sprintf("%d configurations per source count instead of %d (%d instead of %d)", s.PerCount, paper.PerCount, s.Len(), paper.Len()))
		}
		if s.N == paper.N && s.PerCount == paper.PerCount && s.Radius == paper.Radius && s.Gamma == paper.Gamma {
			diffs = []string{"the paper's data set (only the training budget is smaller)"}
		}
		fmt.Fprintf(&b, "%s; physics (%s) and protocol (%s, %s, %s, divisors %v)", strings.Join(diffs, ", "), physics, counts, overlap, split, s.Divisors)
		for _, d := range s.Divisors {
			if s.trainPerCount()%d != 0 {
				b.WriteString("; training subsets rounded down to whole configurations, at least 1 per source count")
				break
			}
		}
	}
	if s.Model == solver.Relaxation {
		b.WriteString("; relaxation source model")
	} else {
		fmt.Fprintf(&b, "; %s source model (the papers' data used relaxation)", s.Model)
	}
	if s.Normalize {
		b.WriteString(", fields normalized by their maximum")
	} else {
		b.WriteString(", fields not normalized (the papers' were)")
	}
	fmt.Fprintf(&b, "; seed %d", s.Seed)
	return b.String()
}
