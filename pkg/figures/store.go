package figures

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/scale"
)

// ResultsFile is the name of the saved results in a figure's directory.
const ResultsFile = "results.json"

// Stored is the content of a results.json: the provenance keys, then the results.
type Stored struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Scale   scale.Scale `json:"scale"`
	Command string      `json:"command"` // the command that recomputes these results
	Via     string      `json:"via"`     // how this copy was computed: "cli" or a notebook
	Commit  string      `json:"commit"`  // git commit of the code, "+dirty" when modified
	Backend string      `json:"backend"` // computation backend(s), "none" when no model ran
	Device  string      `json:"device"`
	Date    string      `json:"date"`    // RFC 3339, UTC
	Elapsed float64     `json:"elapsed"` // seconds of computation
	Go      string      `json:"go"`
	// Seed and Version are the seed of the computation and the version of the figure's code
	// (Def.Version); Key fingerprints them with the identifier and the scale (see Key). Results
	// saved before these keys existed have none: they were computed with seed 1 and version 0.
	Seed    uint64 `json:"seed,omitempty"`
	Version int    `json:"version,omitempty"`
	Key     string `json:"key,omitempty"`
	// Steps says, for each expensive step of the computation (a data set, a training run), what
	// was reused from a cache and what was computed.
	Steps   []Step          `json:"steps,omitempty"`
	Results json.RawMessage `json:"results"`
}

// Step is an expensive step of a figure's computation, reused from a cache or computed.
type Step struct {
	What   string `json:"what"`
	Reused bool   `json:"reused"`
}

// CodeVersion is the version of the framework's results format and of the code every figure
// shares; it is part of every Key.
const CodeVersion = 1

// Key returns the fingerprint of the configuration of a figure's results: the identifier, the
// scale, the seed, the figure's code version (Def.Version) and CodeVersion. Saved results are
// reused only when their key is the one asked for.
func Key(id string, s scale.Scale, seed uint64, version int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("figure %s\nscale %s\nseed %d\nversion %d\nframework %d\n", id, s, seed, version, CodeVersion)))
	return hex.EncodeToString(sum[:8])
}

// key returns the Key of saved results, reading the absent keys of older files as seed 1,
// version 0.
func (st *Stored) key() string {
	seed := st.Seed
	if seed == 0 {
		seed = 1
	}
	return Key(st.ID, st.Scale, seed, st.Version)
}

// Dir returns the directory of figure id at scale s under root: root/<id>/<scale>.
func Dir(root, id string, s scale.Scale) string { return filepath.Join(root, id, string(s)) }

// EnvFiguresDir overrides the figures directory (tests point it at a temporary directory).
const EnvFiguresDir = "SURROGO_FIGURES_DIR"

// FiguresDir returns the directory where results and rendered figures live: $SURROGO_FIGURES_DIR
// when set, else the figures/ directory of the surrogo checkout that contains the working
// directory (or $GONB_DIR, the notebook's directory, inside a notebook).
func FiguresDir() (string, error) {
	if d := os.Getenv(EnvFiguresDir); d != "" {
		return filepath.Abs(d)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("figures directory: %w (or set $%s)", err, EnvFiguresDir)
	}
	return filepath.Join(root, "figures"), nil
}

// RepoRoot returns the root of the surrogo checkout containing $GONB_DIR or the working
// directory: the first ancestor whose go.mod declares module github.com/surrogo/surrogo.
func RepoRoot() (string, error) {
	starts := []string{}
	if d := os.Getenv("GONB_DIR"); d != "" {
		starts = append(starts, d)
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		for d := dir; ; d = filepath.Dir(d) {
			if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
				bytes.Contains(data, []byte("module github.com/surrogo/surrogo\n")) {
				return d, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", errors.New("not inside a surrogo checkout")
}

// Load reads the saved results of figure id at scale s under root.
func Load(root, id string, s scale.Scale) (*Stored, error) {
	path := filepath.Join(Dir(root, id, s), ResultsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st Stored
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: corrupt results file: %w", path, err)
	}
	if st.ID != id || st.Scale != s {
		return nil, fmt.Errorf("%s: holds results of %s at scale %q, not %s at %q", path, st.ID, st.Scale, id, s)
	}
	if len(st.Results) == 0 || string(st.Results) == "null" {
		return nil, fmt.Errorf("%s: no results in the file", path)
	}
	return &st, nil
}

// Ensure returns the results of figure id at the scale and seed of opt: the saved ones when
// their configuration key (Key: identifier, scale, seed and code version) is the one asked for
// and opt.Force is not set, otherwise computed now, saved, and rendered. It logs one line saying
// what it reused and what it recomputed (and appends it to the file $SURROGO_REPORT when set).
func Ensure(id string, opt Options) (*Stored, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	f, err := lookup(id)
	if err != nil {
		return nil, err
	}
	key := Key(id, opt.Scale, opt.Seed, f.version())
	reason := "forced (--force)"
	if !opt.Force {
		st, err := Load(opt.Root, id, opt.Scale)
		switch {
		case err == nil && st.key() == key && f.stale(opt.Scale, opt.Root, st.Results) != "":
			reason = f.stale(opt.Scale, opt.Root, st.Results)
		case err == nil && st.key() == key:
			report(opt, id, fmt.Sprintf("reused the saved results (scale %s, seed %d, version %d, key %s, computed %s)",
				opt.Scale, opt.Seed, f.version(), key, st.Date))
			return st, nil
		case err == nil:
			reason = staleReason(st, opt.Seed, f.version())
		case errors.Is(err, fs.ErrNotExist):
			reason = "no saved results"
		default:
			return nil, err
		}
	}
	run := newRun(id, opt)
	if err := os.MkdirAll(run.Dir, 0o755); err != nil {
		return nil, err
	}
	fmt.Fprintf(opt.Log, "figure %s: computing at scale %s, seed %d into %s (%s)\n", id, opt.Scale.Describe(), opt.Seed, run.Dir, reason)
	start := time.Now()
	res, err := f.compute(run)
	if err != nil {
		return nil, fmt.Errorf("figure %s at scale %s: %w", id, opt.Scale, err)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("figure %s: encoding results: %w", id, err)
	}
	entry, _ := CatalogEntry(id)
	command := fmt.Sprintf("surrogo figure %s --scale %s", id, opt.Scale)
	if opt.Seed != 1 {
		command += fmt.Sprintf(" --seed %d", opt.Seed)
	}
	st := &Stored{
		ID: id, Title: entry.Title, Scale: opt.Scale,
		Command: command,
		Via:     opt.Via, Commit: gitCommit(), Backend: run.backendOrNone(), Device: run.deviceOrCPU(),
		Date: start.UTC().Format(time.RFC3339), Elapsed: time.Since(start).Seconds(),
		Go: runtime.Version(), Seed: opt.Seed, Version: f.version(), Key: key, Steps: run.steps, Results: raw,
	}
	data, err := encodeStored(st)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(run.Dir, ResultsFile), data, 0o644); err != nil {
		return nil, err
	}
	if err := f.render(run, st.Results); err != nil {
		return nil, fmt.Errorf("figure %s: rendering: %w", id, err)
	}
	report(opt, id, "recomputed ("+reason+") in "+fmt.Sprintf("%.1f s", st.Elapsed)+stepsText(st.Steps))
	return st, nil
}

// staleReason says why saved results do not fit the configuration asked for.
func staleReason(st *Stored, seed uint64, version int) string {
	old := st.Seed
	if old == 0 {
		old = 1
	}
	var why []string
	if old != seed {
		why = append(why, fmt.Sprintf("the saved results are for seed %d, not %d", old, seed))
	}
	if st.Version != version {
		why = append(why, fmt.Sprintf("the saved results are of code version %d, not %d", st.Version, version))
	}
	if len(why) == 0 {
		why = append(why, "the saved results have another configuration key")
	}
	return strings.Join(why, "; ")
}

// stepsText lists the steps reused and computed, e.g. "; reused: data set X; computed: training run Y".
func stepsText(steps []Step) string {
	var reused, computed []string
	for _, s := range steps {
		if s.Reused {
			reused = append(reused, s.What)
		} else {
			computed = append(computed, s.What)
		}
	}
	var b strings.Builder
	if len(reused) > 0 {
		b.WriteString("; reused: " + strings.Join(reused, ", "))
	}
	if len(computed) > 0 {
		b.WriteString("; computed: " + strings.Join(computed, ", "))
	}
	return b.String()
}

// EnvReport names a file to which Ensure appends one line per figure: what it reused and what
// it recomputed (`surrogo notebooks run`, hence `make figures`, sets it and prints the lines).
const EnvReport = "SURROGO_REPORT"

func report(opt Options, id, line string) {
	line = fmt.Sprintf("figure %s: %s", id, line)
	fmt.Fprintln(opt.Log, line)
	if path := os.Getenv(EnvReport); path != "" {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(f, line)
			f.Close()
		}
	}
}

// encodeStored writes the provenance keys one per line and the results compactly on the last
// line, so that arrays of numbers do not take a line per element.
func encodeStored(st *Stored) ([]byte, error) {
	head := *st
	head.Results = nil
	data, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return nil, err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, st.Results); err != nil {
		return nil, fmt.Errorf("figure %s: results are not valid JSON: %w", st.ID, err)
	}
	// data ends with `"results": null\n}`: replace the null by the compact results.
	const tail = "\"results\": null\n}"
	if !bytes.HasSuffix(data, []byte(tail)) {
		return nil, fmt.Errorf("figure %s: unexpected encoding of the results header", st.ID)
	}
	out := append(data[:len(data)-len("null\n}")], compact.Bytes()...)
	return append(out, "\n}\n"...), nil
}

// Render draws the files of figure id from its saved results at the scale of opt and returns
// their paths (PNG and SVG files, and any other outputs such as tables).
func Render(id string, opt Options) ([]string, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	f, err := lookup(id)
	if err != nil {
		return nil, err
	}
	st, err := Load(opt.Root, id, opt.Scale)
	if err != nil {
		return nil, fmt.Errorf("figure %s: no saved results at scale %s (run `surrogo figure %s --scale %s` first): %w", id, opt.Scale, id, opt.Scale, err)
	}
	run := newRun(id, opt)
	if err := f.render(run, st.Results); err != nil {
		return nil, fmt.Errorf("figure %s: rendering: %w", id, err)
	}
	return Outputs(run.Dir)
}

// Summary returns the Markdown summary of saved results, or "" when the figure has none.
func Summary(st *Stored) (string, error) {
	f, err := lookup(st.ID)
	if err != nil {
		return "", err
	}
	return f.summary(st.Results)
}

// Outputs lists the rendered files of a figure directory (everything but results.json), sorted.
func Outputs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || e.Name() == ResultsFile || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	sort.Strings(out)
	return out, nil
}

// gitCommit returns the commit of the checkout, with "+dirty" when it has uncommitted changes,
// or "unknown" outside a git checkout.
func gitCommit() string {
	root, err := RepoRoot()
	if err != nil {
		return "unknown"
	}
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		commit += "+dirty"
	}
	return commit
}

// cpuDescription names the processor and the number of cores available.
func cpuDescription() string {
	model := runtime.GOARCH
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("CPU: %s, %d cores", model, runtime.NumCPU())
}
