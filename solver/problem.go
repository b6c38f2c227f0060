package solver

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// SourceModel says how the disk sources enter the steady-state equation.
type SourceModel string

const (
	// Relaxation is the model of the authors' Julia data generator: the steady state of
	// dc/dt = D lap(c) - gamma c + gamma a, that is (gamma - D lap) c = gamma a on every cell.
	// It generated the papers' data and is the default for reproducing them.
	Relaxation SourceModel = "relaxation"
	// Clamped is the model of the papers' text: the field equals the input image a on every
	// cell with a > 0 (Dirichlet), and D lap(c) - gamma c = 0 on the other cells.
	Clamped SourceModel = "clamped"
)

// Models lists the supported source models.
var Models = []SourceModel{Relaxation, Clamped}

// ParseSourceModel returns the model named s ("relaxation" or "clamped").
func ParseSourceModel(s string) (SourceModel, error) {
	for _, m := range Models {
		if strings.EqualFold(s, string(m)) {
			return m, nil
		}
	}
	return "", fmt.Errorf("model: unknown source model %q (want %q or %q)", s, Relaxation, Clamped)
}

// Source is a disk of constant value. X is the column and Y the row of its centre, in cells, and
// R its radius, a real number; the disk is the cells whose centre lies inside the circle (the
// paper's rasterization; TestDiskMembership compares it with area-fraction rules):
// a cell (row, col) belongs to the disk when (col-X)^2 + (row-Y)^2 <= R^2.
type Source struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	R     float64 `json:"r"`
	Value float64 `json:"value"`
}

// Problem is one steady-state diffusion problem on an N x N lattice with an absorbing
// boundary (the field is zero outside the lattice) and a 5-point Laplacian with h = 1.
// Its JSON form is the configuration file read by `surrogo solve --config`.
type Problem struct {
	N         int         `json:"n"`
	D         float64     `json:"d"`
	Gamma     float64     `json:"gamma"`
	Model     SourceModel `json:"model"`
	Normalize bool        `json:"normalize"`
	Sources   []Source    `json:"sources"`
}

// Paper constants shared by both diffusion papers.
const (
	PaperD      = 1.0       // diffusion constant, cells^2/s
	PaperGamma  = 1.0 / 400 // decay rate, 1/s: diffusion length sqrt(D/gamma) = 20 cells
	PaperRadius = 5.0       // source radius, cells
	MinN        = 8         // smallest lattice the solver accepts
)

// Limits of the physical constants and source values that Validate accepts. The field depends
// only on the ratio D/gamma (the diffusion length sqrt(D/gamma), in cells), so the bounds lose
// nothing physical; beyond them the solve's sums of squares would overflow or underflow float64.
const (
	MinCoefficient = 1e-30 // smallest accepted D, and gamma when it is not 0
	MaxCoefficient = 1e30  // largest accepted D and gamma
	MaxSourceValue = 1e100 // largest source value (the input is divided by its maximum)
)

// NewProblem returns a problem with the papers' physics (D = 1, gamma = 1/400), the
// relaxation model with normalization by the maximum, and the given sources.
func NewProblem(n int, sources []Source) Problem {
	return Problem{N: n, D: PaperD, Gamma: PaperGamma, Model: Relaxation, Normalize: true, Sources: sources}
}

// ParseProblem decodes a JSON configuration, rejecting unknown fields, fills the model with
// Relaxation when it is absent, and validates the result.
func ParseProblem(data []byte) (Problem, error) {
	var p Problem
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Problem{}, fmt.Errorf("malformed configuration JSON: %w", err)
	}
	if dec.More() {
		return Problem{}, fmt.Errorf("malformed configuration JSON: trailing data after the object")
	}
	if p.Model == "" {
		p.Model = Relaxation
	}
	if err := p.Validate(); err != nil {
		return Problem{}, err
	}
	return p, nil
}

// Validate reports the first problem with p as an error that names the offending field.
func (p *Problem) Validate() error {
	switch {
	case p.N < MinN:
		return fmt.Errorf("n: lattice size %d is below the minimum %d", p.N, MinN)
	case !(p.D > 0) || math.IsInf(p.D, 0):
		return fmt.Errorf("d: diffusion constant must be positive and finite, got %v", p.D)
	case p.D < MinCoefficient || p.D > MaxCoefficient:
		return fmt.Errorf("d: diffusion constant %v is outside [%g, %g] (the field depends only on d/gamma: rescale both)", p.D, MinCoefficient, MaxCoefficient)
	case !(p.Gamma >= 0) || math.IsInf(p.Gamma, 0):
		return fmt.Errorf("gamma: decay rate must be non-negative and finite, got %v", p.Gamma)
	case p.Gamma != 0 && (p.Gamma < MinCoefficient || p.Gamma > MaxCoefficient):
		return fmt.Errorf("gamma: decay rate %v is outside [%g, %g] or 0 (the field depends only on d/gamma: rescale both)", p.Gamma, MinCoefficient, MaxCoefficient)
	case len(p.Sources) == 0:
		return fmt.Errorf("sources: no sources")
	}
	if _, err := ParseSourceModel(string(p.Model)); err != nil {
		return err
	}
	if p.Model == Relaxation && p.Gamma == 0 {
		return fmt.Errorf("gamma: the relaxation model needs gamma > 0 (its source term is gamma*a)")
	}
	last := float64(p.N - 1)
	positive := false
	for i, s := range p.Sources {
		positive = positive || s.Value > 0
		if s.valid(last) {
			continue // the common case, without formatting a name
		}
		name := fmt.Sprintf("sources[%d]", i)
		switch {
		case math.IsNaN(s.X) || math.IsNaN(s.Y) || math.IsInf(s.X, 0) || math.IsInf(s.Y, 0):
			return fmt.Errorf("%s.x/y: centre must be finite, got (%v, %v)", name, s.X, s.Y)
		case !(s.R > 0) || math.IsInf(s.R, 0):
			return fmt.Errorf("%s.r: radius must be positive and finite, got %v", name, s.R)
		case math.IsNaN(s.Value) || math.IsInf(s.Value, 0):
			return fmt.Errorf("%s.value: value must be finite, got %v", name, s.Value)
		case s.Value < 0:
			return fmt.Errorf("%s.value: value must be non-negative, got %v", name, s.Value)
		case s.Value > MaxSourceValue:
			return fmt.Errorf("%s.value: value %v is above the limit %g (values are relative: the input is divided by its maximum)", name, s.Value, MaxSourceValue)
		case s.X-s.R < 0 || s.X+s.R > last || s.Y-s.R < 0 || s.Y+s.R > last:
			return fmt.Errorf("%s: disk at (x=%v, y=%v) with r=%v is not fully inside the %dx%d lattice (cells 0..%d)",
				name, s.X, s.Y, s.R, p.N, p.N, p.N-1)
		}
	}
	if !positive {
		return fmt.Errorf("sources: every source has value 0: the input image is empty (give at least one positive value)")
	}
	return nil
}

// valid reports whether s passes every check of Validate on a lattice whose last cell
// index is last.
func (s Source) valid(last float64) bool {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	return finite(s.X) && finite(s.Y) && finite(s.R) && s.R > 0 && finite(s.Value) && s.Value >= 0 && s.Value <= MaxSourceValue &&
		s.X-s.R >= 0 && s.X+s.R <= last && s.Y-s.R >= 0 && s.Y+s.R <= last
}

// Input returns the input image a, row-major with index row*N + col: the sum of the values of
// the disks covering each cell, divided by its maximum (as the authors did). It is an error if
// every source has value 0.
func (p *Problem) Input() ([]float64, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	a := make([]float64, p.N*p.N)
	RasterizeSources(a, p.N, p.Sources)
	maxA := 0.0
	for _, v := range a {
		maxA = math.Max(maxA, v)
	}
	if maxA == 0 {
		return nil, fmt.Errorf("sources: every source has value 0: the input image is empty")
	}
	for i := range a {
		a[i] /= maxA
	}
	return a, nil
}

// RasterizeSources adds the value of each disk to the cells of a (N x N, row-major) that it
// covers. It does not normalize.
func RasterizeSources(a []float64, n int, sources []Source) {
	for _, s := range sources {
		r2 := s.R * s.R
		y0 := max(0, int(math.Ceil(s.Y-s.R)))
		y1 := min(n-1, int(math.Floor(s.Y+s.R)))
		x0 := max(0, int(math.Ceil(s.X-s.R)))
		x1 := min(n-1, int(math.Floor(s.X+s.R)))
		for row := y0; row <= y1; row++ {
			dy := float64(row) - s.Y
			for col := x0; col <= x1; col++ {
				dx := float64(col) - s.X
				if dx*dx+dy*dy <= r2 {
					a[row*n+col] += s.Value
				}
			}
		}
	}
}
