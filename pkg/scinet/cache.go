package scinet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/scinet/nn"
)

// CodeVersion is part of the key of the cached training runs ([TrainToyNetCached],
// [RunExperimentCached]): it changes whenever the training or the evaluation code changes what
// they compute, so that a cache never returns results of older code.
const CodeVersion = "scinet/v1"

// CachePath returns the file under the cache root where a result of the given kind ("toy" or
// "experiment") and name is kept for the configuration config: <cache>/scinet/<kind>/<name>-<key>.json,
// where key hashes the JSON of config and [CodeVersion]. Any changed setting gives another file.
func CachePath(cache, kind, name string, config any) (string, error) {
	data, err := json.Marshal(config)
	if err != nil {
		return "", fmt.Errorf("scinet: cache key of %s %s: %w", kind, name, err)
	}
	sum := sha256.Sum256(append(append(data, '\n'), CodeVersion...))
	return filepath.Join(cache, "scinet", kind, name+"-"+hex.EncodeToString(sum[:6])+".json"), nil
}

// cached returns the value saved at path, or computes it, saves it there and returns it; reused
// says which. An empty path computes without caching.
func cached[T any](path string, compute func() (*T, error)) (v *T, reused bool, err error) {
	if path == "" {
		v, err = compute()
		return v, false, err
	}
	data, err := os.ReadFile(path)
	if err == nil {
		v = new(T)
		if err := json.Unmarshal(data, v); err == nil {
			return v, true, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if v, err = compute(); err != nil {
		return nil, false, err
	}
	if data, err = json.Marshal(v); err != nil {
		return nil, false, fmt.Errorf("scinet: caching %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, false, err
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return nil, false, err
	}
	return v, false, nil
}

// toyKey is the configuration that determines a trained toy net.
type toyKey struct {
	Target     Target        `json:"target"`
	Hidden     int           `json:"hidden"`
	Activation nn.Activation `json:"activation"`
	Budget     Budget        `json:"budget"`
	Seed       uint64        `json:"seed"`
}

// TrainToyNetCached is [TrainToyNet] through a cache under the directory cache (see [CachePath]):
// the first call trains and evaluates the net and saves the result; later calls with the same
// configuration (target, width, activation, budget, seed, CodeVersion) return it at once, with
// reused set. An empty cache trains without caching.
func TrainToyNetCached(cache string, backend backends.Backend, target Target, hidden int, act nn.Activation, b Budget, seed uint64) (net *ToyNet, reused bool, err error) {
	path := ""
	if cache != "" {
		name := fmt.Sprintf("%s-%s-%d", toyName(target), act, hidden)
		if path, err = CachePath(cache, "toy", name, toyKey{target, hidden, act, b, seed}); err != nil {
			return nil, false, err
		}
	}
	return cached(path, func() (*ToyNet, error) { return TrainToyNet(backend, target, hidden, act, b, seed) })
}

// toyName spells a target in a file name.
func toyName(t Target) string {
	switch t {
	case Shift:
		return "shift"
	case Step:
		return "step"
	}
	return "target"
}

// experimentKey is the configuration that determines a trained and evaluated SciNet.
type experimentKey struct {
	Experiment Experiment  `json:"experiment"`
	Model      ModelConfig `json:"model"`
	Budget     Budget      `json:"budget"`
	Seed       uint64      `json:"seed"`
}

// RunExperimentCached is [RunExperiment] through a cache under the directory cache (see
// [CachePath]): the first call trains and evaluates SciNet and saves the whole evaluation; later
// calls with the same experiment, model, budget, seed and CodeVersion return it at once, with
// reused set. An empty cache runs without caching.
func RunExperimentCached(cache string, backend backends.Backend, e Experiment, cfg ModelConfig, b Budget, seed uint64) (r *ExperimentResult, reused bool, err error) {
	path := ""
	if cache != "" {
		if path, err = CachePath(cache, "experiment", e.Name, experimentKey{e, cfg, b, seed}); err != nil {
			return nil, false, err
		}
	}
	return cached(path, func() (*ExperimentResult, error) { return RunExperiment(backend, e, cfg, b, seed) })
}

// ToySamples draws n training pairs of a toy target as its training sampler does: x ~ N(0, 1)
// and y = target(x), from a stream seeded by seed (not the training stream itself).
func ToySamples(t Target, n int, seed uint64) (xs, ys []float64) {
	return normalPoints(t, n, seed^0x5a3)
}

// TruthCurves samples the target on its near and far windows ([Target.Windows]), points points
// each: the ground-truth lines of figures 7 to 10.
func TruthCurves(t Target, points int) (near, far Curve) {
	nw, fw := t.Windows()
	near = sliceCurve("truth", linspace(nw[0], nw[1], points), t.Eval)
	far = sliceCurve("truth", linspace(fw[0], fw[1], points), t.Eval)
	return near, far
}
