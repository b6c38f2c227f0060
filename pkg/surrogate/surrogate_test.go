package surrogate_test

import (
	"context"
	"testing"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/surrogate"
)

// The configuration-keyed caches: the same data set and configuration are reused, a changed
// parameter recomputes.
func TestCacheKeyedByConfiguration(t *testing.T) {
	ctx := context.Background()
	cache := t.TempDir()
	spec, err := dataset.Custom(1, 32, 2, 1, 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	data, err := surrogate.NewData(ctx, spec, surrogate.DataOptions{Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if data.Reused {
		t.Error("first NewData: reused, want generated")
	}
	if again, err := surrogate.NewData(ctx, spec, surrogate.DataOptions{Cache: cache}); err != nil || !again.Reused || again.Dir != data.Dir {
		t.Errorf("same spec: reused %v dir %q (want %q), err %v", again != nil && again.Reused, again.Dir, data.Dir, err)
	}
	spec2 := spec
	spec2.Seed = 2
	if other, err := surrogate.NewData(ctx, spec2, surrogate.DataOptions{Cache: cache}); err != nil || other.Reused || other.Dir == data.Dir {
		t.Errorf("seed 2: reused %v, dir %q (seed 1's %q), err %v", other.Reused, other.Dir, data.Dir, err)
	}

	cfg, err := surrogate.NewConfig(data, "1E1")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Model.Width, cfg.Epochs, cfg.BatchSize = 2, 1, 8
	train := func(cfg any) *surrogate.Model {
		t.Helper()
		c, _ := surrogate.NewConfig(data, "1E1")
		c.Model.Width, c.Epochs, c.BatchSize = 2, 1, 8
		if seed, ok := cfg.(uint64); ok {
			c.Seed = seed
		}
		m, err := surrogate.Train(ctx, data, c, surrogate.TrainOptions{Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	first := train(nil)
	if first.Reused {
		t.Error("first Train: reused, want trained")
	}
	same := train(nil)
	if !same.Reused || same.Dir != first.Dir {
		t.Errorf("same configuration: reused %v, dir %q (first %q)", same.Reused, same.Dir, first.Dir)
	}
	other := train(uint64(2))
	if other.Reused || other.Dir == first.Dir {
		t.Errorf("seed 2: reused %v, dir %q (seed 1's %q)", other.Reused, other.Dir, first.Dir)
	}
	if got := surrogate.RunDir(cache, cfg); got != first.Dir {
		t.Errorf("RunDir = %q, Train used %q", got, first.Dir)
	}
}
