package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

func TestNewSelection(t *testing.T) {
	for _, tc := range []struct {
		env          string
		wantFast     bool
		wantExtended bool
		wantStock    bool
		wantErr      string // Substring of the error; "" for success.
	}{
		{env: "", wantFast: true},
		{env: "surrogo", wantFast: true},
		{env: "surrogo:threads=1", wantFast: true},
		{env: "surrogo:kernel=generic", wantFast: true},
		{env: "surrogo:threads=0", wantErr: "threads"},
		{env: "goext", wantExtended: true},
		{env: "goext:parallelism=1", wantExtended: true},
		{env: "goext:conv=direct", wantExtended: true},
		{env: "go", wantStock: true},
		{env: "simplego", wantStock: true},
		{env: "nosuchbackend", wantErr: `unknown backend "nosuchbackend"`},
		{env: "goext:nosuchoption", wantErr: "nosuchoption"},
		{env: "stablehlo:cuda", wantErr: "CUDA"},
		{env: "xla:cuda", wantErr: "CUDA"},
		{env: "stablehlo:nosuchplugin", wantErr: "nosuchplugin"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			if !PJRTAvailable() && (strings.HasPrefix(tc.env, "stablehlo") || strings.HasPrefix(tc.env, "xla")) {
				tc.wantErr = "nopjrt"
			}
			t.Setenv(EnvVar, tc.env)
			b, err := New()
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("New() with %s=%q: no error, got backend %s", EnvVar, tc.env, b.Name())
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("New() error %q does not mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New() with %s=%q: %v", EnvVar, tc.env, err)
			}
			defer b.Finalize()
			if _, ok := b.(*FastBackend); ok != tc.wantFast {
				t.Errorf("%s=%q gave %T (%s)", EnvVar, tc.env, b, b.Name())
			}
			if _, ok := b.(*Backend); ok != tc.wantExtended {
				t.Errorf("%s=%q gave %T (%s)", EnvVar, tc.env, b, b.Name())
			}
			if _, ok := b.(*simplego.Backend); ok != tc.wantStock {
				t.Errorf("%s=%q gave %T (%s)", EnvVar, tc.env, b, b.Name())
			}
		})
	}
}

// TestRegistrationIsExplicit checks that importing this package leaves GoMLX's "go" backend and its
// default alone, and that Register adds the project's backends under their own names only.
func TestRegistrationIsExplicit(t *testing.T) {
	Register()
	if backends.DefaultConfig == FastBackendName || backends.DefaultConfig == ExtendedBackendName {
		t.Errorf("GoMLX's default backend was changed to %q", backends.DefaultConfig)
	}
	for name, want := range map[string]string{FastBackendName: "*backend.FastBackend",
		ExtendedBackendName: "*backend.Backend", "go": "*simplego.Backend"} {
		b, err := backends.NewWithConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%T", b); got != want {
			t.Errorf("backends.NewWithConfig(%q) = %s, want %s", name, got, want)
		}
		b.Finalize()
	}
}

func TestDescribe(t *testing.T) {
	info := Describe(testExtended)
	if info.Name != ExtendedBackendName || !info.Extended || len(info.Devices) != 1 || info.Description == "" {
		t.Fatalf("Describe(extended) = %+v", info)
	}
	if s := info.String(); !strings.Contains(s, "goext (") || !strings.Contains(s, "device#0") {
		t.Errorf("Info.String() = %q", s)
	}
	if Describe(testStock).Extended {
		t.Error("Describe(stock SimpleGo).Extended = true")
	}
}

// fakeTree creates files (with parent folders) under root; a name ending in "/" is a folder.
func fakeTree(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, name := range names {
		p := filepath.Join(root, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("fake"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCUDAStatus(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   []string
		ready   bool
		problem []string // Substrings of Problem().
		fix     bool     // Whether Fix() proposes linking a JAX plugin.
	}{
		{
			name:    "nothing",
			problem: []string{"no NVIDIA GPU device", "no CUDA PJRT plugin"},
		},
		{
			name:    "device only",
			files:   []string{"dev/nvidia0", "dev/nvidiactl"},
			problem: []string{"no CUDA PJRT plugin", "jax_plugins/xla_cuda"},
		},
		{
			name:    "JAX plugin installed but not linked",
			files:   []string{"dev/nvidia0", "site/jax_plugins/xla_cuda13/xla_cuda_plugin.so", "site/nvidia/cudnn/lib/libcudnn.so.9"},
			problem: []string{"not linked", "site/jax_plugins/xla_cuda13/xla_cuda_plugin.so", "To fix"},
			fix:     true,
		},
		{
			name:    "JAX plugin without its NVIDIA libraries",
			files:   []string{"dev/nvidia0", "site/jax_plugins/xla_cuda12/xla_cuda_plugin.so"},
			problem: []string{"not linked", "NVIDIA libraries (site-packages/nvidia/) are missing"},
		},
		{
			name:    "linked plugin without nvidia folder",
			files:   []string{"dev/nvidia0", "pjrt/lib/pjrt_c_api_cuda_plugin.so"},
			problem: []string{"has no nvidia/ library folder"},
		},
		{
			name:  "ready (pjrt-env.sh layout)",
			files: []string{"dev/nvidia0", "pjrt/lib/pjrt_c_api_cuda_plugin.so", "pjrt/nvidia/"},
			ready: true,
		},
		{
			name:    "ready but no GPU",
			files:   []string{"pjrt/lib/pjrt_c_api_cuda_plugin.so", "pjrt/nvidia/"},
			problem: []string{"no NVIDIA GPU device"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			fakeTree(t, root, append(tc.files, "dev/null")...)
			probe := CUDAProbe{
				PluginDirs:   []string{filepath.Join(root, "empty"), filepath.Join(root, "pjrt/lib")},
				SitePackages: []string{filepath.Join(root, "site")},
				DevDir:       filepath.Join(root, "dev"),
			}
			r := probe.Status()
			if r.Ready() != tc.ready {
				t.Fatalf("Ready() = %v, report %+v", r.Ready(), r)
			}
			if tc.ready {
				if r.Problem() != "" || !strings.HasPrefix(r.String(), "CUDA ready") {
					t.Errorf("ready report: Problem() = %q, String() = %q", r.Problem(), r.String())
				}
				return
			}
			for _, want := range tc.problem {
				if !strings.Contains(r.Problem(), want) {
					t.Errorf("Problem() = %q, does not mention %q", r.Problem(), want)
				}
			}
			if got := r.Fix() != ""; got != tc.fix {
				t.Errorf("Fix() = %q", r.Fix())
			}
			if tc.fix && !strings.Contains(r.Fix(), "pjrt_c_api_cuda_plugin.so") {
				t.Errorf("Fix() = %q does not link the plugin", r.Fix())
			}
		})
	}
}

// TestDefaultCUDAProbe checks that the probe of this process reads $PJRT_PLUGIN_LIBRARY_PATH.
func TestDefaultCUDAProbe(t *testing.T) {
	t.Setenv(PJRTPluginPathEnv, "/a:/b::")
	p := DefaultCUDAProbe()
	if len(p.PluginDirs) != 2 || p.PluginDirs[0] != "/a" || p.PluginDirs[1] != "/b" || p.DevDir != "/dev" {
		t.Fatalf("DefaultCUDAProbe() = %+v", p)
	}
}
