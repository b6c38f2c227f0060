package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/scale"
)

func init() {
	register(&command{name: "figure", summary: "compute and render one figure or table of the papers (figures/<id>/<scale>/)", run: runFigure})
	register(&command{name: "figures", summary: "list every figure and table of the papers with its status", run: runFiguresList})
}

func runFigure(args []string) error {
	fs := newFlags("figure", "ID [ID...] [flags]", `
Computes the results behind a figure or table of the reproduced papers at a scale, saves them
with their provenance as figures/<ID>/<scale>/results.json, and renders the PNG and SVG files
next to them. Saved results are reused unless --force is given; --render-only redraws from
the saved results without computing. ID is e.g. 2023-fig03, 2021-table2, 2020-fig07 (see
surrogo figures). The notebook of each figure calls the same code.`)
	sc := fs.String("scale", "", "smoke | cpu | gpu | paper (default: $SURROGO_SCALE, else cpu)")
	force := fs.Bool("force", false, "recompute even when saved results exist")
	renderOnly := fs.Bool("render-only", false, "only redraw the figure files from saved results")
	seed := fs.Uint64("seed", 1, "seed of the computation (configurations, initialization, shuffling)")
	dir := fs.String("figures-dir", "", "figures directory (default: figures/ of this checkout, or $SURROGO_FIGURES_DIR)")
	if err := parseFlags(fs, reorderFlags(args), -1); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return badInputf("no figure identifier given (see surrogo figures)")
	}
	opt := figures.Options{Force: *force, Seed: *seed, Root: *dir, Via: "cli"}
	if *sc != "" {
		s, err := scale.Parse(*sc)
		if err != nil {
			return badInputf("--scale: %v", err)
		}
		opt.Scale = s
	} else if _, err := scale.FromEnv(); err != nil {
		return badInput(err)
	}
	if *force && *renderOnly {
		return badInputf("--force and --render-only: --force recomputes, --render-only only redraws; give one")
	}
	if *dir != "" {
		if err := checkOutDir("--figures-dir", *dir); err != nil {
			return err
		}
	} else if env := os.Getenv(figures.EnvFiguresDir); env != "" {
		if err := checkOutDir("$"+figures.EnvFiguresDir, env); err != nil {
			return err
		}
	}
	for _, id := range fs.Args() {
		if _, err := figures.CatalogEntry(id); err != nil {
			return badInput(err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opt.Ctx = ctx
	for _, id := range fs.Args() {
		if !*renderOnly {
			st, err := figures.Ensure(id, opt)
			if err != nil {
				return err
			}
			fmt.Printf("%s: results at scale %s (computed %s, %.1f s, commit %s)\n", id, st.Scale, st.Date, st.Elapsed, st.Commit)
			if sum, err := figures.Summary(st); err == nil && sum != "" {
				fmt.Println(strings.TrimSpace(sum))
			}
		}
		paths, err := figures.Render(id, opt)
		if err != nil {
			return err
		}
		for _, p := range paths {
			fmt.Println("  wrote", p)
		}
	}
	return nil
}

func runFiguresList(args []string) error {
	fs := newFlags("figures", "[flags]", `
Lists every figure and table of the three reproduced papers: its identifier, whether surrogo
implements it, the scales at which results are saved in figures/, and its title.`)
	dir := fs.String("figures-dir", "", "figures directory (default: figures/ of this checkout)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	root := *dir
	if root == "" {
		var err error
		if root, err = figures.FiguresDir(); err != nil {
			return err
		}
	}
	for _, st := range figures.Statuses(root) {
		impl := "-"
		if st.Implemented {
			impl = "yes"
		}
		saved := strings.Join(scaleNames(st.Saved), ",")
		if saved == "" {
			saved = "-"
		}
		fmt.Printf("%-14s %-4s %-22s %s\n", st.ID, impl, saved, st.Title)
	}
	return nil
}

func scaleNames(s []scale.Scale) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return out
}

// reorderFlags moves positional arguments after the flags, so that `surrogo figure ID --scale
// cpu` works as well as `surrogo figure --scale cpu ID` (the flag package stops at the first
// positional argument). Every flag of these commands that takes a value uses the --name=value
// or --name value form; boolean flags take no separate value.
func reorderFlags(args []string) []string {
	var flags, pos []string
	boolFlags := map[string]bool{"--force": true, "-force": true, "--render-only": true, "-render-only": true,
		"--inplace": true, "-inplace": true, "--json": true, "-json": true, "--verify": true, "-verify": true,
		"-h": true, "--help": true, "-help": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			if !strings.Contains(a, "=") && !boolFlags[a] && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}
