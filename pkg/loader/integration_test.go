package loader_test

import (
	"context"
	"io"
	"math"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/loader"
)

var _ train.Dataset = (*loader.Loader)(nil)

// smokeCache generates the 2023 data set at scale smoke (N = 32, 200 configurations) into a
// temporary directory and opens it.
func smokeCache(t *testing.T) (dataset.Spec, *datastore.Store) {
	t.Helper()
	spec, err := dataset.New(dataset.Recipe2023, dataset.ScaleSmoke, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := datastore.Generate(context.Background(), spec, dir, datastore.Options{ShardSize: 64}); err != nil {
		t.Fatal(err)
	}
	st, err := datastore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return spec, st
}

// TestCacheEqualsOnTheFly reads a training subset from a cache and computes it on the fly with
// the CPU solver: the batches of two shuffled epochs are identical.
func TestCacheEqualsOnTheFly(t *testing.T) {
	spec, st := smokeCache(t)
	gen, err := datastore.NewGenerator(spec, datastore.TargetOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer gen.Close()
	sp, err := st.Splits()
	if err != nil {
		t.Fatal(err)
	}
	sub, err := sp.Subset("train/8")
	if err != nil {
		t.Fatal(err)
	}
	opt := loader.Options{BatchSize: 6, Shuffle: true, Seed: 7}
	cached, err := loader.New(st, sub.Indices, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer cached.Close()
	fly, err := loader.New(gen, sub.Indices, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer fly.Close()
	for e := range 2 {
		var visited []int
		for {
			a, errA := cached.Next()
			b, errB := fly.Next()
			if errA == io.EOF && errB == io.EOF {
				break
			}
			if errA != nil || errB != nil {
				t.Fatalf("epoch %d: %v, %v", e, errA, errB)
			}
			if !slices.Equal(a.Indices, b.Indices) || !slices.Equal(a.Inputs, b.Inputs) ||
				!slices.Equal(a.Targets, b.Targets) || !slices.Equal(a.NSources, b.NSources) {
				t.Fatalf("epoch %d: cached and on-the-fly batches differ", e)
			}
			for j, i := range a.Indices {
				if int(a.NSources[j]) != spec.NumSources(i) {
					t.Fatalf("configuration %d: %d sources, want %d", i, a.NSources[j], spec.NumSources(i))
				}
			}
			visited = append(visited, a.Indices...)
		}
		if slices.Sort(visited); !slices.Equal(visited, sub.Indices) {
			t.Fatalf("epoch %d visited %d configurations, want the %d of %s", e, len(visited), sub.Total, sub.Name)
		}
		cached.Reset()
		fly.Reset()
	}
}

// TestGoMLXTraining runs GoMLX's training loop and evaluation on a loader: a one-parameter
// model y = w*x learns from the cache, and an evaluation metric reads the numbers of sources
// from labels[1].
func TestGoMLXTraining(t *testing.T) {
	spec, st := smokeCache(t)
	sp, err := st.Splits()
	if err != nil {
		t.Fatal(err)
	}
	be, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	ctx := mlctx.New()
	model := func(ctx *mlctx.Context, _ any, inputs []*graph.Node) []*graph.Node {
		w := ctx.VariableWithValue("w", float32(0)).ValueGraph(inputs[0].Graph())
		return []*graph.Node{graph.Mul(inputs[0], w)}
	}
	loss := func(labels, predictions []*graph.Node) *graph.Node {
		return graph.ReduceAllMean(graph.Square(graph.Sub(labels[0], predictions[0])))
	}
	meanSources := metrics.NewMeanMetric("mean number of sources", "ns", "ns",
		func(_ *mlctx.Context, labels, _ []*graph.Node) *graph.Node {
			return graph.ReduceAllMean(graph.ConvertDType(labels[1], dtypes.Float32))
		}, nil)
	trainer := train.NewTrainer(be, ctx, model, loss, optimizers.StochasticGradientDescent(), nil, []metrics.Interface{meanSources})
	trainSet, err := loader.New(st, sp.Train().Indices, loader.Options{Name: "train", BatchSize: 16, Shuffle: true, Seed: 1, DropRemainder: true})
	if err != nil {
		t.Fatal(err)
	}
	defer trainSet.Close()
	if _, err := train.NewLoop(trainer).RunEpochs(trainSet, 3); err != nil {
		t.Fatal(err)
	}
	if trainSet.Epoch() != 3 {
		t.Errorf("after 3 epochs of RunEpochs the loader is at epoch %d, want 3", trainSet.Epoch())
	}
	w := tensors.ToScalar[float32](ctx.GetVariableByScopeAndName("/", "w").MustValue())
	if !(w > 0) {
		t.Errorf("w = %g after training, want it to have moved toward the positive fit", w)
	}
	test := sp.Test()
	testSet, err := loader.New(st, test.Indices, loader.Options{Name: "test", BatchSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer testSet.Close()
	res, err := trainer.Eval(testSet)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for _, i := range test.Indices {
		want += float64(spec.NumSources(i))
	}
	want /= float64(test.Total)
	// GoMLX puts its own loss metrics first: ours is the last.
	if got := float64(tensors.ToScalar[float32](res[len(res)-1])); math.Abs(got-want) > 1e-4 {
		t.Errorf("evaluation metric from labels[1]: mean number of sources %g, want %g", got, want)
	}
}
