// Tests of the figure notebooks: their structure, their execution at the smoke scale on the
// GoNB kernel, and the status table of README.md.
package notebooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/notebook"
	"github.com/surrogo/surrogo/pkg/scale"

	// The figure packages: every figure they register must have a notebook.
	_ "github.com/surrogo/surrogo/pkg/figures/fig2020"
	_ "github.com/surrogo/surrogo/pkg/figures/fig2021"
	_ "github.com/surrogo/surrogo/pkg/figures/fig2023"
)

// setupCell is the first code cell of every notebook: it makes GoNB use the surrogo module the
// notebook lives in (see notebooks/README.md).
const setupCell = "%noautoget\n!*rm -f go.work && go work init && go work use . ${GONB_DIR}/.."

// ipynb is the part of a notebook file the tests read.
type ipynb struct {
	Metadata struct {
		Kernelspec struct {
			Name        string `json:"name"`
			DisplayName string `json:"display_name"`
			Language    string `json:"language"`
		} `json:"kernelspec"`
	} `json:"metadata"`
	Cells []struct {
		CellType string          `json:"cell_type"`
		Source   json.RawMessage `json:"source"`
	} `json:"cells"`
}

// text decodes a notebook source field: a string or a list of strings.
func text(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []string
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", fmt.Errorf("cell source is neither a string nor a list of strings: %w", err)
	}
	return strings.Join(parts, ""), nil
}

// notebooks returns the notebook files of this directory.
func notebooks(t *testing.T) []string {
	t.Helper()
	paths, err := notebook.List(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no notebooks in notebooks/")
	}
	return paths
}

// idOf returns the catalogue identifier that the notebook's file name starts with (followed by
// '-'), or "" if none does.
func idOf(path string) string {
	name := filepath.Base(path)
	best := ""
	for _, e := range figures.Catalog {
		if strings.HasPrefix(name, e.ID+"-") && len(e.ID) > len(best) {
			best = e.ID
		}
	}
	return best
}

var callPattern = regexp.MustCompile(`figures\.(Reproduce|Show)\("([^"]*)"\)`)

// nonFigureNotebooks are the notebooks that reproduce no figure (the tutorial, the explore notebook):
// TestNotebookStructure checks only their kernel; TestNotebooksExecute runs them like the others.
var nonFigureNotebooks = map[string]bool{"explore.ipynb": true, "tutorial.ipynb": true}

// libraryCall matches a call into the packages a user imports for an experiment.
var libraryCall = regexp.MustCompile(`\b(surrogate|dataset|metrics|training|solver|scinet|plots|fig20\d\d)\.[A-Z]\w*`)

// checkExperimentForm checks the experiment form of a figure notebook: after the set-up cell, the
// pipeline in cells that call the library (the data set, the model or the sweep results, the
// metric, the plot), at least three, each introduced by a markdown cell.
func checkExperimentForm(t *testing.T, cells []string, types []string) {
	t.Helper()
	steps := 0
	for i := 1; i < len(cells); i++ {
		if types[i] != "code" || i == 0 {
			continue
		}
		if !libraryCall.MatchString(cells[i]) {
			continue
		}
		steps++
		if types[i-1] != "markdown" && !(types[i-1] == "code" && callPattern.MatchString(cells[i-1])) {
			t.Errorf("cell %d (a step of the experiment) is not introduced by a markdown cell", i+1)
		}
	}
	if steps < 3 {
		t.Errorf("experiment form: want at least 3 code cells that call the library (data set, model, metric, plot), got %d", steps)
	}
}

func TestNotebookStructure(t *testing.T) {
	registered := map[string]bool{}
	for _, id := range figures.Registered() {
		registered[id] = true
	}
	for _, path := range notebooks(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var nb ipynb
			if err := json.Unmarshal(data, &nb); err != nil {
				t.Fatalf("not valid notebook JSON: %v", err)
			}
			ks := nb.Metadata.Kernelspec
			if ks.Name != notebook.KernelName || ks.DisplayName != "Go (gonb)" || ks.Language != "go" {
				t.Errorf("kernelspec %+v, want {name: gonb, display_name: Go (gonb), language: go}", ks)
			}
			if nonFigureNotebooks[name] {
				return // An interactive notebook: no figure identifier, no figure calls.
			}
			id := idOf(path)
			if id == "" {
				t.Fatalf("file name does not start with a catalogue identifier followed by '-' (e.g. 2023-fig03-regions.ipynb)")
			}
			if !registered[id] {
				t.Errorf("%s is not registered by any figure package imported here (fig2023, fig2021)", id)
			}
			var code, markdown, all, types []string
			calls := map[string]int{}
			for i, c := range nb.Cells {
				src, err := text(c.Source)
				if err != nil {
					t.Fatalf("cell %d: %v", i+1, err)
				}
				all, types = append(all, src), append(types, c.CellType)
				switch c.CellType {
				case "code":
					code = append(code, src)
					for _, m := range callPattern.FindAllStringSubmatch(src, -1) {
						if m[2] != id {
							t.Errorf("cell %d calls figures.%s(%q); the notebook is %s's", i+1, m[1], m[2], id)
						}
						calls[m[1]]++
					}
				case "markdown":
					markdown = append(markdown, src)
				}
			}
			if len(code) == 0 || code[0] != setupCell {
				first := ""
				if len(code) > 0 {
					first = code[0]
				}
				t.Errorf("the first code cell must be exactly\n%s\ngot\n%s", setupCell, first)
			}
			// Every figure notebook reads as the experiment (checkExperimentForm) and ends with the
			// saved figure: one figures.Reproduce and one figures.Show.
			checkExperimentForm(t, all, types)
			if calls["Reproduce"] != 1 || calls["Show"] != 1 {
				t.Errorf("want one figures.Reproduce(%q) and one figures.Show(%q) call, got %d and %d", id, id, calls["Reproduce"], calls["Show"])
			}
			if len(nb.Cells) == 0 || nb.Cells[0].CellType != "markdown" || !strings.HasPrefix(markdown[0], "# ") {
				t.Error("the first cell must be a markdown cell with a title (# ...)")
			}
			if last := nb.Cells[len(nb.Cells)-1]; last.CellType != "markdown" || len(markdown) < 2 ||
				len(strings.TrimSpace(markdown[len(markdown)-1])) < 40 {
				t.Error("the last cell must be a markdown cell saying what agrees with the paper and what does not")
			}
		})
	}
	// Every implemented figure has a notebook.
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range figures.Registered() {
		if figures.NotebookFor(dir, id) == "" {
			t.Errorf("figure %s is registered but has no notebook %s-<slug>.ipynb", id, id)
		}
	}
}

// TestNotebooksExecute runs every notebook at the smoke scale on the GoNB kernel, with the
// results going to a temporary directory. SURROGO_SKIP_NOTEBOOKS=1 skips it; otherwise missing
// tools are a failure.
func TestNotebooksExecute(t *testing.T) {
	if os.Getenv("SURROGO_SKIP_NOTEBOOKS") == "1" {
		t.Skip("SURROGO_SKIP_NOTEBOOKS=1")
	}
	// The Go tools that GoNB needs are installed in the checkout's bin/ by `make setup`.
	if root, err := figures.RepoRoot(); err == nil {
		if bin := filepath.Join(root, "bin"); isDir(bin) {
			t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		}
	}
	if err := notebook.Check(); err != nil {
		t.Fatalf("%v (run `make setup`, or set SURROGO_SKIP_NOTEBOOKS=1 to skip the notebook tests)", err)
	}
	figs := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	opt := notebook.Options{
		Env:     []string{scale.EnvVar + "=" + string(scale.Smoke), figures.EnvFiguresDir + "=" + figs},
		Timeout: 5 * time.Minute,
	}
	var failed []string
	var total time.Duration
	times := map[string]time.Duration{}
	for _, path := range notebooks(t) {
		start := time.Now()
		err := notebook.Run(ctx, path, opt)
		d := time.Since(start)
		times[filepath.Base(path)] = d
		total += d
		if err != nil {
			failed = append(failed, filepath.Base(path))
			t.Errorf("%v", err)
		}
	}
	names := make([]string, 0, len(times))
	for n := range times {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "\n  %-48s %6.1f s", n, times[n].Seconds())
	}
	t.Logf("notebooks at scale smoke (total %.1f s):%s", total.Seconds(), b.String())
	if len(failed) > 0 {
		t.Errorf("%d notebook(s) failed: %s", len(failed), strings.Join(failed, ", "))
	}
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// TestReadmeTable checks that the status table of README.md is the one `surrogo notebooks
// table` generates from figures/ and the notebooks of this directory.
func TestReadmeTable(t *testing.T) {
	root, err := figures.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "notebooks")
	data, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, figures.TableBegin), strings.Index(s, figures.TableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q ... %q", figures.TableBegin, figures.TableEnd)
	}
	got := s[i+len(figures.TableBegin) : j]
	want := "\n\n" + figures.StatusTable(filepath.Join(root, "figures"), dir) + "\n"
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for k := 0; k < max(len(gl), len(wl)); k++ {
			var g, w string
			if k < len(gl) {
				g = gl[k]
			}
			if k < len(wl) {
				w = wl[k]
			}
			if g != w {
				t.Fatalf("README.md's figure table is out of date (run `surrogo notebooks table`); first difference at line %d of the table:\n have: %s\n want: %s", k+1, g, w)
			}
		}
	}
}
