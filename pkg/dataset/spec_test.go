package dataset

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/solver"
)

func TestValidate(t *testing.T) {
	base, err := Custom(1, 64, 5, 1, 4, 10)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change func(*Spec)
		field  string // the error must start with it
	}{
		{"recipe", func(s *Spec) { s.Recipe = "2022" }, "recipe:"},
		{"scale of custom", func(s *Spec) { s.Scale = ScaleCPU }, "scale:"},
		{"model", func(s *Spec) { s.Model = "diffusive" }, "model:"},
		{"n", func(s *Spec) { s.N = 4 }, "n:"},
		{"radius", func(s *Spec) { s.Radius = 0 }, "radius:"},
		{"radius too big", func(s *Spec) { s.Radius = 32 }, "radius:"},
		{"d", func(s *Spec) { s.D = 0 }, "d:"},
		{"gamma", func(s *Spec) { s.Gamma = -1 }, "gamma:"},
		{"gamma zero relaxation", func(s *Spec) { s.Gamma = 0 }, "gamma:"},
		{"min sources", func(s *Spec) { s.MinSources = 0 }, "min_sources:"},
		{"max sources", func(s *Spec) { s.MaxSources = 0 }, "max_sources:"},
		{"per count", func(s *Spec) { s.PerCount = 1 }, "per_count:"},
		{"per count huge", func(s *Spec) { s.PerCount = 1 << 40 }, "per_count:"},
		{"test fraction", func(s *Spec) { s.TestFraction = 1 }, "test_fraction:"},
		{"no divisors", func(s *Spec) { s.Divisors = nil }, "divisors:"},
		{"divisors order", func(s *Spec) { s.Divisors = []int{1, 2} }, "divisors:"},
		{"divisor zero", func(s *Spec) { s.Divisors = []int{0} }, "divisors:"},
		{"no room", func(s *Spec) { s.Overlap, s.MaxSources = false, 26 }, "max_sources:"},
	}
	for _, c := range cases {
		s := base
		s.Divisors = append([]int(nil), base.Divisors...)
		c.change(&s)
		err := s.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.field) {
			t.Errorf("%s: got %v, want an error about %s", c.name, err, c.field)
		}
	}
	// Clamped with gamma = 0 is a valid custom data set (pure diffusion between clamped disks).
	s := base
	s.Model, s.Gamma = solver.Clamped, 0
	if err := s.Validate(); err != nil {
		t.Errorf("clamped, gamma 0: %v", err)
	}
}

func TestPresetsAreFixed(t *testing.T) {
	s := mustNew(t, Recipe2023, ScaleSmoke, 1)
	s.Seed, s.Model, s.Normalize = 99, solver.Clamped, false
	if err := s.Validate(); err != nil {
		t.Errorf("seed, model and normalization are free in a preset: %v", err)
	}
	changes := map[string]func(*Spec){
		"n":             func(s *Spec) { s.N = 64 },
		"per_count":     func(s *Spec) { s.PerCount = 11 },
		"radius":        func(s *Spec) { s.Radius = 4 },
		"gamma":         func(s *Spec) { s.Gamma = 0.01 },
		"overlap":       func(s *Spec) { s.Overlap = false },
		"max_sources":   func(s *Spec) { s.MaxSources = 10 },
		"divisors":      func(s *Spec) { s.Divisors = []int{80, 1} },
		"test_fraction": func(s *Spec) { s.TestFraction = 0.25 },
	}
	for field, change := range changes {
		s := mustNew(t, Recipe2023, ScaleSmoke, 1)
		change(&s)
		err := s.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), field+":") || !strings.Contains(err.Error(), "recipe custom") {
			t.Errorf("changing %s: got %v", field, err)
		}
	}
	s = mustNew(t, Recipe2021, ScaleCPU, 1)
	s.Scale = "huge"
	if err := s.Validate(); err == nil || !strings.HasPrefix(err.Error(), "scale:") {
		t.Errorf("unknown scale: %v", err)
	}
	if _, err := New(RecipeCustom, ScaleSmoke, 1); err == nil {
		t.Error("New accepted the custom recipe")
	}
	if _, err := New(Recipe2023, ScaleCustom, 1); err == nil {
		t.Error("New accepted the custom scale")
	}
}

func TestSpecJSON(t *testing.T) {
	s := mustNew(t, Recipe2021, ScaleGPU, 1<<63+5)
	j, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"recipe":"2021","scale":"gpu","seed":9223372036854775813,"n":100,"radius":5,"d":1,"gamma":0.0025,` +
		`"model":"relaxation","normalize":true,"min_sources":2,"max_sources":2,"per_count":20000,"overlap":false,` +
		`"test_fraction":0.2,"divisors":[80,40,20,8,4,2,1]}`
	if string(j) != want {
		t.Errorf("JSON\n got %s\nwant %s", j, want)
	}
	back, err := ParseSpec(j)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID() != s.ID() || back.Describe() != s.Describe() {
		t.Error("spec does not survive JSON")
	}
	for _, bad := range []string{
		strings.Replace(want, `"n":100`, `"n":100,"extra":1`, 1),
		strings.Replace(want, `"n":100`, `"n":101`, 1),
		want + "{}",
		"[1]",
	} {
		if _, err := ParseSpec([]byte(bad)); err == nil {
			t.Errorf("ParseSpec accepted %s", bad)
		}
	}
}

func TestID(t *testing.T) {
	a := mustNew(t, Recipe2023, ScaleSmoke, 1)
	b := mustNew(t, Recipe2023, ScaleSmoke, 1)
	if a.ID() != b.ID() || len(a.ID()) != 16 {
		t.Errorf("IDs %q %q", a.ID(), b.ID())
	}
	ids := map[string]string{a.ID(): "base"}
	for name, change := range map[string]func(*Spec){
		"seed":      func(s *Spec) { s.Seed = 2 },
		"model":     func(s *Spec) { s.Model = solver.Clamped },
		"normalize": func(s *Spec) { s.Normalize = false },
		"scale":     func(s *Spec) { *s = mustNew(t, Recipe2023, ScaleCPU, 1) },
	} {
		s := mustNew(t, Recipe2023, ScaleSmoke, 1)
		change(&s)
		if other, dup := ids[s.ID()]; dup {
			t.Errorf("changing %s keeps the ID of %s", name, other)
		}
		ids[s.ID()] = name
	}
}

func TestDescribe(t *testing.T) {
	cases := []struct {
		spec Spec
		want []string
	}{
		{mustNew(t, Recipe2023, ScalePaper, 1), []string{"2023 recipe at scale paper", "paper's data set", "N=512", "400000 configurations", "gamma=1/400", "relaxation", "seed 1"}},
		{mustNew(t, Recipe2023, ScaleSmoke, 1), []string{"scale smoke", "CI", "not comparable", "N=32 instead of 512", "10 configurations per source count instead of 20000", "rounded"}},
		{mustNew(t, Recipe2023, ScaleCPU, 1), []string{"scale cpu", "N=128 instead of 512", "R=1.25 and l=5 instead of 5 and 20", "the paper's geometry (same R/N and l/N)", "gamma=1/25"}},
		{mustNew(t, Recipe2023, ScaleSmoke, 1), []string{"R/N 4x and l/N 4x the paper's"}},
		{mustNew(t, Recipe2021, ScaleCPU, 1), []string{"N=60 instead of 100", "R=3 and l=12", "the paper's geometry", "gamma=1/144"}},
		{mustNew(t, Recipe2021, ScaleSmoke, 1), []string{"2021 recipe at scale smoke", "200 configurations instead of 20000", "non-overlapping", "2 sources"}},
		{mustNew(t, Recipe2021, ScaleGPU, 1), []string{"scale gpu", "the paper's data set (only the training budget is smaller)"}},
	}
	c, _ := Custom(4, 48, 3, 2, 5, 7)
	c.Model, c.Normalize = solver.Clamped, false
	cases = append(cases, struct {
		spec Spec
		want []string
	}{c, []string{"custom data set (not a paper setup)", "N=48", "2..5 sources", "radius 3", "clamped source model", "not normalized", "seed 4"}})
	for _, tc := range cases {
		d := tc.spec.Describe()
		for _, w := range tc.want {
			if !strings.Contains(d, w) {
				t.Errorf("%s/%s: description lacks %q:\n%s", tc.spec.Recipe, tc.spec.Scale, w, d)
			}
		}
		if strings.Contains(d, "\n") {
			t.Errorf("description is not one line: %q", d)
		}
	}
	cpu := mustNew(t, Recipe2023, ScaleCPU, 1)
	if d := cpu.Describe(); strings.Contains(d, "rounded") {
		t.Errorf("cpu scale has exact subsets but says they are rounded: %s", d)
	}
}

func TestParseNames(t *testing.T) {
	for _, r := range Recipes {
		if got, err := ParseRecipe(strings.ToUpper(string(r))); err != nil || got != r {
			t.Errorf("ParseRecipe(%q) = %q, %v", r, got, err)
		}
	}
	for _, sc := range append(Scales, ScaleCustom) {
		if got, err := ParseScale(strings.ToUpper(string(sc))); err != nil || got != sc {
			t.Errorf("ParseScale(%q) = %q, %v", sc, got, err)
		}
	}
	if _, err := ParseRecipe("2024"); err == nil {
		t.Error("ParseRecipe accepted 2024")
	}
	if _, err := ParseScale("tiny"); err == nil {
		t.Error("ParseScale accepted tiny")
	}
}
