package training

import (
	"errors"
	"fmt"
	"slices"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/loader"
)

// Source provides the examples of a data set by configuration index: a data-set cache
// (*datastore.Store), examples computed on the fly (*datastore.Generator) or examples in memory
// (MemorySource).
type Source = loader.Source

// Data is what a run trains and is tested on: a source of examples and two subsets of it.
type Data struct {
	// Source provides the examples.
	Source Source
	// Train and Test are the training and test subsets (configuration indices into Source).
	Train, Test dataset.Subset
	// ID is the data set's fingerprint (dataset.Spec.ID); empty for ad-hoc data.
	ID string
	// Description says what the data is, for reports (dataset.Spec.Describe).
	Description string
	// MaxSources is the largest number of sources of an example (for the per-count metrics).
	MaxSources int
	// splits draws other subsets by name (nil for ad-hoc data).
	splits *dataset.Splits
}

// ErrDataMismatch is wrapped by the errors of OpenData, Run and Evaluate when the data do not
// fit the run: another data set than the one it was trained on, or another lattice size.
var ErrDataMismatch = errors.New("the data do not match the run")

// OpenData opens the data-set cache cfg.Dir (package datastore) and selects the subsets cfg.Train
// and cfg.Test. A cache whose ID differs from a non-empty cfg.ID is an error.
func OpenData(cfg DataConfig) (*Data, error) {
	if cfg.Dir == "" {
		return nil, errors.New("training: no data directory (config field data.dir)")
	}
	st, err := datastore.Open(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("training: data: %w", err)
	}
	spec := st.Spec()
	if cfg.ID != "" && cfg.ID != spec.ID() {
		return nil, fmt.Errorf("training: %w: data %s holds data set %s, but the run was configured with data set %s (config field data.id)",
			ErrDataMismatch, cfg.Dir, spec.ID(), cfg.ID)
	}
	sp, err := st.Splits()
	if err != nil {
		return nil, fmt.Errorf("training: data %s: %w", cfg.Dir, err)
	}
	d := &Data{Source: st, ID: spec.ID(), Description: spec.Describe(), MaxSources: spec.MaxSources, splits: sp}
	if d.Train, err = sp.Subset(cfg.Train); err != nil {
		return nil, fmt.Errorf("training: config field data.train: %w", err)
	}
	if d.Test, err = sp.Subset(cfg.Test); err != nil {
		return nil, fmt.Errorf("training: config field data.test: %w", err)
	}
	return d, nil
}

// Subset returns the subset called name (see dataset.Splits.Subset); for ad-hoc data only the
// names of Train and Test are known.
func (d *Data) Subset(name string) (dataset.Subset, error) {
	switch {
	case d.splits != nil:
		return d.splits.Subset(name)
	case name == d.Train.Name:
		return d.Train, nil
	case name == d.Test.Name:
		return d.Test, nil
	}
	return dataset.Subset{}, fmt.Errorf("training: unknown subset %q (this data knows %q and %q)", name, d.Train.Name, d.Test.Name)
}

// check verifies that the subsets are usable with a model of lattice size n.
func (d *Data) check(n int) error {
	switch {
	case d == nil || d.Source == nil:
		return errors.New("training: no data source")
	case d.Source.N() != n:
		return fmt.Errorf("training: %w: the data's lattice is %d x %d but the model's (config field model.size) is %d x %d",
			ErrDataMismatch, d.Source.N(), d.Source.N(), n, n)
	case len(d.Train.Indices) == 0:
		return fmt.Errorf("training: the training subset %q is empty", d.Train.Name)
	case len(d.Test.Indices) == 0:
		return fmt.Errorf("training: the test subset %q is empty", d.Test.Name)
	}
	for _, s := range []dataset.Subset{d.Train, d.Test} {
		for _, i := range s.Indices {
			if i < 0 || i >= d.Source.Len() {
				return fmt.Errorf("training: subset %q: configuration %d outside [0, %d)", s.Name, i, d.Source.Len())
			}
		}
	}
	return nil
}

// MemorySource is a Source holding its examples in memory, for tests, examples and small
// experiments.
type MemorySource struct {
	n                int
	inputs, targets  []float32
	nsources         []int32
	examples, stride int
}

// NewMemorySource returns a Source of len(nsources) examples on an n x n lattice: example i has
// the input inputs[i*n*n:(i+1)*n*n], the target targets[i*n*n:(i+1)*n*n] and nsources[i] sources.
// The slices are used, not copied.
func NewMemorySource(n int, inputs, targets []float32, nsources []int32) (*MemorySource, error) {
	switch {
	case n < 1:
		return nil, fmt.Errorf("training: NewMemorySource: n must be positive, got %d", n)
	case len(nsources) == 0:
		return nil, errors.New("training: NewMemorySource: no examples")
	case len(inputs) != len(nsources)*n*n || len(targets) != len(inputs):
		return nil, fmt.Errorf("training: NewMemorySource: %d inputs and %d targets for %d examples of %d x %d",
			len(inputs), len(targets), len(nsources), n, n)
	}
	return &MemorySource{n: n, inputs: inputs, targets: targets, nsources: nsources,
		examples: len(nsources), stride: n * n}, nil
}

// N returns the lattice side.
func (m *MemorySource) N() int { return m.n }

// Len returns the number of examples.
func (m *MemorySource) Len() int { return m.examples }

// Fill copies the examples indices into inputs, targets and nsources.
func (m *MemorySource) Fill(indices []int, inputs, targets []float32, nsources []int32) error {
	if len(inputs) != len(indices)*m.stride || len(targets) != len(inputs) || len(nsources) != len(indices) {
		return fmt.Errorf("training: MemorySource.Fill: buffers of %d, %d and %d values for %d examples",
			len(inputs), len(targets), len(nsources), len(indices))
	}
	for j, i := range indices {
		if i < 0 || i >= m.examples {
			return fmt.Errorf("training: MemorySource.Fill: example %d outside [0, %d)", i, m.examples)
		}
		copy(inputs[j*m.stride:(j+1)*m.stride], m.inputs[i*m.stride:(i+1)*m.stride])
		copy(targets[j*m.stride:(j+1)*m.stride], m.targets[i*m.stride:(i+1)*m.stride])
		nsources[j] = m.nsources[i]
	}
	return nil
}

// MemoryData returns Data over a MemorySource with the given training and test indices, as
// subsets named "train" and "test".
func MemoryData(src *MemorySource, train, test []int) *Data {
	maxK := 0
	for _, k := range src.nsources {
		maxK = max(maxK, int(k))
	}
	sub := func(name string, part dataset.Part, idx []int) dataset.Subset {
		return dataset.Subset{Name: name, Part: part, Divisor: 1, Nominal: 1, Fraction: 1,
			Total: len(idx), Indices: slices.Clone(idx)}
	}
	return &Data{Source: src, Train: sub("train", dataset.Train, train), Test: sub("test", dataset.Test, test),
		Description: fmt.Sprintf("in-memory data: %d examples of %d x %d", src.examples, src.n, src.n),
		MaxSources:  maxK}
}
