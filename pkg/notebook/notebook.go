// Package notebook executes the project's Jupyter notebooks headless on the GoNB Go kernel and
// reports the first failing cell. It is what `surrogo notebooks run`, `make figures` and the
// notebook tests use.
package notebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// KernelName is the Jupyter kernel the notebooks declare: GoNB's.
const KernelName = "gonb"

// Options configure one notebook execution.
// EnvHeadless is set to 1 in the kernel's environment by Run: the notebook is executed without a
// browser, so a notebook with widgets (explore.ipynb) draws once instead of waiting for them.
const EnvHeadless = "SURROGO_HEADLESS"

type Options struct {
	// Env holds extra environment variables ("KEY=value") for the kernel, e.g. SURROGO_SCALE.
	Env []string
	// Timeout bounds the execution of each cell (default 20 minutes).
	Timeout time.Duration
	// InPlace writes the executed notebook, with its outputs, over the original. Otherwise the
	// executed copy goes to a temporary directory and is removed.
	InPlace bool
	// Log receives a line per notebook when non-nil.
	Log func(format string, args ...any)
}

// Check reports what is missing to execute notebooks: jupyter nbconvert, the GoNB kernel
// spec, and the gopls and goimports programs that GoNB needs on PATH.
func Check() error {
	var missing []string
	if _, err := exec.LookPath("jupyter"); err != nil {
		missing = append(missing, "jupyter (Debian: apt-get install jupyter-notebook jupyter-nbconvert jupyter-client python3-ipykernel)")
	} else if out, err := exec.Command("jupyter", "kernelspec", "list", "--json").Output(); err != nil {
		missing = append(missing, "a working `jupyter kernelspec list` ("+err.Error()+")")
	} else {
		var specs struct {
			Kernelspecs map[string]json.RawMessage `json:"kernelspecs"`
		}
		if json.Unmarshal(out, &specs) != nil || specs.Kernelspecs[KernelName] == nil {
			missing = append(missing, "the GoNB kernel spec (run `gonb --install`)")
		}
	}
	if _, err := exec.LookPath("jupyter-nbconvert"); err != nil {
		missing = append(missing, "jupyter-nbconvert (Debian: apt-get install jupyter-nbconvert)")
	}
	for _, tool := range []string{"gopls", "goimports", "gonb"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" on PATH (make tools puts it in ./bin)")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("cannot execute notebooks; missing: %s (`make setup` installs all of it)", strings.Join(missing, "; "))
	}
	return nil
}

// List returns the notebooks (*.ipynb) directly inside dir, sorted by name.
func List(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.ipynb"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	return paths, nil
}

// Run executes the notebook at path with jupyter nbconvert on the GoNB kernel. A cell that
// fails (compile error, panic, non-zero exit) stops the run and is reported in the error, with
// the cell's source and GoNB's message.
func Run(ctx context.Context, path string, opt Options) error {
	err := run(ctx, path, opt)
	if errors.Is(err, errNoImage) && ctx.Err() == nil {
		if opt.Log != nil {
			opt.Log("%-48s retrying: a drawing cell displayed no image", filepath.Base(path))
		}
		err = run(ctx, path, opt)
	}
	return err
}

func run(ctx context.Context, path string, opt Options) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("notebook %s: %w", path, err)
	}
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Minute
	}
	outDir, err := os.MkdirTemp("", "surrogo-nb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(outDir)
	outName := strings.TrimSuffix(filepath.Base(abs), ".ipynb") + ".executed.ipynb"
	args := []string{"nbconvert", "--to", "notebook", "--execute",
		"--ExecutePreprocessor.kernel_name=" + KernelName,
		fmt.Sprintf("--ExecutePreprocessor.timeout=%d", int(timeout.Seconds())),
		"--output-dir", outDir, "--output", outName, abs}
	cmd := exec.CommandContext(ctx, "jupyter", args...)
	cmd.Dir = filepath.Dir(abs)
	cmd.Env = append(append(os.Environ(), EnvHeadless+"=1"), opt.Env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	start := time.Now()
	runErr := cmd.Run()
	if opt.Log != nil {
		status := "ok"
		if runErr != nil {
			status = "FAILED"
		}
		opt.Log("%-48s %s in %s", filepath.Base(abs), status, time.Since(start).Round(100*time.Millisecond))
	}
	if runErr != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("notebook %s: %w", filepath.Base(abs), ctx.Err())
		}
		return fmt.Errorf("notebook %s failed: %s", filepath.Base(abs), cellError(stderr.String(), runErr))
	}
	executed, err := os.ReadFile(filepath.Join(outDir, outName))
	if err != nil {
		return fmt.Errorf("notebook %s: reading the executed copy: %w", filepath.Base(abs), err)
	}
	// GoNB reports compile errors to Jupyter, but a program that panics or exits with a
	// non-zero status only prints to stderr: find those in the saved outputs.
	if err := failedCell(executed); err != nil {
		return fmt.Errorf("notebook %s failed: %w", filepath.Base(abs), err)
	}
	if !opt.InPlace {
		return nil
	}
	tmp := abs + ".tmp"
	if err := os.WriteFile(tmp, executed, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, abs)
}

// DisplaysImage marks a cell that must display at least one PNG image: the drawing cell of a
// figure notebook (figures.Show).
const DisplaysImage = "figures.Show("

// errNoImage reports a drawing cell that ended without an image among its outputs. GoNB has
// been seen to lose a cell's last display message now and then, so Run retries once.
var errNoImage = errors.New("the cell displayed no image")

// exitStatus matches the line GoNB prints when a cell's program ends with a non-zero status.
var exitStatus = regexp.MustCompile(`(?m)^exit status [1-9][0-9]*$`)

// failedCell returns an error describing the first cell of an executed notebook whose outputs
// show an error or a program that ended with a non-zero exit status.
func failedCell(executed []byte) error {
	var nb struct {
		Cells []struct {
			CellType string          `json:"cell_type"`
			Source   json.RawMessage `json:"source"`
			Outputs  []struct {
				OutputType string          `json:"output_type"`
				Name       string          `json:"name"`
				Text       json.RawMessage `json:"text"`
				EName      string          `json:"ename"`
				EValue     string          `json:"evalue"`
				Data       map[string]any  `json:"data"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(executed, &nb); err != nil {
		return fmt.Errorf("executed notebook is not valid JSON: %w", err)
	}
	for i, c := range nb.Cells {
		var stderr strings.Builder
		for _, o := range c.Outputs {
			switch {
			case o.OutputType == "error":
				return fmt.Errorf("cell %d:\n%s\n%s: %s", i+1, multiline(c.Source), o.EName, o.EValue)
			case o.OutputType == "stream" && o.Name == "stderr":
				stderr.WriteString(multiline(o.Text))
			}
		}
		if exitStatus.MatchString(stderr.String()) {
			return fmt.Errorf("cell %d:\n%s\n%s", i+1, multiline(c.Source), strings.TrimSpace(stderr.String()))
		}
		if src := multiline(c.Source); c.CellType == "code" && strings.Contains(src, DisplaysImage) {
			images := 0
			for _, o := range c.Outputs {
				if _, ok := o.Data["image/png"]; ok {
					images++
				}
			}
			if images == 0 {
				return fmt.Errorf("cell %d:\n%s\n%w", i+1, src, errNoImage)
			}
		}
	}
	return nil
}

// multiline decodes a notebook text field, which is a string or a list of strings.
func multiline(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []string
	if json.Unmarshal(raw, &parts) == nil {
		return strings.Join(parts, "")
	}
	return string(raw)
}

// cellError extracts nbclient's description of the failing cell from the output of
// nbconvert, dropping the kernel's log lines and Python's traceback of nbconvert itself.
func cellError(out string, runErr error) string {
	const marker = "CellExecutionError: "
	i := strings.LastIndex(out, marker)
	if i < 0 {
		lines := keepLines(out)
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		return fmt.Sprintf("%v\n%s", runErr, strings.Join(lines, "\n"))
	}
	return strings.TrimSpace(strings.Join(keepLines(out[i+len(marker):]), "\n"))
}

// keepLines drops the glog lines (I1125 ..., W1125 ...) that GoNB writes to stderr.
func keepLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if len(l) > 5 && strings.ContainsAny(l[:1], "IWE") && l[1] >= '0' && l[1] <= '9' && strings.Contains(l[:min(len(l), 30)], ":") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// ErrNoNotebooks is returned by RunAll when the directory holds no notebook.
var ErrNoNotebooks = errors.New("no notebooks found")

// RunAll executes every notebook of dir whose file name contains one of the filters (all of
// them when filters is empty), in name order, and returns the errors of all that failed.
func RunAll(ctx context.Context, dir string, filters []string, opt Options) error {
	paths, err := List(dir)
	if err != nil {
		return err
	}
	var errs []error
	n := 0
	for _, p := range paths {
		if !matches(filepath.Base(p), filters) {
			continue
		}
		n++
		if err := Run(ctx, p, opt); err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	if n == 0 {
		return fmt.Errorf("%w in %s matching %q", ErrNoNotebooks, dir, filters)
	}
	return errors.Join(errs...)
}

func matches(name string, filters []string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if strings.Contains(name, f) {
			return true
		}
	}
	return false
}
