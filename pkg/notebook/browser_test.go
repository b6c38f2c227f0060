package notebook

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// browserNotebook is the notebook the browser test runs: a small figure notebook (a set-up cell,
// a results cell, a drawing cell) that takes seconds at the smoke scale.
const browserNotebook = "2023-fig03-regions.ipynb"

// requireChromium returns the path of Debian's chromium, installing the package with apt-get
// when it is missing (as `make setup` installs Jupyter). It skips the test, saying why, only when
// apt-get cannot install it.
func requireChromium(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	var log strings.Builder
	install := func() error {
		cmd := exec.Command("apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		log.Write(out)
		return err
	}
	t.Log("installing Debian's chromium package for the browser test (apt-get install chromium)...")
	if install() != nil {
		update := exec.Command("apt-get", "update", "-q")
		out, _ := update.CombinedOutput()
		log.Write(out)
		_ = install()
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	t.Skipf("SKIPPED: the browser test needs Debian's chromium package, and `apt-get install chromium` could not install it:\n%s",
		strings.Join(lines, "\n"))
	return ""
}

// repoRoot returns the root of the repository (two levels above this package).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// checkKernelSpec fails unless the installed GoNB kernel spec is the one of
// scripts/install-kernel.sh, which finds the Go tools whatever the PATH.
func checkKernelSpec(t *testing.T, root string) {
	t.Helper()
	out, err := exec.Command("jupyter", "kernelspec", "list", "--json").Output()
	if err != nil {
		t.Fatalf("jupyter kernelspec list: %v", err)
	}
	var specs struct {
		Kernelspecs map[string]struct {
			Spec struct {
				Argv []string `json:"argv"`
			} `json:"spec"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &specs); err != nil {
		t.Fatal(err)
	}
	argv := specs.Kernelspecs[KernelName].Spec.Argv
	want := filepath.Join(root, "scripts", "gonb-kernel")
	if len(argv) < 2 || argv[1] != want {
		t.Fatalf("the GoNB kernel spec starts %q, not %s: run `make kernel` (scripts/install-kernel.sh)", argv, want)
	}
}

// jupyterServer starts scripts/notebook.sh (what `make notebook` runs) serving dir, with env
// added to a minimal environment whose PATH lacks the repository's bin/ and Go, and returns its
// URL (with the token).
func jupyterServer(t *testing.T, ctx context.Context, root, dir string, env ...string) string {
	t.Helper()
	tmp := t.TempDir()
	urlFile := filepath.Join(tmp, "url")
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "notebook.sh"))
	cmd.Env = append([]string{"HOME=" + os.Getenv("HOME"), "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
		"PORT=18888", "URL_FILE=" + urlFile, "NOTEBOOK_DIR=" + dir,
		"GOCACHE=" + goEnv(t, "GOCACHE"), "GOMODCACHE=" + goEnv(t, "GOMODCACHE"), "GOFLAGS=-buildvcs=false"}, env...)
	logFile, err := os.Create(filepath.Join(tmp, "jupyter.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		time.Sleep(200 * time.Millisecond)
		_ = cmd.Process.Signal(os.Interrupt) // the notebook server asks for confirmation of the first
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("jupyter log:\n%s", tail(string(b), 60))
		}
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(urlFile); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	b, _ := os.ReadFile(logFile.Name())
	t.Fatalf("the Jupyter server did not answer in 30 s:\n%s", tail(string(b), 40))
	return ""
}

func goEnv(t *testing.T, name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// The JavaScript the test runs in the classic notebook page.
const (
	// jsKernelState is "ready", "dead" or "starting".
	jsKernelState = `(() => {
		if (typeof Jupyter === 'undefined' || !Jupyter.notebook || !Jupyter.notebook._fully_loaded) return 'starting';
		if (!window.__surrogoHooked) {
			window.__surrogoHooked = true;
			Jupyter.notebook.set_autosave_interval(0); // never write the test's outputs into the notebook file
			Jupyter.notebook.events.on('kernel_dead.Kernel kernel_dead.Session kernel_killed.Session kernel_created_error.Session',
				() => { window.__surrogoDead = true; });
		}
		if (window.__surrogoDead) return 'dead';
		const k = Jupyter.notebook.kernel;
		return k && k.is_connected() && k.info_reply && k.info_reply.status === 'ok' ? 'ready' : 'starting';
	})()`
	// jsRunAll clears every output (the notebook file may hold saved ones) and runs all cells.
	jsRunAll = `(() => { Jupyter.notebook.clear_all_output(); Jupyter.notebook.execute_all_cells(); return true; })()`
	// jsCells describes the code cells: running, execution count, outputs, loaded images.
	jsCells = `Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code').map(c => ({
		source: c.get_text(),
		prompt: String(c.input_prompt_number === undefined || c.input_prompt_number === null ? '' : c.input_prompt_number),
		outputs: c.output_area.outputs.map(o => ({
			type: o.output_type, name: o.name || '', text: String(o.text || ''), ename: o.ename || '', evalue: o.evalue || '',
			mime: Object.keys(o.data || {}), html: String((o.data || {})['text/html'] || '').slice(0, 2000)})),
		images: Array.from(c.output_area.element[0].querySelectorAll('img')).map(i => i.complete && i.naturalWidth > 0),
	}))`
)

// pageCell is a code cell as jsCells describes it.
type pageCell struct {
	Source  string `json:"source"`
	Prompt  string `json:"prompt"`
	Outputs []struct {
		Type   string   `json:"type"`
		Name   string   `json:"name"`
		Text   string   `json:"text"`
		EName  string   `json:"ename"`
		EValue string   `json:"evalue"`
		Mime   []string `json:"mime"`
		HTML   string   `json:"html"`
	} `json:"outputs"`
	Images []bool `json:"images"`
}

// waitKernel waits until the page's kernel is ready; an error when it dies or does not start.
func waitKernel(b *browser, timeout time.Duration) error {
	state := ""
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if err := b.eval(jsKernelState, &state); err != nil {
			return err
		}
		switch state {
		case "ready":
			return nil
		case "dead":
			return fmt.Errorf("the kernel died while starting (see the jupyter log)")
		}
	}
	return fmt.Errorf("the kernel did not start in %s (state %q)", timeout, state)
}

// runCells runs the JavaScript start (jsRunAll, or the execution of one cell) and waits until none is queued or running; it
// returns the cells.
func runCells(b *browser, start string, timeout time.Duration) ([]pageCell, error) {
	if err := b.eval(start, nil); err != nil {
		return nil, err
	}
	var cells []pageCell
	idle := 0
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		var dead bool
		if err := b.eval(`!!window.__surrogoDead`, &dead); err != nil {
			return nil, err
		}
		if dead {
			return cells, fmt.Errorf("the kernel died while running the cells")
		}
		if err := b.eval(jsCells, &cells); err != nil {
			return nil, err
		}
		running := false
		for _, c := range cells {
			running = running || c.Prompt == "*"
		}
		if idle = map[bool]int{true: 0, false: idle + 1}[running]; idle >= 3 {
			return cells, nil
		}
	}
	return cells, fmt.Errorf("the cells did not finish in %s", timeout)
}

// checkCells returns the first failure among the executed cells: a cell that did not run, an
// error output, a program that ended with a non-zero status or panicked, a drawing cell without a
// loaded image; and an error if no image at all appeared.
func checkCells(cells []pageCell) error {
	images := 0
	for i, c := range cells {
		src := strings.TrimSpace(c.Source)
		if src == "" {
			continue
		}
		if c.Prompt == "" || c.Prompt == "*" {
			return fmt.Errorf("code cell %d did not run (prompt %q):\n%s", i+1, c.Prompt, src)
		}
		var stderr strings.Builder
		for _, o := range c.Outputs {
			switch {
			case o.Type == "error":
				return fmt.Errorf("code cell %d failed:\n%s\n%s: %s", i+1, src, o.EName, o.EValue)
			case o.Type == "stream" && o.Name == "stderr":
				stderr.WriteString(o.Text)
			case strings.Contains(o.HTML, "gonb-err"):
				return fmt.Errorf("code cell %d failed (GoNB error):\n%s\n%s", i+1, src, o.HTML)
			}
		}
		if exitStatus.MatchString(stderr.String()) || strings.Contains(stderr.String(), "panic: ") {
			return fmt.Errorf("code cell %d failed:\n%s\n%s", i+1, src, strings.TrimSpace(stderr.String()))
		}
		for j, ok := range c.Images {
			if !ok {
				return fmt.Errorf("code cell %d: image %d did not load", i+1, j+1)
			}
		}
		images += len(c.Images)
		if strings.Contains(src, DisplaysImage) && len(c.Images) == 0 {
			return fmt.Errorf("code cell %d displayed no image:\n%s", i+1, src)
		}
	}
	if images == 0 {
		return fmt.Errorf("no image appeared in the page")
	}
	return nil
}

// TestBrowserRunsNotebook starts the Jupyter server of `make notebook` with a PATH that lacks the
// Go tools, opens a figure notebook in headless Chromium, runs all its cells at the smoke scale
// and checks that they ran without error and that the figure appeared; it saves a screenshot.
// Then, in the same page, it checks that a failing cell, a drawing cell without an image and a
// kernel that does not start are caught.
func TestBrowserRunsNotebook(t *testing.T) {
	if os.Getenv("SURROGO_SKIP_NOTEBOOKS") == "1" {
		t.Skip("SURROGO_SKIP_NOTEBOOKS=1")
	}
	if _, err := exec.LookPath("jupyter-notebook"); err != nil {
		t.Fatalf("no jupyter-notebook: run `make setup` (or set SURROGO_SKIP_NOTEBOOKS=1 to skip notebook tests)")
	}
	chromium := requireChromium(t)
	root := repoRoot(t)
	checkKernelSpec(t, root)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// A kernel spec that cannot start, for the last check.
	jpath := t.TempDir()
	broken := filepath.Join(jpath, "kernels", "gonb-broken")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "kernel.json"),
		[]byte(`{"argv": ["/bin/false", "{connection_file}"], "display_name": "broken", "language": "go"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	figs := t.TempDir()
	url := jupyterServer(t, ctx, root, filepath.Join(root, "notebooks"),
		"SURROGO_SCALE=smoke", "SURROGO_FIGURES_DIR="+figs, "JUPYTER_PATH="+jpath)
	base, token, _ := strings.Cut(url, "/?token=")

	b, err := startBrowser(ctx, chromium, t.TempDir(), 1280, 1600)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	start := time.Now()
	if err := b.navigate(base + "/notebooks/" + browserNotebook + "?token=" + token); err != nil {
		t.Fatal(err)
	}
	artifacts := filepath.Join(os.TempDir(), "surrogo-browser-test")
	shot := func(name string) {
		png, err := b.screenshot()
		if err != nil {
			t.Errorf("screenshot: %v", err)
			return
		}
		path := filepath.Join(artifacts, name)
		if err := os.MkdirAll(artifacts, 0o755); err == nil {
			if err := os.WriteFile(path, png, 0o644); err == nil {
				t.Logf("screenshot: %s", path)
				fmt.Fprintf(os.Stderr, "browser test screenshot: %s\n", path)
			}
		}
	}
	if err := waitKernel(b, 40*time.Second); err != nil {
		shot("kernel-failed.png")
		t.Fatalf("%s: %v", browserNotebook, err)
	}
	t.Logf("page loaded and kernel ready in %.1f s", time.Since(start).Seconds())
	cells, err := runCells(b, jsRunAll, 90*time.Second)
	if err == nil {
		err = checkCells(cells)
	}
	_ = b.eval(`(() => { const i = document.querySelector('.output_area img'); if (i) i.scrollIntoView(); return true; })()`, nil)
	shot(strings.TrimSuffix(browserNotebook, ".ipynb") + ".png")
	if err != nil {
		t.Fatalf("%s in the browser: %v", browserNotebook, err)
	}
	t.Logf("%s: %d code cells ran in the browser, images shown, in %.1f s", browserNotebook, len(cells), time.Since(start).Seconds())

	// The checks catch failures: a panicking cell, and a drawing cell that shows no image.
	for _, bad := range []struct{ src, want string }{
		{`%%\npanic("browser test: a failing cell")`, "a failing cell"},
		{`%%\n// a drawing cell, as figures.Show("..."), that shows nothing\nfmt.Println("no image")`, "displayed no image"},
	} {
		js := fmt.Sprintf(`(() => { const c = Jupyter.notebook.insert_cell_at_bottom('code'); c.set_text(%q); c.execute(); return true; })()`,
			strings.ReplaceAll(bad.src, `\n`, "\n"))
		cells, err := runCells(b, js, 60*time.Second)
		if err == nil {
			err = checkCells(cells)
		}
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("cell %q: the check says %v, want an error with %q", bad.src, err, bad.want)
		}
		if err := b.eval(`(() => { const n = Jupyter.notebook.ncells(); Jupyter.notebook.delete_cells([n-1]); return true; })()`, nil); err != nil {
			t.Fatal(err)
		}
	}
	// A kernel that does not start is caught.
	if err := b.eval(`(() => { window.__surrogoDead = false; Jupyter.notebook.kernel_selector.set_kernel('gonb-broken'); return true; })()`, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := waitKernel(b, 30*time.Second); err == nil {
		t.Errorf("a kernel that exits at once was reported ready")
	} else {
		t.Logf("broken kernel: %v", err)
	}
}

// TestBrowserExplore opens notebooks/explore.ipynb in headless Chromium, runs it at the smoke
// scale (training a small model into .cache/explore/smoke when no run is found), waits for the
// first view, moves the number-of-sources slider from the page, and checks that the view is
// redrawn for the new value, with its image, within a few seconds.
func TestBrowserExplore(t *testing.T) {
	if os.Getenv("SURROGO_SKIP_NOTEBOOKS") == "1" {
		t.Skip("SURROGO_SKIP_NOTEBOOKS=1")
	}
	if _, err := exec.LookPath("jupyter-notebook"); err != nil {
		t.Fatalf("no jupyter-notebook: run `make setup` (or set SURROGO_SKIP_NOTEBOOKS=1 to skip notebook tests)")
	}
	chromium := requireChromium(t)
	root := repoRoot(t)
	checkKernelSpec(t, root)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	url := jupyterServer(t, ctx, root, filepath.Join(root, "notebooks"), "SURROGO_SCALE=smoke", "SURROGO_FIGURES_DIR="+t.TempDir())
	base, token, _ := strings.Cut(url, "/?token=")
	b, err := startBrowser(ctx, chromium, t.TempDir(), 1280, 1600)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	if err := b.navigate(base + "/notebooks/explore.ipynb?token=" + token); err != nil {
		t.Fatal(err)
	}
	if err := waitKernel(b, 40*time.Second); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.eval(`(() => { Jupyter.notebook.kernel.interrupt(); return true; })()`, nil) }()
	if err := b.eval(jsRunAll, nil); err != nil {
		t.Fatal(err)
	}
	// view returns the status line of the view and whether its image has loaded.
	type view struct {
		Status string `json:"status"`
		Image  bool   `json:"image"`
		Errors string `json:"errors"`
	}
	const jsView = `(() => {
		const s = document.querySelector('.surrogo-explore-status');
		const img = document.querySelector('.surrogo-explore img');
		const errs = Jupyter.notebook.get_cells().flatMap(c => (c.output_area ? c.output_area.outputs : [])
			.filter(o => o.output_type === 'error' || (o.name === 'stderr' && /panic: |exit status [1-9]/.test(o.text || '')))
			.map(o => (o.ename || '') + ' ' + (o.evalue || '') + (o.text || '')));
		return {status: s ? s.textContent : '', image: !!(img && img.complete && img.naturalWidth > 0), errors: errs.join('\n')};
	})()`
	wait := func(want string, timeout time.Duration) (view, error) {
		var v view
		for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if err := b.eval(jsView, &v); err != nil {
				return v, err
			}
			if v.Errors != "" {
				return v, fmt.Errorf("the notebook failed: %s", v.Errors)
			}
			if strings.Contains(v.Status, want) && v.Image {
				return v, nil
			}
		}
		return v, fmt.Errorf("no view with %q and an image in %s (status %q)", want, timeout, v.Status)
	}
	artifacts := filepath.Join(os.TempDir(), "surrogo-browser-test")
	shot := func(name string) {
		_ = b.eval(`(() => { const i = document.querySelector('.surrogo-explore'); if (i) i.scrollIntoView(); return true; })()`, nil)
		if png, err := b.screenshot(); err == nil && os.MkdirAll(artifacts, 0o755) == nil {
			path := filepath.Join(artifacts, name)
			if os.WriteFile(path, png, 0o644) == nil {
				t.Logf("screenshot: %s", path)
			}
		}
	}
	start := time.Now()
	v, err := wait("sources=10 ", 150*time.Second)
	if err != nil {
		shot("explore-failed.png")
		t.Fatal(err)
	}
	t.Logf("first view after %.1f s: %s", time.Since(start).Seconds(), v.Status)
	// The scripted widget change: the first slider (number of sources) to 3.
	// The round trip through the kernel and the browser can take long on a loaded machine (go test
	// runs packages in parallel, the notebooks package executing notebooks at the same time), and
	// there a change sent while the kernel is busy was once not answered in a minute (CI,
	// 2026-12-06; the same test answered in 0.24 s on the idle machine): the change is sent again
	// every 20 s, as a user would move the slider again, for at most 80 s, and the number of
	// tries is logged. The notebook's own time for the work is what must stay short.
	start = time.Now()
	tries := 0
	for tries < 4 {
		tries++
		if err := b.eval(`(() => { const s = document.querySelector('input[type=range]'); s.value = 3;
		s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); return true; })()`, nil); err != nil {
			t.Fatal(err)
		}
		if v, err = wait("sources=3 ", 20*time.Second); err == nil {
			break
		}
	}
	shot("explore.png")
	if err != nil {
		t.Fatalf("after moving the slider %d times: %v", tries, err)
	}
	t.Logf("redrawn after %.2f s (%d slider change(s) sent): %s", time.Since(start).Seconds(), tries, v.Status)
	m := regexp.MustCompile(`\((\d+) ms\)`).FindStringSubmatch(v.Status)
	if m == nil {
		t.Fatalf("the view's status %q does not give its computing time", v.Status)
	}
	if ms, _ := strconv.Atoi(m[1]); ms > 2000 {
		t.Errorf("solving, predicting and drawing took %d ms, want a second or two", ms)
	}
}
