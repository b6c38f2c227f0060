package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/solver"
)

func init() {
	register(&command{name: "solve", summary: "solve one steady-state diffusion problem (JSON configuration or random)", run: runSolve})
}

func runSolve(args []string) error {
	fs := newFlags("solve", "--out DIR (--config FILE.json | --n N --sources K --seed S) [flags]", `
Solves the steady-state diffusion equation for one configuration of disk sources on an N x N
lattice with an absorbing boundary, and writes DIR/input.npy and DIR/field.npy (float64,
shape [n][n], row = y, column = x; numpy.load reads them), DIR/field.png (input and field
side by side with colour bars) and DIR/config.json (the configuration solved).

The configuration is a JSON file:
  {"n":512,"d":1,"gamma":0.0025,"model":"relaxation","normalize":true,
   "sources":[{"x":100,"y":200,"r":5,"value":1}, ...]}
model is "relaxation" (the authors' data generator, the default for reproducing the papers:
(gamma - D lap) c = gamma a) or "clamped" (the papers' text: c = a on the sources, D lap c =
gamma c elsewhere); normalize divides the field by its maximum.

Without --config, a random configuration is drawn the papers' way: K disks of radius 5 with
integer centres fully inside the lattice, one of value 1 and the others uniform in (0, 1],
D = 1, gamma = 1/400, the relaxation model, normalized.`)
	config := fs.String("config", "", "JSON configuration file to solve")
	out := fs.String("out", "", "output directory (created if needed)")
	n := fs.Int("n", 512, "lattice size N of a random configuration")
	k := fs.Int("sources", 10, "number of sources of a random configuration")
	seed := fs.Uint64("seed", 1, "seed of a random configuration")
	model := fs.String("model", "relaxation", "source model of a random configuration: relaxation or clamped")
	tol := fs.Float64("tol", solver.DefaultTol, "relative residual ||b - A c|| / ||b|| at which the solver stops")
	method := fs.String("method", string(solver.Multigrid), "multigrid (CG preconditioned by a multigrid V-cycle) or jacobi-cg (the baseline)")
	workers := fs.Int("workers", 0, "goroutines inside the solve (0: all cores)")
	noPNG := fs.Bool("no-png", false, "do not draw field.png")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *out == "" {
		return badInputf("--out DIR is required")
	}
	if err := checkOutDir("--out", *out); err != nil {
		return err
	}
	switch {
	case math.IsNaN(*tol) || *tol < 0 || *tol >= 1:
		return badInputf("--tol: want a relative residual in (0, 1) (0 for the default %g), got %g", solver.DefaultTol, *tol)
	case *workers < 0:
		return badInputf("--workers: must be non-negative (0: all cores), got %d", *workers)
	}
	m, err := solver.ParseMethod(*method)
	if err != nil {
		return badInputf("--method: %v", err)
	}
	var p solver.Problem
	if *config != "" {
		var conflict []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "n", "sources", "seed", "model":
				conflict = append(conflict, "--"+f.Name)
			}
		})
		if len(conflict) > 0 {
			return badInputf("%v describe a random configuration and cannot be used with --config", conflict)
		}
		data, err := os.ReadFile(*config)
		if err != nil {
			return badInputf("--config: %v", err)
		}
		if p, err = solver.ParseProblem(data); err != nil {
			return badInputf("--config %s: %v", *config, err)
		}
		if err := checkSolveMemory("--config "+*config+": n", p.N, m); err != nil {
			return err
		}
	} else {
		if *n < solver.MinN {
			return badInputf("--n: lattice size %d is below the minimum %d", *n, solver.MinN)
		}
		if err := checkSolveMemory("--n", *n, m); err != nil {
			return err
		}
		var err error
		if p, err = randomProblem(*n, *k, *seed, *model); err != nil {
			return badInput(err)
		}
	}
	res, err := solver.Solve(p, solver.Options{Tol: *tol, Method: m, Workers: *workers})
	if err != nil {
		if p.Validate() != nil {
			return badInput(err)
		}
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	shape := []int{p.N, p.N}
	if err := npy.WriteFile(filepath.Join(*out, "input.npy"), shape, res.Input); err != nil {
		return err
	}
	if err := npy.WriteFile(filepath.Join(*out, "field.npy"), shape, res.Field); err != nil {
		return err
	}
	cfg, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(*out, "config.json"), append(cfg, '\n'), 0o644); err != nil {
		return err
	}
	if !*noPNG {
		if err := drawSolution(filepath.Join(*out, "field.png"), p, res); err != nil {
			return err
		}
	}
	fmt.Printf("solved %dx%d, %d sources, model %s (normalize %v): %d %s iterations, relative residual %.2e, %.1f ms\n",
		p.N, p.N, len(p.Sources), p.Model, p.Normalize, res.Iterations, res.Method, res.Residual,
		float64(res.Elapsed.Microseconds())/1000)
	fmt.Printf("wrote %s/{input.npy,field.npy,config.json%s}\n", *out, map[bool]string{false: ",field.png", true: ""}[*noPNG])
	return nil
}

// checkSolveMemory refuses a lattice whose solve would not fit in the memory available now
// (MemAvailable of /proc/meminfo, where there is one), naming the input flagName.
func checkSolveMemory(flagName string, n int, m solver.Method) error {
	need := solver.MemoryEstimate(n, m)
	avail, ok := memAvailable()
	if !ok || need <= avail/10*9 {
		return nil
	}
	return badInputf("%s: a %d x %d lattice needs about %s of memory to solve, more than the %s available on this machine (MemAvailable); use a smaller lattice",
		flagName, n, n, formatBytes(need), formatBytes(avail))
}

// memAvailable returns the memory available for new allocations, from /proc/meminfo.
func memAvailable() (int64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, false
			}
			return kb << 10, true
		}
	}
	return 0, false
}

// maxImageCells is the largest lattice side drawn cell for cell in field.png; larger fields are
// averaged over blocks of cells to at most this many per side.
const maxImageCells = 1024

// downsample averages an n x n field over k x k blocks (the last ones partial) when n is above
// maxImageCells; it returns the field, its side and k.
func downsample(field []float64, n int) ([]float64, int, int) {
	if n <= maxImageCells {
		return field, n, 1
	}
	k := (n + maxImageCells - 1) / maxImageCells
	m := (n + k - 1) / k
	out := make([]float64, m*m)
	count := make([]float64, m*m)
	for i := 0; i < n; i++ {
		row := field[i*n : i*n+n]
		o := (i / k) * m
		for j, v := range row {
			out[o+j/k] += v
			count[o+j/k]++
		}
	}
	for i := range out {
		out[i] /= count[i]
	}
	return out, m, k
}

// randomProblem draws configuration 0 of a custom data set with k sources (the papers'
// recipe: radius 5, integer centres fully inside, one value 1, the others uniform in (0, 1]).
func randomProblem(n, k int, seed uint64, model string) (solver.Problem, error) {
	m, err := solver.ParseSourceModel(model)
	if err != nil {
		return solver.Problem{}, err
	}
	if k < 1 {
		return solver.Problem{}, fmt.Errorf("--sources: need at least one source, got %d", k)
	}
	spec, err := dataset.Custom(seed, n, solver.PaperRadius, k, k, 2)
	if err != nil {
		return solver.Problem{}, fmt.Errorf("--n/--sources: %w", err)
	}
	spec.Model = m
	spec.Normalize = m == solver.Relaxation
	return spec.Problem(0)
}

func drawSolution(path string, p solver.Problem, res *solver.Result) error {
	input, _, k := downsample(res.Input, p.N)
	fieldData, _, _ := downsample(res.Field, p.N)
	unit := "cells"
	if k > 1 {
		unit = fmt.Sprintf("blocks of %dx%d cells", k, k)
	}
	in := plots.NewHeatmap(input)
	in.Title = fmt.Sprintf("input a (%d sources)", len(p.Sources))
	in.XLabel, in.YLabel = "x ("+unit+")", "y ("+unit+")"
	in.Color.Label = "a"
	field := plots.NewHeatmap(fieldData)
	field.Title = fmt.Sprintf("steady state c (%s)", p.Model)
	field.XLabel, field.YLabel = "x ("+unit+")", "y ("+unit+")"
	field.Color.Label = "c"
	fig := plots.NewFigure(1, 2, in, field)
	fig.Grid.Title = fmt.Sprintf("%dx%d lattice, D = %g, gamma = %g", p.N, p.N, p.D, p.Gamma)
	if k > 1 {
		fig.Grid.Title += fmt.Sprintf(" (drawn as %dx%d block means)", k, k)
	}
	return fig.Save(path)
}
