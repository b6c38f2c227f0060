package notebook

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requireJupyter fails the test when notebooks cannot run: `make test` installs everything, and
// a developer without Jupyter opts out explicitly with SURROGO_SKIP_NOTEBOOKS=1.
func requireJupyter(t *testing.T) {
	t.Helper()
	if os.Getenv("SURROGO_SKIP_NOTEBOOKS") == "1" {
		t.Skip("SURROGO_SKIP_NOTEBOOKS=1")
	}
	if err := Check(); err != nil {
		t.Fatalf("%v (or set SURROGO_SKIP_NOTEBOOKS=1 to skip notebook tests)", err)
	}
}

// writeNotebook writes a GoNB notebook with the given code cells.
func writeNotebook(t *testing.T, dir, name string, cells ...string) string {
	t.Helper()
	type cell struct {
		CellType string         `json:"cell_type"`
		Metadata map[string]any `json:"metadata"`
		Source   string         `json:"source"`
		Outputs  []any          `json:"outputs"`
		ExecCnt  *int           `json:"execution_count"`
	}
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{"kernelspec": map[string]string{"name": "gonb", "display_name": "Go (gonb)", "language": "go"}},
	}
	var cs []cell
	for _, src := range cells {
		cs = append(cs, cell{CellType: "code", Metadata: map[string]any{}, Source: src, Outputs: []any{}})
	}
	nb["cells"] = cs
	data, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunReportsFailingCells(t *testing.T) {
	requireJupyter(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const setup = "%noautoget"
	ok := writeNotebook(t, dir, "ok.ipynb", setup, "%%\nfmt.Println(\"value\", 6*7)")
	if err := Run(ctx, ok, Options{InPlace: true}); err != nil {
		t.Fatalf("passing notebook: %v", err)
	}
	data, _ := os.ReadFile(ok)
	if !strings.Contains(string(data), "value 42") {
		t.Errorf("in-place execution did not save the cell output; notebook:\n%s", data)
	}

	for name, tc := range map[string]struct{ src, want string }{
		"compile.ipynb": {"%%\nfmt.Println(undefinedName)", "undefinedName"},
		"panic.ipynb":   {"%%\nvar m map[string]int\nm[\"boom\"] = 1", "assignment to entry in nil map"},
		"exit.ipynb":    {"%%\nos.Exit(3)", "os.Exit(3)"},
		"env.ipynb":     {"%%\nif os.Getenv(\"SURROGO_TEST_VALUE\") != \"ok\" { panic(\"env not passed\") }", ""},
		"noimage.ipynb": {"%%\n// A drawing cell (figures.Show(...)) that shows no image.\nfmt.Println(\"text only\")", "displayed no image"},
	} {
		path := writeNotebook(t, dir, name, setup, "%%\nfmt.Println(\"first cell runs\")", tc.src)
		err := Run(ctx, path, Options{Env: []string{"SURROGO_TEST_VALUE=ok"}})
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: Run succeeded, want a failure", name)
			continue
		}
		if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error does not name the notebook and show %q:\n%v", name, tc.want, err)
		}
	}
}

func TestRunAllFilters(t *testing.T) {
	dir := t.TempDir()
	if err := RunAll(context.Background(), dir, nil, Options{}); err == nil {
		t.Error("RunAll on an empty directory: want ErrNoNotebooks")
	}
	for _, tc := range []struct {
		name    string
		filters []string
		want    bool
	}{
		{"2023-fig03-regions.ipynb", nil, true},
		{"2023-fig03-regions.ipynb", []string{"2023-fig03"}, true},
		{"2023-fig03-regions.ipynb", []string{"2021", "fig03"}, true},
		{"2023-fig03-regions.ipynb", []string{"2021"}, false},
	} {
		if got := matches(tc.name, tc.filters); got != tc.want {
			t.Errorf("matches(%q, %q) = %v", tc.name, tc.filters, got)
		}
	}
}

func TestCellErrorDropsKernelLogs(t *testing.T) {
	out := "I1125 13:25:34.265963   12312 kernel.go:1] noise\n" +
		"Traceback (most recent call last):\n  File x\n" +
		"nbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:\n" +
		"------------------\n%%\nfmt.Println(x)\n------------------\n" +
		"W1125 13:25:34.265963   12312 kernel.go:2] more noise\n" +
		"undefined: x\n"
	got := cellError(out, nil)
	if strings.Contains(got, "noise") || strings.Contains(got, "Traceback") || !strings.Contains(got, "undefined: x") ||
		!strings.Contains(got, "fmt.Println(x)") {
		t.Errorf("cellError =\n%s", got)
	}
}
