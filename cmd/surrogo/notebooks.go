package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/notebook"
	"github.com/surrogo/surrogo/pkg/scale"
)

func init() {
	register(&command{name: "notebooks run", summary: "execute the figure notebooks headless (Jupyter + GoNB)", run: runNotebooks})
	register(&command{name: "notebooks table", summary: "regenerate the status table of notebooks/README.md", run: runNotebooksTable})
}

func runNotebooks(args []string) error {
	fs := newFlags("notebooks run", "[flags] [FILTER...]", `
Executes the notebooks of notebooks/ (those whose file name contains one of the FILTERs, or
all) with jupyter nbconvert on the GoNB kernel, at the scale given (passed to the notebooks as
$SURROGO_SCALE), stopping a notebook at its first failing cell. Every failure is reported, and
the exit status is 1 if any notebook failed. Afterwards the status table of
notebooks/README.md is regenerated. Needs Jupyter, GoNB's kernel and gopls/goimports on PATH:
'make setup' installs them.`)
	sc := fs.String("scale", "", "smoke | cpu | gpu | paper (default: $SURROGO_SCALE, else cpu)")
	inplace := fs.Bool("inplace", false, "save the executed notebooks, with their outputs, over the originals")
	dir := fs.String("dir", "", "notebooks directory (default: notebooks/ of this checkout)")
	timeout := fs.Duration("cell-timeout", 60*time.Minute, "time limit of one cell")
	if err := parseFlags(fs, reorderFlags(args), -1); err != nil {
		return err
	}
	if *timeout <= 0 {
		return badInputf("--cell-timeout: must be positive, got %s", *timeout)
	}
	s := scale.Default
	if *sc != "" {
		var err error
		if s, err = scale.Parse(*sc); err != nil {
			return badInputf("--scale: %v", err)
		}
	} else if env, err := scale.FromEnv(); err == nil {
		s = env
	} else {
		return badInput(err)
	}
	nbDir, err := notebooksDir(*dir)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(nbDir); err != nil || !fi.IsDir() {
		return badInputf("--dir: %s is not a directory of notebooks", nbDir)
	}
	if err := notebook.Check(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opt := notebook.Options{
		Env:     []string{scale.EnvVar + "=" + string(s)},
		Timeout: *timeout, InPlace: *inplace,
		Log: func(format string, a ...any) { fmt.Printf(format+"\n", a...) },
	}
	// Every figure's Ensure appends what it reused and what it recomputed to this file.
	rep, err := os.CreateTemp("", "surrogo-report-*.txt")
	if err != nil {
		return err
	}
	rep.Close()
	defer os.Remove(rep.Name())
	opt.Env = append(opt.Env, figures.EnvReport+"="+rep.Name())
	fmt.Printf("Executing notebooks in %s at scale %s\n", nbDir, s.Describe())
	runErr := notebook.RunAll(ctx, nbDir, fs.Args(), opt)
	if lines, err := os.ReadFile(rep.Name()); err == nil && len(lines) > 0 {
		fmt.Printf("\nWhat each figure reused and recomputed:\n%s", lines)
	}
	if os.Getenv(figures.EnvFiguresDir) != "" {
		return runErr // results went elsewhere: the README describes figures/ only
	}
	if err := updateTable(nbDir); err != nil {
		fmt.Fprintln(os.Stderr, "warning: notebooks/README.md table:", err)
	}
	return runErr
}

func runNotebooksTable(args []string) error {
	fs := newFlags("notebooks table", "[flags]", `
Regenerates the table of every figure and table of the papers, with its notebook and status
(not yet / reproduced at scale S / reproduced at paper scale / stale at scale S with the reason, from the results saved in
figures/), between the markers of notebooks/README.md.`)
	dir := fs.String("dir", "", "notebooks directory (default: notebooks/ of this checkout)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	nbDir, err := notebooksDir(*dir)
	if err != nil {
		return err
	}
	return updateTable(nbDir)
}

func notebooksDir(dir string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	root, err := figures.RepoRoot()
	if err != nil {
		return "", fmt.Errorf("%w: give --dir", err)
	}
	return filepath.Join(root, "notebooks"), nil
}

func updateTable(nbDir string) error {
	root, err := figures.FiguresDir()
	if err != nil {
		return err
	}
	changed, err := figures.UpdateReadme(filepath.Join(nbDir, "README.md"), root, nbDir)
	if err == nil && changed {
		fmt.Println("updated", filepath.Join(nbDir, "README.md"))
	}
	return err
}
