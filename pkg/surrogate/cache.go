package surrogate

import (
	"bytes"
	"os"
	"path/filepath"
)

// EnvCacheDir names the environment variable that sets the cache root of DefaultCache (the
// same variable as the figures' caches).
const EnvCacheDir = "SURROGO_CACHE_DIR"

// DefaultCache returns the root directory for cached data sets and training runs (for
// DataOptions.Cache and TrainOptions.Cache): $SURROGO_CACHE_DIR when set; else .cache/ beside
// the figures directory of $SURROGO_FIGURES_DIR when that is set (tests keep everything in
// their temporary directory); else the .cache/ directory of the surrogo checkout containing
// $GONB_DIR (a notebook's directory) or the working directory; else surrogo/ in the user's
// cache directory.
func DefaultCache() string {
	if d := os.Getenv(EnvCacheDir); d != "" {
		return d
	}
	if d := os.Getenv("SURROGO_FIGURES_DIR"); d != "" {
		return filepath.Join(d, ".cache")
	}
	var starts []string
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
				return filepath.Join(d, ".cache")
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "surrogo")
	}
	return filepath.Join(os.TempDir(), "surrogo-cache")
}
