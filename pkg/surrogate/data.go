package surrogate

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/training"
	"github.com/surrogo/surrogo/solver"
)

// Data is a data set with its examples: the configurations of a dataset.Spec, their input
// images and their target fields (the solver's stationary states).
type Data struct {
	// Spec defines the data set.
	Spec dataset.Spec
	// Dir is the data-set cache holding the examples, or "" when they are in memory.
	Dir string
	// Reused is true when the cache was found complete (verified, nothing solved).
	Reused bool
	// Seconds is the time NewData spent solving or verifying.
	Seconds float64

	src    training.Source
	splits *dataset.Splits
}

// DataOptions configure NewData.
type DataOptions struct {
	// Cache, when set, keeps the examples in the data-set cache Cache/datasets/<Spec.ID()>
	// (package datastore): generated the first time (resumable), verified and reused afterwards.
	// Empty solves every configuration into memory.
	Cache string
	// Log, when set, receives one line saying what was solved or reused.
	Log io.Writer
}

// NewData solves the configurations of spec (in parallel on the CPU cores) and returns the data
// set, in memory or in the cache opt.Cache.
func NewData(ctx context.Context, spec dataset.Spec, opt DataOptions) (*Data, error) {
	sp, err := spec.Split()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	d := &Data{Spec: spec, splits: sp}
	if opt.Cache != "" {
		d.Dir = filepath.Join(opt.Cache, "datasets", spec.ID())
		res, err := datastore.Generate(ctx, spec, d.Dir, datastore.Options{})
		if err != nil {
			return nil, fmt.Errorf("surrogate: data set cache %s: %w", d.Dir, err)
		}
		st, err := datastore.Open(d.Dir)
		if err != nil {
			return nil, err
		}
		d.src, d.Reused, d.Seconds = st, res.Generated == 0, time.Since(start).Seconds()
		logf(opt.Log, "data set %s: %s in %s (%d shards reused, %d generated, %d solves, %.1f s)",
			spec.ID(), reusedWord(d.Reused), d.Dir, res.Reused, res.Generated, res.Solved, d.Seconds)
		return d, nil
	}
	gen, err := datastore.NewGenerator(spec, datastore.TargetOptions{})
	if err != nil {
		return nil, err
	}
	defer gen.Close()
	n, count := spec.N, spec.Len()
	inputs, targets := make([]float32, count*n*n), make([]float32, count*n*n)
	nsources := make([]int32, count)
	// Solve in chunks, so that a cancelled context stops between chunks.
	const chunk = 64
	for lo := 0; lo < count; lo += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+chunk, count)
		idx := make([]int, hi-lo)
		for i := range idx {
			idx[i] = lo + i
		}
		if err := gen.Fill(idx, inputs[lo*n*n:hi*n*n], targets[lo*n*n:hi*n*n], nsources[lo:hi]); err != nil {
			return nil, err
		}
	}
	if d.src, err = training.NewMemorySource(n, inputs, targets, nsources); err != nil {
		return nil, err
	}
	d.Seconds = time.Since(start).Seconds()
	logf(opt.Log, "data set %s: %d configurations of %d x %d solved in memory in %.1f s", spec.ID(), count, n, n, d.Seconds)
	return d, nil
}

// OpenData opens a finished data-set cache (made by NewData with DataOptions.Cache, or by
// `surrogo data gen`).
func OpenData(dir string) (*Data, error) {
	st, err := datastore.Open(dir)
	if err != nil {
		return nil, err
	}
	sp, err := st.Splits()
	if err != nil {
		return nil, err
	}
	return &Data{Spec: st.Spec(), Dir: dir, Reused: true, src: st, splits: sp}, nil
}

// Len returns the number of configurations.
func (d *Data) Len() int { return d.src.Len() }

// N returns the lattice side.
func (d *Data) N() int { return d.Spec.N }

// Subset returns the configuration indices of a subset by name: "train", "test", "train/80"
// (the nested 1/80 subset of the training set), "k07/test" (the test configurations with 7
// sources), ... (see dataset.Splits.Subset).
func (d *Data) Subset(name string) ([]int, error) {
	s, err := d.splits.Subset(name)
	if err != nil {
		return nil, err
	}
	return s.Indices, nil
}

// Train returns the indices of the training set and Test those of the test set.
func (d *Data) Train() []int { s, _ := d.Subset("train"); return s }

// Test returns the indices of the test set.
func (d *Data) Test() []int { s, _ := d.Subset("test"); return s }

// Example is one configuration of a data set with its input and target.
type Example struct {
	// Index is the configuration's index in the data set, NSources its number of sources.
	Index, NSources int
	// Sources are the source disks.
	Sources []solver.Source
	// N is the lattice side; Input and Target hold N*N values each, row-major.
	N             int
	Input, Target []float32
}

// Example returns configuration i.
func (d *Data) Example(i int) (*Example, error) {
	if i < 0 || i >= d.Len() {
		return nil, fmt.Errorf("surrogate: example %d outside [0, %d)", i, d.Len())
	}
	n := d.N()
	ex := &Example{Index: i, N: n, Input: make([]float32, n*n), Target: make([]float32, n*n)}
	ns := make([]int32, 1)
	if err := d.src.Fill([]int{i}, ex.Input, ex.Target, ns); err != nil {
		return nil, err
	}
	ex.NSources = int(ns[0])
	var err error
	if ex.Sources, err = d.Spec.Sources(i); err != nil {
		return nil, err
	}
	return ex, nil
}

// Problem returns configuration i as a problem for the solver (package solver).
func (d *Data) Problem(i int) (solver.Problem, error) { return d.Spec.Problem(i) }

// Source returns the examples as package training's Source (for training.Run and loaders).
func (d *Data) Source() training.Source { return d.src }

// trainingData returns the data of a run training on subset train and tested on test.
func (d *Data) trainingData(train, test string) (*training.Data, error) {
	td := &training.Data{Source: d.src, ID: d.Spec.ID(), Description: d.Spec.Describe(), MaxSources: d.Spec.MaxSources}
	var err error
	if td.Train, err = d.splits.Subset(train); err != nil {
		return nil, err
	}
	if td.Test, err = d.splits.Subset(test); err != nil {
		return nil, err
	}
	return td, nil
}

func reusedWord(reused bool) string {
	if reused {
		return "reused"
	}
	return "computed"
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}
