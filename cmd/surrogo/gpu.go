package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/surrogo/surrogo/pkg/backend"
)

func init() {
	register(&command{name: "gpu", summary: "check the CUDA set-up (PJRT plugin, NVIDIA libraries, GPU) and say what is missing", run: runGPU})
}

// gpuOutput is where the gpu command writes its report; tests replace it.
var gpuOutput io.Writer = os.Stdout

// gpuProbe returns where the gpu command looks; tests replace it.
var gpuProbe = backend.DefaultCUDAProbe

// gpuStart creates the CUDA backend and describes it; tests replace it.
var gpuStart = func() (string, error) {
	b, err := backend.NewWithConfig("stablehlo:cuda")
	if err != nil {
		return "", err
	}
	defer b.Finalize()
	return backend.Describe(b).String(), nil
}

func runGPU(args []string) error {
	fs := newFlags("gpu", "[--no-start]", `
Checks what GOMLX_BACKEND=stablehlo:cuda needs and says precisely what is missing: an NVIDIA
GPU device (/dev/nvidia0, ...), a PJRT CUDA plugin named pjrt_c_api_cuda_plugin.so in the
directories of $PJRT_PLUGIN_LIBRARY_PATH, and the NVIDIA libraries in a folder nvidia/ one
level above the plugin's folder. When all are there it starts the backend and lists its
devices (unless --no-start). JAX's CUDA wheel provides the plugin and the libraries:

  pip install -U "jax[cuda13]"
  source scripts/pjrt-env.sh        # links them where gopjrt looks, and sets the variables
  bin/surrogo gpu

Exit status 0 when the CUDA backend is ready (and started), 1 otherwise.`)
	noStart := fs.Bool("no-start", false, "only check the files and devices; do not start the backend")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	w := gpuOutput
	st := gpuProbe().Status()
	check := func(ok bool, what, detail string) {
		mark := "ok     "
		if !ok {
			mark = "MISSING"
		}
		fmt.Fprintf(w, "  %s %-28s %s\n", mark, what, detail)
	}
	fmt.Fprintln(w, "CUDA set-up for GOMLX_BACKEND=stablehlo:cuda:")
	check(len(st.Devices) > 0, "NVIDIA GPU device", orNone(strings.Join(st.Devices, " "), "no /dev/nvidia[0-9]* on this machine"))
	env, set := os.LookupEnv(backend.PJRTPluginPathEnv)
	if !set {
		env = "(unset: gopjrt's default directories)"
	}
	check(st.Plugin != "", "PJRT CUDA plugin", orNone(st.Plugin, "no pjrt_c_api_cuda_plugin.so in ["+strings.Join(st.SearchPath, ":")+"]"))
	fmt.Fprintf(w, "          %-28s %s\n", "$"+backend.PJRTPluginPathEnv, env)
	if st.Plugin != "" {
		check(st.NVIDIALibs != "", "NVIDIA libraries (nvidia/)", orNone(st.NVIDIALibs, "no nvidia/ folder one level above the plugin's folder"))
	}
	if len(st.JAXPlugins) > 0 {
		fmt.Fprintf(w, "          %-28s %s (NVIDIA libraries: %s)\n", "JAX CUDA plugins found", strings.Join(st.JAXPlugins, " "),
			orNone(st.JAXNVIDIALibs, "missing"))
	} else if st.Plugin == "" {
		fmt.Fprintf(w, "          %-28s none in Python site-packages (pip install -U \"jax[cuda13]\")\n", "JAX CUDA plugins found")
	}
	if v := os.Getenv(backend.EnvVar); v != "" {
		fmt.Fprintf(w, "          %-28s %s\n", "$"+backend.EnvVar, v)
	}
	if !st.Ready() {
		fmt.Fprintf(w, "\nNot ready: %s.\n", gpuProblem(st))
		if fix := gpuFix(st); fix != "" {
			fmt.Fprintf(w, "To fix: %s\n", fix)
		}
		return reportedError{errors.New("CUDA not ready")}
	}
	if *noStart {
		fmt.Fprintln(w, "\nReady (backend not started: --no-start).")
		return nil
	}
	desc, err := gpuStart()
	if err != nil {
		fmt.Fprintf(w, "\nThe files are there, but the backend does not start: %v\n", err)
		fmt.Fprintf(w, "Check that the plugin matches the driver (nvidia-smi) and that %s and LD_LIBRARY_PATH were set before surrogo started (source scripts/pjrt-env.sh).\n",
			backend.PJRTPluginPathEnv)
		return reportedError{err}
	}
	fmt.Fprintf(w, "\nReady: %s\nRun with GOMLX_BACKEND=stablehlo:cuda.\n", desc)
	return nil
}

// gpuProblem is the report's problem without the fix it suggests (gpuFix gives this
// repository's).
func gpuProblem(st backend.CUDAReport) string {
	p := st.Problem()
	if i := strings.Index(p, ". To fix: "); i >= 0 {
		p = p[:i]
	}
	return p
}

// gpuFix says what to do about the missing pieces of st, or "".
func gpuFix(st backend.CUDAReport) string {
	var fixes []string
	switch {
	case st.Plugin == "" && len(st.JAXPlugins) > 0 && st.JAXNVIDIALibs != "":
		fixes = append(fixes, "run `source scripts/pjrt-env.sh` in this shell (it links the JAX plugin "+st.JAXPlugins[0]+
			" and its NVIDIA libraries where gopjrt looks and sets "+backend.PJRTPluginPathEnv+" and LD_LIBRARY_PATH), then run surrogo again")
	case st.Plugin == "" && len(st.JAXPlugins) > 0:
		fixes = append(fixes, "install the NVIDIA libraries of JAX's CUDA wheel (pip install -U \"jax[cuda13]\"), then `source scripts/pjrt-env.sh`")
	case st.Plugin == "":
		fixes = append(fixes, "install JAX with CUDA in a Python environment (pip install -U \"jax[cuda13]\"), then `source scripts/pjrt-env.sh` "+
			"(PYTHON=/path/to/python if it is not the python3 on PATH)")
	case st.NVIDIALibs == "":
		fixes = append(fixes, "`source scripts/pjrt-env.sh` links a JAX plugin together with its nvidia/ folder")
	}
	if len(st.Devices) == 0 {
		fixes = append(fixes, "run on a machine with an NVIDIA GPU and its driver (this one has none)")
	}
	return strings.Join(fixes, "; ")
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
