package datastore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/batchsolve"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/solver"
)

// Route names the way targets are solved.
type Route string

// The target routes (see the package documentation).
const (
	RouteCPU     Route = "cpu"     // package solver, parallel over configurations
	RouteBatched Route = "batched" // package batchsolve on a GoMLX backend
)

// ParseRoute returns the route named s ("cpu" or "batched").
func ParseRoute(s string) (Route, error) {
	switch Route(s) {
	case RouteCPU, RouteBatched:
		return Route(s), nil
	}
	return "", fmt.Errorf("targets: unknown route %q (want cpu or batched)", s)
}

// DefaultTol is the relative residual at which target solves stop unless TargetOptions.Tol
// says otherwise (see the package documentation for the resulting accuracy).
const DefaultTol = 1e-8

// DefaultBatch is the number of examples per device call of the batched route.
const DefaultBatch = 16

// Package paths recorded as TargetSettings.Solver.
const (
	cpuSolverName     = "github.com/surrogo/surrogo/solver"
	batchedSolverName = "github.com/surrogo/surrogo/pkg/batchsolve"
)

// TargetOptions configures how targets are solved. The zero value selects the CPU route with
// the defaults.
type TargetOptions struct {
	// Route is RouteCPU (default) or RouteBatched.
	Route Route
	// Tol is the relative residual ||b - A c|| / ||b|| at which each solve stops (default
	// DefaultTol).
	Tol float64
	// Method is the solver's method: for RouteCPU "multigrid" (default) or "jacobi-cg"
	// (solver.Method); for RouteBatched "multigrid" (default) or "spectral" (batchsolve.Method).
	Method string
	// Workers is the number of concurrent solves of RouteCPU (default runtime.GOMAXPROCS(0)).
	// It does not change the results.
	Workers int
	// Backend is the GoMLX backend of RouteBatched. Nil creates one with backend.New (from
	// $GOMLX_BACKEND; the extended pure-Go backend when unset), finalized by Close.
	Backend backends.Backend
	// Batch is the number of examples per device call of RouteBatched (default DefaultBatch).
	Batch int
}

// Generator computes the examples of a data set (input image, target field and number of
// sources of a configuration) by a route, without storing them. It implements the source
// interface of package loader. Its methods are safe for concurrent use (solves are
// serialized).
type Generator struct {
	spec     dataset.Spec
	opt      TargetOptions
	settings TargetSettings

	mu        sync.Mutex
	pool      []*solver.Solver   // RouteCPU: one solver per worker
	batched   *batchsolve.Solver // RouteBatched
	ownsBE    bool
	finalized bool
}

// sample is one computed example, handed to the caller of compute.
type sample struct {
	input, field []float64 // N*N each; valid only during the callback
	nsources     int
	iterations   int
	residual     float64
}

// NewGenerator returns a Generator for spec. For RouteBatched it creates the batched solver
// (and a backend if opt.Backend is nil); graphs are compiled on first use.
func NewGenerator(spec dataset.Spec, opt TargetOptions) (*Generator, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if opt.Route == "" {
		opt.Route = RouteCPU
	}
	if _, err := ParseRoute(string(opt.Route)); err != nil {
		return nil, err
	}
	if opt.Tol == 0 {
		opt.Tol = DefaultTol
	}
	if !(opt.Tol > 0 && opt.Tol < 1) {
		return nil, fmt.Errorf("tol: the relative residual must be in (0, 1), got %v", opt.Tol)
	}
	g := &Generator{spec: spec, opt: opt}
	g.spec.Divisors = append([]int(nil), spec.Divisors...)
	g.settings = TargetSettings{Route: opt.Route, Model: string(spec.Model), Normalize: spec.Normalize, Tol: opt.Tol}
	switch opt.Route {
	case RouteCPU:
		if opt.Method == "" {
			opt.Method = string(solver.Multigrid)
		}
		m, err := solver.ParseMethod(opt.Method)
		if err != nil {
			return nil, fmt.Errorf("method: %w", err)
		}
		if opt.Workers < 0 {
			return nil, fmt.Errorf("workers: must be non-negative, got %d", opt.Workers)
		}
		if opt.Workers == 0 {
			opt.Workers = runtime.GOMAXPROCS(0)
		}
		g.pool = make([]*solver.Solver, opt.Workers)
		for i := range g.pool {
			s, err := solver.NewSolver(spec.N, spec.D, spec.Gamma, solver.Options{Tol: opt.Tol, Method: m, Workers: 1})
			if err != nil {
				return nil, err
			}
			g.pool[i] = s
		}
		g.settings.Solver, g.settings.Method = cpuSolverName, string(m)
	case RouteBatched:
		if opt.Method == "" {
			opt.Method = string(batchsolve.Multigrid)
		}
		m := batchsolve.Method(opt.Method)
		if m != batchsolve.Multigrid && m != batchsolve.Spectral {
			return nil, fmt.Errorf("method: unknown batched method %q (want multigrid or spectral)", opt.Method)
		}
		if opt.Batch < 0 {
			return nil, fmt.Errorf("batch: must be non-negative, got %d", opt.Batch)
		}
		if opt.Batch == 0 {
			opt.Batch = DefaultBatch
		}
		be := opt.Backend
		if be == nil {
			var err error
			if be, err = backend.New(); err != nil {
				return nil, fmt.Errorf("batched targets: %w", err)
			}
			g.ownsBE = true
		}
		bs, err := batchsolve.New(be, spec.N, spec.D, spec.Gamma, spec.Model, batchsolve.Options{
			Method: m, DType: dtypes.Float64, Tol: opt.Tol, Normalize: spec.Normalize, Batch: opt.Batch,
		})
		if err != nil {
			if g.ownsBE {
				be.Finalize()
			}
			return nil, err
		}
		g.batched = bs
		g.opt.Backend = be
		g.settings.Solver, g.settings.Method = batchedSolverName, string(m)
		g.settings.Backend, g.settings.Precision, g.settings.Batch = be.String(), "float64", opt.Batch
	}
	g.opt = TargetOptions{Route: opt.Route, Tol: opt.Tol, Method: opt.Method, Workers: opt.Workers, Backend: g.opt.Backend, Batch: opt.Batch}
	return g, nil
}

// Spec returns the data set's Spec.
func (g *Generator) Spec() dataset.Spec {
	s := g.spec
	s.Divisors = append([]int(nil), s.Divisors...)
	return s
}

// Settings returns the target settings, as a manifest records them.
func (g *Generator) Settings() TargetSettings { return g.settings }

// N returns the lattice side.
func (g *Generator) N() int { return g.spec.N }

// Len returns the number of configurations of the data set.
func (g *Generator) Len() int { return g.spec.Len() }

// Close releases the batched solver and the backend the Generator created. It must not be
// used afterwards.
func (g *Generator) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finalized {
		return nil
	}
	g.finalized = true
	if g.batched != nil {
		g.batched.Finalize()
		if g.ownsBE {
			g.opt.Backend.Finalize()
		}
	}
	g.pool = nil
	return nil
}

// Fill computes the examples of the configurations indices: their input images and target
// fields as float32 (N*N each, row-major, one after the other in inputs and targets, which
// must hold len(indices)*N*N values) and their numbers of sources. The results are those a
// float32 cache made with the same options holds, bit for bit.
func (g *Generator) Fill(indices []int, inputs, targets []float32, nsources []int32) error {
	if err := checkFill(g.spec.N, g.spec.Len(), indices, inputs, targets, nsources); err != nil {
		return err
	}
	nn := g.spec.N * g.spec.N
	return g.compute(context.Background(), indices, func(j int, s *sample) error {
		toFloat32(inputs[j*nn:(j+1)*nn], s.input)
		toFloat32(targets[j*nn:(j+1)*nn], s.field)
		nsources[j] = int32(s.nsources)
		return nil
	})
}

// checkFill validates the arguments of a Fill method.
func checkFill(n, length int, indices []int, inputs, targets []float32, nsources []int32) error {
	b, nn := len(indices), n*n
	switch {
	case len(inputs) != b*nn:
		return fmt.Errorf("datastore: Fill: inputs has %d values, want %d examples x %d x %d = %d", len(inputs), b, n, n, b*nn)
	case len(targets) != b*nn:
		return fmt.Errorf("datastore: Fill: targets has %d values, want %d examples x %d x %d = %d", len(targets), b, n, n, b*nn)
	case len(nsources) != b:
		return fmt.Errorf("datastore: Fill: nsources has %d values, want %d", len(nsources), b)
	}
	for _, i := range indices {
		if i < 0 || i >= length {
			return fmt.Errorf("datastore: Fill: configuration %d out of range [0, %d)", i, length)
		}
	}
	return nil
}

func toFloat32(dst []float32, src []float64) {
	for i, v := range src {
		dst[i] = float32(v)
	}
}

// compute solves the configurations indices and calls emit(j, sample) for each, j the position
// in indices. For RouteCPU emit is called concurrently (for different j) from the workers. It
// stops early, returning ctx.Err(), when ctx is cancelled.
func (g *Generator) compute(ctx context.Context, indices []int, emit func(j int, s *sample) error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finalized {
		return errors.New("datastore: Generator used after Close")
	}
	if g.batched != nil {
		return g.computeBatched(ctx, indices, emit)
	}
	return g.computeCPU(ctx, indices, emit)
}

func (g *Generator) computeCPU(ctx context.Context, indices []int, emit func(j int, s *sample) error) error {
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, len(g.pool))
	var wg sync.WaitGroup
	for w, sv := range g.pool[:min(len(g.pool), len(indices))] {
		wg.Go(func() {
			field := make([]float64, g.spec.N*g.spec.N)
			for !failed.Load() {
				j := int(next.Add(1) - 1)
				if j >= len(indices) {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[w] = err
					failed.Store(true)
					return
				}
				i := indices[j]
				p, err := g.spec.Problem(i)
				if err != nil {
					errs[w] = err
					failed.Store(true)
					return
				}
				st, err := sv.SolveInto(field, p)
				if err != nil {
					errs[w] = fmt.Errorf("datastore: configuration %d: %w", i, err)
					failed.Store(true)
					return
				}
				s := sample{input: sv.Input(), field: field, nsources: len(p.Sources), iterations: st.Iterations, residual: st.Residual}
				if err := emit(j, &s); err != nil {
					errs[w] = err
					failed.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	return firstError(ctx, errs)
}

// firstError returns the first non-nil error of errs, preferring one that is not the context's
// (which only says that another worker stopped the others).
func firstError(ctx context.Context, errs []error) error {
	var ctxErr error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, ctx.Err()) && ctx.Err() != nil:
			ctxErr = err
		default:
			return err
		}
	}
	return ctxErr
}

func (g *Generator) computeBatched(ctx context.Context, indices []int, emit func(j int, s *sample) error) error {
	for lo := 0; lo < len(indices); lo += g.opt.Batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+g.opt.Batch, len(indices))
		problems := make([]solver.Problem, hi-lo)
		for j := range problems {
			p, err := g.spec.Problem(indices[lo+j])
			if err != nil {
				return err
			}
			problems[j] = p
		}
		inputs, err := g.batched.Inputs(problems)
		if err != nil {
			return err
		}
		fields, st, err := g.batched.Solve(inputs)
		if err != nil {
			return fmt.Errorf("datastore: configurations %d to %d (batched): %w", indices[lo], indices[hi-1], err)
		}
		for j := range problems {
			s := sample{input: inputs[j], field: fields[j], nsources: len(problems[j].Sources),
				iterations: st.Iterations[j], residual: st.Residuals[j]}
			if err := emit(lo+j, &s); err != nil {
				return err
			}
		}
	}
	return nil
}
