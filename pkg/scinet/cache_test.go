package scinet

import (
	"reflect"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/scinet/nn"
)

func TestTrainToyNetCached(t *testing.T) {
	be := testBackend(t)
	dir := t.TempDir()
	b := Budget{Steps: 20, Batch: 16, LearningRate: 1e-2, GridPoints: 5, EvalSamples: 32}
	first, reused, err := TrainToyNetCached(dir, be, Shift, 3, nn.ReLU, b, 7)
	if err != nil {
		t.Fatal(err)
	}
	if reused {
		t.Fatal("first call reported a cached net")
	}
	again, reused, err := TrainToyNetCached(dir, be, Shift, 3, nn.ReLU, b, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !reused {
		t.Fatal("second call with the same configuration trained again")
	}
	if !reflect.DeepEqual(first.Far, again.Far) || first.TrainRMS != again.TrainRMS {
		t.Errorf("cached net differs from the trained one: far %v vs %v", again.Far.Y, first.Far.Y)
	}
	b.Steps = 21
	_, reused, err = TrainToyNetCached(dir, be, Shift, 3, nn.ReLU, b, 7)
	if err != nil {
		t.Fatal(err)
	}
	if reused {
		t.Error("a changed budget reused the cached net")
	}
}

func TestCachePath(t *testing.T) {
	a, err := CachePath("/c", "toy", "n", toyKey{Target: Shift, Hidden: 8, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := CachePath("/c", "toy", "n", toyKey{Target: Shift, Hidden: 8, Seed: 2})
	if a == b {
		t.Errorf("different seeds share the cache file %s", a)
	}
	if !strings.HasPrefix(a, "/c/scinet/toy/n-") || !strings.HasSuffix(a, ".json") {
		t.Errorf("CachePath = %s, want /c/scinet/toy/n-<key>.json", a)
	}
}

func TestToySamples(t *testing.T) {
	xs, ys := ToySamples(Step, 1000, 3)
	if len(xs) != 1000 || len(ys) != 1000 {
		t.Fatalf("got %d and %d samples, want 1000", len(xs), len(ys))
	}
	for i, x := range xs {
		if ys[i] != Step.Eval(x) {
			t.Fatalf("sample %d: y = %g at x = %g, want %g", i, ys[i], x, Step.Eval(x))
		}
	}
	m, s := meanStd(xs)
	if m < -0.15 || m > 0.15 || s < 0.9 || s > 1.1 {
		t.Errorf("x has mean %.3f and std %.3f, want about 0 and 1", m, s)
	}
}
