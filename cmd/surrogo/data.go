package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/progress"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/solver"
)

func init() {
	register(&command{name: "data gen", summary: "generate a data set's cache of inputs and targets (.npy shards; resumable)", run: runDataGen})
	register(&command{name: "data info", summary: "describe a data-set cache (counts, manifest); --verify checks every shard", run: runDataInfo})
	register(&command{name: "data show", summary: "draw one example of a data-set cache (input and target) as an image", run: runDataShow})
}

// Where the data commands write; tests replace them.
var (
	dataStdout io.Writer = os.Stdout
	dataStderr io.Writer = os.Stderr
)

func runDataGen(args []string) error {
	fs := newFlags("data gen", "--recipe 2021|2023 --out DIR [flags]", `
Generates the examples of a data set of the papers into DIR: the input images, the target
fields (the solver's steady states) and the numbers of sources, in .npy shards of consecutive
configurations (numpy.load reads them), with DIR/manifest.json describing the data set, the
solver settings and every shard's SHA-256. A progress line shows the rate and the time left.

The data set is a recipe at a scale: 2023 (1 to 20 sources, N=512 at scale paper) or 2021
(two sources, N=100); smoke, cpu and gpu shrink the lattice and the number of configurations
(see the dataset package), paper is the exact setup. Configurations and splits follow from
the seed; the bytes written depend only on the flags (and, for --targets batched, on the
backend), never on the number of workers or on interruptions.

Interrupted (Ctrl-C, a crash, a kill), the command keeps the finished shards: run it again
with the same flags to resume. Run on a finished DIR, it verifies every shard and recomputes
only bad ones. A DIR holding another data set or other settings is refused.

Targets are solved by the CPU solver in parallel over configurations (--targets cpu), or in
batches by the GoMLX batched solver (--targets batched) on the backend named by
$GOMLX_BACKEND (pure Go by default; stablehlo:cuda on a GPU). Both stop at --tol.`)
	recipe := fs.String("recipe", "", "data set recipe: 2023 (ED-CNN paper) or 2021 (two sources)")
	sc := fs.String("scale", "", "smoke | cpu | gpu | paper (default: $SURROGO_SCALE, else cpu)")
	seed := fs.Uint64("seed", 1, "seed of the configurations and of the train/test split")
	out := fs.String("out", "", "cache directory (created if needed)")
	model := fs.String("model", string(solver.Relaxation), "source model: relaxation (the authors' data) or clamped (the papers' text)")
	targets := fs.String("targets", string(datastore.RouteCPU), "how targets are solved: cpu (package solver, parallel over configurations) or batched (package batchsolve on a GoMLX backend)")
	tol := fs.Float64("tol", datastore.DefaultTol, "relative residual ||b - A c|| / ||b|| at which every solve stops")
	method := fs.String("method", "", "solver method (default multigrid): multigrid or jacobi-cg with --targets cpu, multigrid or spectral with --targets batched")
	workers := fs.Int("workers", 0, "concurrent solves of --targets cpu (0: all cores); does not change the results")
	batch := fs.Int("batch", datastore.DefaultBatch, "examples per device call of --targets batched")
	shardSize := fs.Int("shard-size", 0, "configurations per shard (0: about 64 MiB per file, e.g. 64 at N=512)")
	dtype := fs.String("dtype", string(datastore.Float32), "element type of stored inputs and targets: float32 or float16 (half the disk, ~3 digits)")
	quiet := fs.Bool("quiet", false, "no progress line")
	if err := parseFlags(fs, interleaveFlags(fs, args), 0); err != nil {
		return err
	}
	if *recipe == "" || *out == "" {
		return badInputf("--recipe and --out are required (see --help)")
	}
	if err := checkOutDir("--out", *out); err != nil {
		return err
	}
	spec, err := paperSpec(*recipe, *sc, *seed)
	if err != nil {
		return badInput(err)
	}
	m, err := solver.ParseSourceModel(*model)
	if err != nil {
		return badInputf("--model: %v", err)
	}
	spec.Model = m
	spec.Normalize = m == solver.Relaxation
	route, err := datastore.ParseRoute(*targets)
	if err != nil {
		return badInputf("--targets: %v", err)
	}
	dt, err := datastore.ParseDType(*dtype)
	if err != nil {
		return badInputf("--dtype: %v", err)
	}
	switch {
	case !(*tol > 0 && *tol < 1):
		return badInputf("--tol: want a relative residual in (0, 1), got %g", *tol)
	case *workers < 0:
		return badInputf("--workers: must be non-negative, got %d", *workers)
	case *batch < 1:
		return badInputf("--batch: must be positive, got %d", *batch)
	case *shardSize < 0:
		return badInputf("--shard-size: must be non-negative, got %d", *shardSize)
	}
	if *method != "" {
		ok := slices.Contains([]string{"multigrid", "jacobi-cg"}, *method)
		if route == datastore.RouteBatched {
			ok = slices.Contains([]string{"multigrid", "spectral"}, *method)
		}
		if !ok {
			return badInputf("--method: %q is not a method of --targets %s", *method, route)
		}
	}
	opt := datastore.Options{
		ShardSize: *shardSize, DType: dt,
		Targets: datastore.TargetOptions{Route: route, Tol: *tol, Method: *method, Workers: *workers, Batch: *batch},
	}
	if !*quiet {
		opt.Progress = dataStderr
	}
	if pid, locked := datastore.LockedBy(*out); locked {
		return badInputf("--out: %v", &datastore.LockedError{Dir: *out, PID: pid})
	}
	fmt.Fprintf(dataStdout, "data set %s: %s\n", spec.ID(), spec.Describe())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := datastore.Generate(ctx, spec, *out, opt)
	if errors.Is(err, datastore.ErrWrongDir) {
		return badInputf("--out: %v", err)
	}
	if err != nil {
		return lockedInput("--out", err)
	}
	man := res.Manifest
	fmt.Fprintf(dataStdout, "%s: %d configurations in %d shards (%d reused, %d generated: %d solves in %s",
		*out, man.Counts.Configurations, man.NumShards, res.Reused, res.Generated, res.Solved, progress.FormatDuration(res.Elapsed))
	if res.Solved > 0 && res.Elapsed > 0 {
		fmt.Fprintf(dataStdout, ", %.3g solves/s", float64(res.Solved)/res.Elapsed.Seconds())
	}
	fmt.Fprintf(dataStdout, "); manifest %s\n", filepath.Join(*out, datastore.ManifestFile))
	return nil
}

// paperSpec returns the Spec of a paper recipe at a scale (the default scale when sc is empty).
func paperSpec(recipe, sc string, seed uint64) (dataset.Spec, error) {
	r, err := dataset.ParseRecipe(recipe)
	if err != nil {
		return dataset.Spec{}, fmt.Errorf("--recipe: %w", err)
	}
	if r == dataset.RecipeCustom {
		return dataset.Spec{}, errors.New("--recipe: custom data sets are made with the dataset package, not on the command line (want 2021 or 2023)")
	}
	s, err := scale.FromEnv()
	if sc != "" {
		s, err = scale.Parse(sc)
	}
	if err != nil {
		return dataset.Spec{}, fmt.Errorf("--scale: %w", err)
	}
	return dataset.New(r, s, seed)
}

// dataInfo is the JSON output of `surrogo data info --json`.
type dataInfo struct {
	Dir      string              `json:"dir"`
	Bytes    int64               `json:"bytes"` // the shard files together
	Manifest *datastore.Manifest `json:"manifest"`
	// Verify is present with --verify.
	Verify *verifyReport `json:"verify,omitempty"`
}

type verifyReport struct {
	Shards int         `json:"shards"`
	OK     bool        `json:"ok"`
	Bad    []badReport `json:"bad"`
}

type badReport struct {
	Shard int    `json:"shard"`
	File  string `json:"file"`
	Error string `json:"error"`
}

func runDataInfo(args []string) error {
	fs := newFlags("data info", "DIR [--json] [--verify]", `
Describes the data-set cache in DIR: the data set (recipe, scale, seed, how it differs from
the paper's), how the targets were solved, the storage (dtype, shards, size), and the number
of configurations per split, per training and test subset, and per number of sources.

--json prints the same as one JSON object (the manifest, with every shard's SHA-256).
--verify reads every shard file and checks its size, SHA-256, .npy header and numbers of
sources against the manifest; the exit status is 1 and the message names each bad file when
a shard is corrupt, truncated or missing.`)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	verify := fs.Bool("verify", false, "check every shard against the manifest")
	if err := parseFlags(fs, interleaveFlags(fs, args), 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return badInputf("want the cache directory DIR (see --help)")
	}
	dir := fs.Arg(0)
	st, err := datastore.Open(dir)
	if err != nil {
		return err
	}
	m := st.Manifest()
	info := dataInfo{Dir: dir, Manifest: m}
	for _, s := range m.Shards {
		info.Bytes += s.Inputs.Bytes + s.Targets.Bytes + s.NSources.Bytes
	}
	var verr error
	if *verify {
		rep := &verifyReport{Shards: st.NumShards(), Bad: []badReport{}}
		var pr *progress.Reporter
		if !*asJSON {
			pr = progress.New(dataStderr, "verify "+dir, int64(st.NumShards()), progress.Options{Unit: "shards"})
		}
		var errs []error
		for i := range st.NumShards() {
			if err := st.VerifyShard(i); err != nil {
				errs = append(errs, err)
				b := badReport{Shard: i, Error: err.Error()}
				if se := (*datastore.ShardError)(nil); errors.As(err, &se) {
					b.File = filepath.Base(se.Path)
				}
				rep.Bad = append(rep.Bad, b)
			}
			pr.Add(1)
		}
		pr.Done()
		rep.OK = len(errs) == 0
		info.Verify = rep
		if len(errs) > 0 {
			verr = fmt.Errorf("%d of %d shards are bad:\n%w", len(errs), st.NumShards(), errors.Join(errs...))
		}
	}
	if *asJSON {
		b, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(dataStdout, "%s\n", b)
		return verr
	}
	printInfo(dataStdout, &info)
	if *verify && verr == nil {
		fmt.Fprintf(dataStdout, "verified: all %d shards match the manifest (sizes, SHA-256, headers, numbers of sources)\n", st.NumShards())
	}
	return verr
}

// printInfo writes the human-readable form of `data info`.
func printInfo(w io.Writer, info *dataInfo) {
	m := info.Manifest
	t := m.Targets
	fmt.Fprintf(w, "data set %s: %s\n", m.Dataset.ID, m.Dataset.Description)
	fmt.Fprintf(w, "directory: %s\n", info.Dir)
	route := fmt.Sprintf("%s route: %s, method %s", t.Route, t.Solver, t.Method)
	if t.Route == datastore.RouteBatched {
		route += fmt.Sprintf(" on backend %s (%s, batches of %d)", t.Backend, t.Precision, t.Batch)
	}
	norm := "normalized by the maximum"
	if !t.Normalize {
		norm = "not normalized"
	}
	fmt.Fprintf(w, "targets: %s; %s model, %s; relative residual <= %g\n", route, t.Model, norm, t.Tol)
	fmt.Fprintf(w, "storage: %s, %d shards of up to %d configurations, %s\n", m.DType, m.NumShards, m.ShardSize, formatBytes(info.Bytes))
	c := m.Counts
	fmt.Fprintf(w, "configurations: %d (train %d, test %d)\n", c.Configurations, c.Train, c.Test)
	fmt.Fprintf(w, "subsets:\n")
	for _, s := range c.Subsets {
		fmt.Fprintf(w, "  %-10s %6d per source count %9d in all (%.4g%% of %s)\n", s.Name, s.PerCount, s.Total, 100*s.Fraction, strings.SplitN(s.Name, "/", 2)[0])
	}
	fmt.Fprintf(w, "by number of sources:\n  %7s %9s %9s %9s\n", "sources", "total", "train", "test")
	for _, s := range c.BySources {
		fmt.Fprintf(w, "  %7d %9d %9d %9d\n", s.Sources, s.Total, s.Train, s.Test)
	}
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func runDataShow(args []string) error {
	fs := newFlags("data show", "DIR --index I --out F.png", `
Draws configuration I of the data-set cache in DIR: its input image and its target field side
by side with colour bars, titled with the number of sources, the split it belongs to (train
or test, and the smallest training subset holding it) and the data set, and stamped with the
scale. The format follows the extension of F: .png, .svg or .pdf.`)
	index := fs.Int("index", -1, "configuration index, 0 to the number of configurations - 1")
	out := fs.String("out", "", "output image file (.png, .svg or .pdf)")
	if err := parseFlags(fs, interleaveFlags(fs, args), 1); err != nil {
		return err
	}
	if fs.NArg() != 1 || *out == "" {
		return badInputf("want the cache directory DIR and --out F.png (see --help)")
	}
	switch strings.ToLower(filepath.Ext(*out)) {
	case ".png", ".svg", ".pdf":
	default:
		return badInputf("--out: %q: want a .png, .svg or .pdf file", *out)
	}
	if err := checkOutFile("--out", *out); err != nil {
		return err
	}
	st, err := datastore.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	spec := st.Spec()
	if *index < 0 || *index >= spec.Len() {
		return badInputf("--index: %d is not a configuration of this data set (0 to %d)", *index, spec.Len()-1)
	}
	nn := spec.N * spec.N
	input, target := make([]float32, nn), make([]float32, nn)
	k, err := st.Sample(*index, input, target)
	if err != nil {
		return err
	}
	part, err := membership(st, *index)
	if err != nil {
		return err
	}
	in := plots.NewHeatmap(input)
	in.Title = "input a"
	in.Color.Label = "a"
	tg := plots.NewHeatmap(target)
	tg.Title = fmt.Sprintf("target c (%s)", spec.Model)
	tg.Color.Label = "c"
	for _, h := range []*plots.Heatmap{in, tg} {
		h.XLabel, h.YLabel = "x (cells)", "y (cells)"
	}
	fig := plots.NewFigure(1, 2, in, tg)
	fig.Grid.Title = fmt.Sprintf("configuration %d: %d sources, %s; %s %s seed %d (%d×%d)", *index, k, part, spec.Recipe, spec.Scale, spec.Seed, spec.N, spec.N)
	fig.Stamp = plots.ScaleStamp(string(spec.Scale), paperSetup(spec.Recipe))
	if dir := filepath.Dir(*out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := fig.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(dataStdout, "configuration %d (%d sources, %s) drawn to %s\n", *index, k, part, *out)
	return nil
}

// membership says which part of the split configuration i belongs to: "test", or "train" with
// the smallest nested training subset that holds it (e.g. "train (in train/80 and larger)").
func membership(st *datastore.Store, i int) (string, error) {
	sp, err := st.Splits()
	if err != nil {
		return "", err
	}
	if _, found := slices.BinarySearch(sp.Test().Indices, i); found {
		return "test", nil
	}
	spec := st.Spec()
	for _, d := range spec.Divisors { // largest divisor (smallest subset) first
		if d == 1 {
			break
		}
		sub, err := sp.TrainSubset(d)
		if err != nil {
			return "", err
		}
		if _, found := slices.BinarySearch(sub.Indices, i); found {
			return fmt.Sprintf("train (in train/%d and larger)", d), nil
		}
	}
	return "train", nil
}

// paperSetup describes the paper's data set of a recipe for the scale stamp, e.g.
// "512×512, 400k samples"; empty for custom data sets.
func paperSetup(r dataset.Recipe) string {
	p, err := dataset.New(r, dataset.ScalePaper, 1)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d×%d, %dk samples", p.N, p.N, p.Len()/1000)
}

// interleaveFlags moves the positional arguments after the flags, so that `surrogo data info
// DIR --json` works like `surrogo data info --json DIR` (the flag package stops at the first
// positional argument). It asks fs which flags are boolean (they take no separate value).
func interleaveFlags(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			f := fs.Lookup(name)
			if f == nil {
				continue // unknown: Parse reports it
			}
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue // boolean: no separate value
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}
