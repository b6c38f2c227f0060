package predict

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
	"github.com/surrogo/surrogo/solver"
)

// EnvRuns lists extra directories (':'-separated) where Runs looks for trained models.
const EnvRuns = "SURROGO_RUNS"

// Runs returns the trained models the explore notebook offers: run directories under
// root/runs (surrogo train --out runs/...), root/.cache (the figures' runs and the explore
// notebook's own), and the directories of $SURROGO_RUNS.
func Runs(root string) []string {
	roots := []string{filepath.Join(root, "runs"), filepath.Join(root, ".cache", "training"), filepath.Join(root, ".cache", "explore")}
	for _, d := range strings.Split(os.Getenv(EnvRuns), ":") {
		if d != "" {
			roots = append(roots, d)
		}
	}
	return FindRuns(4, roots...)
}

// EnsureRun returns the first run of Runs(root), after training a small ED-CNN on the 2023
// recipe at scale s into root/.cache/explore/<s> when there is none (seconds at the smoke scale,
// a minute or two at cpu scale).
func EnsureRun(ctx context.Context, root string, s scale.Scale, log io.Writer) (string, error) {
	if runs := Runs(root); len(runs) > 0 {
		return runs[0], nil
	}
	if log == nil {
		log = io.Discard
	}
	spec, err := dataset.New(dataset.Recipe2023, s, 1)
	if err != nil {
		return "", err
	}
	base := filepath.Join(root, ".cache", "explore", string(s))
	dataDir := filepath.Join(base, "data")
	fmt.Fprintf(log, "no trained model found: generating %s and training a small model into %s\n", spec.ID(), base)
	if _, err := datastore.Generate(ctx, spec, dataDir, datastore.Options{}); err != nil {
		return "", err
	}
	cfg, err := training.NewConfig("edcnn", s, spec.N, "1E1")
	if err != nil {
		return "", err
	}
	cfg.Data.Dir = dataDir
	cfg.Epochs = min(cfg.Epochs, 3)
	run := filepath.Join(base, "run-1E1")
	if _, err := training.Run(ctx, cfg, run, training.Options{Log: log}); err != nil {
		return "", err
	}
	return run, nil
}

// Configuration returns k sources drawn with the given seed the papers' way (radius 5, one of
// value 1, the others uniform in (0, 1]) on an n x n lattice, with D = 1 and gamma = 1/L^2 for
// the diffusion length L (cells), the relaxation model, normalized.
func Configuration(n, k int, seed uint64, length float64) (solver.Problem, error) {
	if !(length > 0) {
		return solver.Problem{}, fmt.Errorf("diffusion length must be positive, got %g", length)
	}
	spec, err := dataset.Custom(seed, n, solver.PaperRadius, k, k, 2)
	if err != nil {
		return solver.Problem{}, err
	}
	p, err := spec.Problem(0)
	if err != nil {
		return solver.Problem{}, err
	}
	p.D, p.Gamma = 1, 1/(length*length)
	return p, nil
}

// HTML renders the result for a notebook: a status line, the notes, and the figure (PNG) with
// the region errors.
func (r *Result) HTML(title string) (string, error) {
	png, err := r.Figure(title).Render("png")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="surrogo-explore"><p><b>%d sources</b>, diffusion length %.3g cells: prediction %.0f ms, solver %.0f ms, max |error| %.3g</p>`,
		len(r.Problem.Sources), DiffusionLength(r.Problem.D, r.Problem.Gamma), r.PredictSeconds*1000, r.SolveSeconds*1000, r.MaxError)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, `<p style="color:#a15c00">note: %s</p>`, html.EscapeString(n))
	}
	fmt.Fprintf(&b, `<img src="data:image/png;base64,%s" style="max-width:100%%"/>`, base64.StdEncoding.EncodeToString(png))
	b.WriteString(`<table><tr><th>region</th><th>pixels</th><th>MAE</th></tr>`)
	for _, e := range r.Regions {
		mae := "—"
		if e.Pixels > 0 {
			mae = fmt.Sprintf("%.4g", float64(e.MAE))
		}
		fmt.Fprintf(&b, `<tr><td>%s</td><td>%d</td><td>%s</td></tr>`, e.Region, e.Pixels, mae)
	}
	b.WriteString(`</table></div>`)
	return b.String(), nil
}
