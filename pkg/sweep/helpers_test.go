package sweep

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/scale"
)

var (
	cacheOnce sync.Once
	cacheDir  string
	cacheErr  error

	backendOnce sync.Once
	testBackend backends.Backend
	backendErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if cacheDir != "" {
		os.RemoveAll(filepath.Dir(cacheDir))
	}
	os.Exit(code)
}

// smokeCache returns the smoke-scale 2023 data-set cache (200 configurations, N = 32), generated
// once for the package's tests.
func smokeCache(t testing.TB) string {
	t.Helper()
	cacheOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "sweep-test-data")
		if err != nil {
			cacheErr = err
			return
		}
		spec, err := dataset.New(dataset.Recipe2023, scale.Smoke, 1)
		if err != nil {
			cacheErr = err
			return
		}
		cacheDir = filepath.Join(tmp, "d23")
		_, cacheErr = datastore.Generate(context.Background(), spec, cacheDir, datastore.Options{})
	})
	if cacheErr != nil {
		t.Fatal(cacheErr)
	}
	return cacheDir
}

// goBackend returns the extended pure-Go backend (deterministic), shared by the tests.
func goBackend(t testing.TB) backends.Backend {
	t.Helper()
	backendOnce.Do(func() { testBackend, backendErr = backend.NewExtendedGo("") })
	if backendErr != nil {
		t.Fatal(backendErr)
	}
	return testBackend
}

// tinySweep declares runs of the smoke-scale ED-CNN on the 1.25% training subset (20 examples),
// 2 epochs each, with results and work directories in dir.
func tinySweep(t testing.TB, dir string, ids ...string) *Sweep {
	sw := &Sweep{
		Name: "tiny", Scale: scale.Smoke, Out: filepath.Join(dir, "out"), Work: filepath.Join(dir, "work"),
		Data:     Data{Dir: smokeCache(t)},
		Defaults: RunSpec{Model: "edcnn", Codename: "80E1", Set: map[string]any{"epochs": 2}},
	}
	for i, id := range ids {
		sw.Runs = append(sw.Runs, RunSpec{ID: id, Set: map[string]any{"seed": i + 1}})
	}
	return sw
}

// tinyOptions runs on the test backend without output.
func tinyOptions(t testing.TB) Options {
	return Options{Backend: goBackend(t)}
}
