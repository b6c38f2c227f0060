package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

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
			return badInput(err)
		}
		if p, err = solver.ParseProblem(data); err != nil {
			return badInputf("%s: %v", *config, err)
		}
	} else {
		var err error
		if p, err = randomProblem(*n, *k, *seed, *model); err != nil {
			return badInput(err)
		}
	}
	m, err := solver.ParseMethod(*method)
	if err != nil {
		return badInput(err)
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
	spec, err := dataset.Custom(seed, n, int(solver.PaperRadius), k, k, 2)
	if err != nil {
		return solver.Problem{}, err
	}
	spec.Model = m
	spec.Normalize = m == solver.Relaxation
	return spec.Problem(0)
}

func drawSolution(path string, p solver.Problem, res *solver.Result) error {
	in := plots.NewHeatmap(res.Input)
	in.Title = fmt.Sprintf("input a (%d sources)", len(p.Sources))
	in.XLabel, in.YLabel = "x (cells)", "y (cells)"
	in.Color.Label = "a"
	field := plots.NewHeatmap(res.Field)
	field.Title = fmt.Sprintf("steady state c (%s)", p.Model)
	field.XLabel, field.YLabel = "x (cells)", "y (cells)"
	field.Color.Label = "c"
	fig := plots.NewFigure(1, 2, in, field)
	fig.Grid.Title = fmt.Sprintf("%dx%d lattice, D = %g, gamma = %g", p.N, p.N, p.D, p.Gamma)
	return fig.Save(path)
}
