package backend

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// PJRTPluginPathEnv is the variable gopjrt reads (once, when the program starts) to find PJRT plugins:
// a ':'-separated list of directories holding files named pjrt_c_api_<name>_plugin.so.
const PJRTPluginPathEnv = "PJRT_PLUGIN_LIBRARY_PATH"

// CUDAReport is the result of CUDAStatus: what a GoMLX "stablehlo:cuda" backend needs, and what was found.
//
// gopjrt v0.10 loads a plugin named pjrt_c_api_cuda_plugin.so from the directories of
// $PJRT_PLUGIN_LIBRARY_PATH (read at program start; without it, ~/.local/lib/gomlx/pjrt,
// /usr/local/lib/gomlx/pjrt and the system library directories), and the plugin finds the NVIDIA
// libraries (cuDNN, cuBLAS, ...) in a folder named nvidia/ one level above the plugin's folder. JAX's
// CUDA wheel ships such a plugin as site-packages/jax_plugins/xla_cuda<N>/xla_cuda_plugin.so with the
// libraries in site-packages/nvidia/; the repository's scripts/pjrt-env.sh links both into a folder and
// sets the variables (see also `surrogo gpu`).
type CUDAReport struct {
	// Plugin is the path of a pjrt_c_api_cuda_plugin.so that gopjrt will find ("" if none).
	Plugin string
	// NVIDIALibs is the nvidia/ folder one level above Plugin's folder ("" if absent).
	NVIDIALibs string
	// JAXPlugins lists JAX CUDA plugins found in Python site-packages (usable after linking, see Fix).
	JAXPlugins []string
	// JAXNVIDIALibs is the site-packages/nvidia folder next to the first JAX plugin ("" if absent).
	JAXNVIDIALibs string
	// Devices lists the /dev/nvidia[0-9]* device files found.
	Devices []string
	// SearchPath lists the directories searched for Plugin.
	SearchPath []string
}

// Ready reports whether a CUDA PJRT plugin, its NVIDIA libraries and a GPU device were all found.
func (r CUDAReport) Ready() bool {
	return r.Plugin != "" && r.NVIDIALibs != "" && len(r.Devices) > 0
}

// Problem says what is missing, in one paragraph; "" when Ready.
func (r CUDAReport) Problem() string {
	var missing []string
	if len(r.Devices) == 0 {
		missing = append(missing, "no NVIDIA GPU device (/dev/nvidia0, ...) is present")
	}
	switch {
	case r.Plugin == "" && len(r.JAXPlugins) > 0:
		missing = append(missing, fmt.Sprintf(
			"no pjrt_c_api_cuda_plugin.so in the PJRT search path [%s]; a JAX CUDA plugin exists at %s but is not linked there",
			strings.Join(r.SearchPath, ":"), r.JAXPlugins[0]))
		if r.JAXNVIDIALibs == "" {
			missing = append(missing, "the JAX NVIDIA libraries (site-packages/nvidia/) are missing: pip install jax[cuda13] (or cuda12)")
		}
	case r.Plugin == "":
		missing = append(missing, fmt.Sprintf(
			"no CUDA PJRT plugin: neither pjrt_c_api_cuda_plugin.so in the PJRT search path [%s] nor a JAX plugin "+
				"(site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so) was found", strings.Join(r.SearchPath, ":")))
	case r.NVIDIALibs == "":
		missing = append(missing, fmt.Sprintf("the plugin %s has no nvidia/ library folder at %s",
			r.Plugin, filepath.Join(filepath.Dir(filepath.Dir(r.Plugin)), "nvidia")))
	}
	if len(missing) == 0 {
		return ""
	}
	msg := strings.Join(missing, "; ")
	if fix := r.Fix(); fix != "" {
		msg += ". To fix: " + fix
	}
	return msg
}

// Fix returns shell commands that would make a found JAX plugin usable (what pjrt-env.sh does), or "".
// They must run before the Go program starts: gopjrt and the dynamic loader read the variables at start.
func (r CUDAReport) Fix() string {
	if r.Plugin != "" || len(r.JAXPlugins) == 0 || r.JAXNVIDIALibs == "" {
		return ""
	}
	return fmt.Sprintf("mkdir -p /tmp/pjrt/lib && ln -sf %s /tmp/pjrt/lib/pjrt_c_api_cuda_plugin.so && "+
		"ln -sfn %s /tmp/pjrt/nvidia && export %s=/tmp/pjrt/lib "+
		"LD_LIBRARY_PATH=$(find %s -name 'lib*.so*' -printf '%%h\\n' | sort -u | tr '\\n' ':')$LD_LIBRARY_PATH "+
		"(or, from the repository: source scripts/pjrt-env.sh)",
		r.JAXPlugins[0], r.JAXNVIDIALibs, PJRTPluginPathEnv, r.JAXNVIDIALibs)
}

// String summarises the report on one line.
func (r CUDAReport) String() string {
	if r.Ready() {
		return fmt.Sprintf("CUDA ready: plugin %s, libraries %s, devices %s", r.Plugin, r.NVIDIALibs, strings.Join(r.Devices, " "))
	}
	return "CUDA not ready: " + r.Problem()
}

// CUDAProbe holds where CUDAStatus looks; its zero value is not useful, use DefaultCUDAProbe. Tests
// point it at fake directory trees.
type CUDAProbe struct {
	// PluginDirs are the directories gopjrt searches for pjrt_c_api_cuda_plugin.so, in order.
	PluginDirs []string
	// SitePackages are the Python site-packages directories searched for JAX plugins.
	SitePackages []string
	// DevDir is the folder holding device files (normally /dev).
	DevDir string
}

// DefaultCUDAProbe returns the probe for this process: $PJRT_PLUGIN_LIBRARY_PATH (or gopjrt's default
// directories and $LD_LIBRARY_PATH when it is unset), the site-packages of python3 (asked to python3 if
// it is on the PATH, else the usual /usr/lib, /usr/local/lib and ~/.local/lib locations), and /dev.
func DefaultCUDAProbe() CUDAProbe {
	p := CUDAProbe{DevDir: "/dev"}
	if env, ok := os.LookupEnv(PJRTPluginPathEnv); ok {
		for _, dir := range strings.Split(env, ":") {
			if dir != "" {
				p.PluginDirs = append(p.PluginDirs, dir)
			}
		}
	} else {
		if home, err := os.UserHomeDir(); err == nil {
			p.PluginDirs = append(p.PluginDirs, filepath.Join(home, ".local", "lib", "gomlx", "pjrt"))
		}
		p.PluginDirs = append(p.PluginDirs, "/usr/local/lib/gomlx/pjrt")
		for _, dir := range strings.Split(os.Getenv("LD_LIBRARY_PATH"), ":") {
			if filepath.IsAbs(dir) {
				p.PluginDirs = append(p.PluginDirs, dir)
			}
		}
	}
	p.SitePackages = pythonSitePackages()
	return p
}

// pythonSitePackages asks python3 for its site-packages; without python3 it globs the usual places.
func pythonSitePackages() []string {
	if py, err := exec.LookPath("python3"); err == nil {
		out, err := exec.Command(py, "-c",
			"import site; print('\\n'.join(site.getsitepackages() + [site.getusersitepackages()]))").Output()
		if err == nil {
			var dirs []string
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					dirs = append(dirs, line)
				}
			}
			return dirs
		}
	}
	var dirs []string
	home, _ := os.UserHomeDir()
	for _, pattern := range []string{
		"/usr/lib/python3*/site-packages", "/usr/lib/python3*/dist-packages",
		"/usr/local/lib/python3*/site-packages", "/usr/local/lib/python3*/dist-packages",
		filepath.Join(home, ".local/lib/python3*/site-packages"),
	} {
		m, _ := filepath.Glob(pattern)
		dirs = append(dirs, m...)
	}
	return dirs
}

// Status inspects the directories of the probe.
func (p CUDAProbe) Status() CUDAReport {
	r := CUDAReport{SearchPath: slices.Clone(p.PluginDirs)}
	for _, dir := range p.PluginDirs {
		candidate := filepath.Join(dir, "pjrt_c_api_cuda_plugin.so")
		if isFile(candidate) {
			r.Plugin = candidate
			break
		}
	}
	if r.Plugin != "" {
		if nv := filepath.Join(filepath.Dir(filepath.Dir(r.Plugin)), "nvidia"); isDir(nv) {
			r.NVIDIALibs = nv
		}
	}
	for _, site := range p.SitePackages {
		matches, _ := filepath.Glob(filepath.Join(site, "jax_plugins", "xla_cuda*", "xla_cuda_plugin.so"))
		slices.Sort(matches)
		slices.Reverse(matches) // Newest CUDA major version first (xla_cuda13 before xla_cuda12).
		for _, m := range matches {
			if isFile(m) {
				r.JAXPlugins = append(r.JAXPlugins, m)
				if r.JAXNVIDIALibs == "" && isDir(filepath.Join(site, "nvidia")) {
					r.JAXNVIDIALibs = filepath.Join(site, "nvidia")
				}
			}
		}
	}
	if p.DevDir != "" {
		matches, _ := filepath.Glob(filepath.Join(p.DevDir, "nvidia[0-9]*"))
		r.Devices = matches
	}
	return r
}

// CUDAStatus reports whether GoMLX can run on CUDA in this process, and if not, exactly what is missing.
// New calls it when $GOMLX_BACKEND asks for the cuda plugin, to replace gopjrt's generic error.
func CUDAStatus() CUDAReport {
	return DefaultCUDAProbe().Status()
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
