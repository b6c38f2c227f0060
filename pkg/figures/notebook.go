package figures

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
)

// InNotebook reports whether the program runs inside a GoNB notebook cell.
func InNotebook() bool { return gonbui.IsNotebook }

// Reproduce is the call of a figure notebook's results cell: it returns the results of figure
// id at the scale named by $SURROGO_SCALE (default cpu), loaded from figures/ when they are
// there and computed and saved otherwise, and shows where they came from and their summary.
// Inside a notebook an error ends the cell with the message, so the headless runner fails.
func Reproduce(id string) *Stored {
	st, err := Ensure(id, Options{Via: "notebook " + id})
	if err != nil {
		fail(err)
	}
	show(provenanceMarkdown(st))
	if sum, err := Summary(st); err != nil {
		fail(err)
	} else if sum != "" {
		show(sum)
	}
	flush()
	return st
}

// Show is the call of a figure notebook's drawing cell: it renders figure id from its saved
// results at the scale of $SURROGO_SCALE and displays the PNG files inline (outside a notebook
// it prints their paths).
func Show(id string) []string {
	paths, err := Render(id, Options{Via: "notebook " + id})
	if err != nil {
		fail(err)
	}
	for _, p := range paths {
		if !strings.HasSuffix(p, ".png") {
			continue
		}
		if !InNotebook() {
			fmt.Println(p)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			fail(err)
		}
		gonbui.DisplayPng(data)
	}
	flush()
	return paths
}

func provenanceMarkdown(st *Stored) string {
	figs, _ := FiguresDir()
	dir := Dir(figs, st.ID, st.Scale)
	if root, err := RepoRoot(); err == nil {
		if r, err := filepath.Rel(root, dir); err == nil && !strings.HasPrefix(r, "..") {
			dir = r
		}
	}
	return fmt.Sprintf("**%s** — %s\n\nScale **%s**; computed %s on %s (%s) in %.1f s at commit `%s` via %s. "+
		"Recompute with `%s --force`; results in `%s/%s`.",
		st.ID, st.Title, st.Scale.Describe(), st.Date, st.Device, st.Backend, st.Elapsed, st.Commit, st.Via,
		st.Command, dir, ResultsFile)
}

func show(markdown string) {
	if InNotebook() {
		gonbui.DisplayMarkdown(markdown)
		return
	}
	fmt.Println(markdown)
}

// flush waits until GoNB has received everything displayed so far: the cell's program ends right
// after, and a large image still in the pipe when it exits can be lost.
func flush() {
	if InNotebook() {
		gonbui.Sync()
	}
}

func fail(err error) {
	flush()
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
