package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/backend"
)

// fakeCUDA builds a fake site-packages with a JAX CUDA plugin and NVIDIA libraries, and a fake
// /dev, under a temporary directory.
func fakeCUDA(t *testing.T, withDevice bool) (site, dev string) {
	t.Helper()
	root := t.TempDir()
	site = filepath.Join(root, "site-packages")
	dev = filepath.Join(root, "dev")
	for _, f := range []string{
		filepath.Join(site, "jax_plugins", "xla_cuda13", "xla_cuda_plugin.so"),
		filepath.Join(site, "nvidia", "cublas", "lib", "libcublas.so.13"),
		filepath.Join(dev, "null"),
	} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if withDevice {
		if err := os.WriteFile(filepath.Join(dev, "nvidia0"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return site, dev
}

func captureGPU(t *testing.T, probe backend.CUDAProbe, start func() (string, error)) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	oldOut, oldProbe, oldStart := gpuOutput, gpuProbe, gpuStart
	gpuOutput = &buf
	gpuProbe = func() backend.CUDAProbe { return probe }
	gpuStart = start
	t.Cleanup(func() { gpuOutput, gpuProbe, gpuStart = oldOut, oldProbe, oldStart })
	return &buf
}

// TestGPUCommand checks what `surrogo gpu` says on machines without CUDA: nothing at all, a JAX
// plugin not linked yet, and everything linked but a backend that does not start.
func TestGPUCommand(t *testing.T) {
	noStart := func() (string, error) {
		t.Fatal("the backend was started although the set-up is not ready")
		return "", nil
	}

	// This machine as it is (no GPU is lent to the tests): not ready, exit status 1, says why.
	var buf bytes.Buffer
	old := gpuOutput
	gpuOutput = &buf
	err := runGPU(nil)
	gpuOutput = old
	if _, statErr := os.Stat("/dev/nvidia0"); statErr != nil {
		if !errors.As(err, new(reportedError)) || !strings.Contains(buf.String(), "no /dev/nvidia[0-9]*") ||
			!strings.Contains(buf.String(), "Not ready:") || !strings.Contains(buf.String(), "To fix:") {
			t.Errorf("surrogo gpu on this machine: %v\n%s", err, buf.String())
		}
	}
	t.Logf("surrogo gpu here:\n%s", buf.String())

	// Nothing: no device, no plugin, no JAX.
	empty := t.TempDir()
	out := captureGPU(t, backend.CUDAProbe{PluginDirs: []string{filepath.Join(empty, "lib")}, DevDir: empty}, noStart)
	err = runGPU(nil)
	for _, want := range []string{"MISSING NVIDIA GPU device", "MISSING PJRT CUDA plugin", "pip install -U \"jax[cuda13]\"",
		"source scripts/pjrt-env.sh", "machine with an NVIDIA GPU"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no CUDA at all: output lacks %q:\n%s", want, out)
		}
	}
	if !errors.As(err, new(reportedError)) || strings.Contains(out.String(), "../shared") {
		t.Errorf("no CUDA at all: err %v; output:\n%s", err, out)
	}

	// A JAX plugin that is not linked: the fix is the script.
	site, dev := fakeCUDA(t, true)
	out = captureGPU(t, backend.CUDAProbe{PluginDirs: []string{filepath.Join(empty, "lib")}, SitePackages: []string{site}, DevDir: dev}, noStart)
	err = runGPU(nil)
	if !errors.As(err, new(reportedError)) || !strings.Contains(out.String(), "ok      NVIDIA GPU device") ||
		!strings.Contains(out.String(), "xla_cuda13/xla_cuda_plugin.so") || !strings.Contains(out.String(), "run `source scripts/pjrt-env.sh`") {
		t.Errorf("unlinked JAX plugin: err %v; output:\n%s", err, out)
	}

	// Linked by the script: ready; the backend is started (here a fake that fails, as it would
	// with a fake plugin) and its error reported.
	linked := filepath.Join(t.TempDir(), "pjrt")
	cmd := exec.Command("bash", "../../scripts/pjrt-env.sh")
	cmd.Env = append(os.Environ(), "PJRT_SITE_PACKAGES="+site, "PJRT_DIR="+linked)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pjrt-env.sh: %v\n%s", err, b)
	}
	out = captureGPU(t, backend.CUDAProbe{PluginDirs: []string{filepath.Join(linked, "lib")}, DevDir: dev},
		func() (string, error) { return "", errors.New("fake plugin") })
	err = runGPU(nil)
	if !errors.As(err, new(reportedError)) || !strings.Contains(out.String(), "ok      NVIDIA libraries (nvidia/)") ||
		!strings.Contains(out.String(), "does not start: fake plugin") {
		t.Errorf("linked plugin: err %v; output:\n%s", err, out)
	}
	out = captureGPU(t, backend.CUDAProbe{PluginDirs: []string{filepath.Join(linked, "lib")}, DevDir: dev}, noStart)
	if err := runGPU([]string{"--no-start"}); err != nil || !strings.Contains(out.String(), "Ready") {
		t.Errorf("--no-start on a ready set-up: %v\n%s", err, out)
	}
}

// TestPJRTEnvScript checks scripts/pjrt-env.sh: its message when no plugin is found, and the
// links and variables it makes from a JAX environment (a fake one here), both executed (printing
// exports) and sourced.
func TestPJRTEnvScript(t *testing.T) {
	script, err := filepath.Abs("../../scripts/pjrt-env.sh")
	if err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "PJRT_SITE_PACKAGES="+empty, "PJRT_DIR="+filepath.Join(empty, "out"))
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "no JAX CUDA PJRT plugin") || !strings.Contains(string(b), "jax[cuda13]") {
		t.Errorf("no plugin: err %v, output:\n%s", err, b)
	}
	cmd = exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "PYTHON=no-such-python-here")
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "no Python interpreter") {
		t.Errorf("no python: err %v, output:\n%s", err, b)
	}

	site, _ := fakeCUDA(t, false)
	dir := filepath.Join(t.TempDir(), "pjrt")
	sh := `source "$1" && echo "PJRT=$PJRT_PLUGIN_LIBRARY_PATH" && echo "LD=$LD_LIBRARY_PATH" && echo "BACKEND=$GOMLX_BACKEND"`
	cmd = exec.Command("bash", "-c", sh, "bash", script)
	cmd.Env = append(os.Environ(), "PJRT_SITE_PACKAGES="+site, "PJRT_DIR="+dir, "GOMLX_BACKEND=")
	b, err = cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sourced: %v\n%s", err, b)
	}
	for _, want := range []string{"PJRT=" + filepath.Join(dir, "lib"), "LD=" + filepath.Join(site, "nvidia", "cublas", "lib") + ":",
		"BACKEND=stablehlo:cuda", "xla_cuda13 plugin"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("sourced: output lacks %q:\n%s", want, b)
		}
	}
	st := backend.CUDAProbe{PluginDirs: []string{filepath.Join(dir, "lib")}}.Status()
	if st.Plugin == "" || st.NVIDIALibs == "" {
		t.Errorf("after the script, the probe finds plugin %q, libraries %q", st.Plugin, st.NVIDIALibs)
	}
	cmd = exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "PJRT_SITE_PACKAGES="+site, "PJRT_DIR="+dir)
	cmd.Stderr = nil
	b, err = cmd.Output()
	if err != nil || !strings.Contains(string(b), "export PJRT_PLUGIN_LIBRARY_PATH=") {
		t.Errorf("executed: %v, stdout:\n%s", err, b)
	}
}
