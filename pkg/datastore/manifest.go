package datastore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/npy"
)

// Format identifies the cache layout in manifests; FormatVersion changes with any change of the
// layout or of the bytes a given Spec and Options produce.
const (
	Format        = "surrogo-datastore"
	FormatVersion = 1
	// GeneratorName is the generator recorded in manifests.
	GeneratorName = "github.com/surrogo/surrogo/pkg/datastore"
)

// File names in a cache directory.
const (
	ManifestFile   = "manifest.json"
	JournalFile    = "journal.jsonl"
	ProvenanceFile = "provenance.jsonl"
)

// DType is the element type of the stored inputs and targets.
type DType string

// The stored element types.
const (
	Float32 DType = "float32" // the default: exact for float32 training
	Float16 DType = "float16" // half the disk; about 3 significant digits (relative 4.9e-4)
)

// ParseDType returns the dtype named s ("float32" or "float16").
func ParseDType(s string) (DType, error) {
	switch DType(s) {
	case Float32, Float16:
		return DType(s), nil
	}
	return "", fmt.Errorf("dtype: unknown element type %q (want float32 or float16)", s)
}

func (d DType) npy() npy.DType {
	if d == Float16 {
		return npy.DTypeFloat16
	}
	return npy.DTypeFloat32
}

func (d DType) size() int { return d.npy().Size() }

// DefaultShardSize returns the shard size Generate uses when none is given: about 64 MiB per
// inputs or targets file, at least 1 and at most 4096 configurations (4096 at N <= 64, 256 at
// N = 256 and 64 at N = 512 in float32).
func DefaultShardSize(n int, dtype DType) int {
	per := n * n * dtype.size()
	if per <= 0 {
		return 1
	}
	return max(1, min(4096, (64<<20)/per))
}

// Manifest describes a cache directory completely; it is stored as manifest.json. Two caches
// generated with the same Spec and settings have byte-identical manifests.
type Manifest struct {
	Format    string `json:"format"`    // Format
	Version   int    `json:"version"`   // FormatVersion
	Generator string `json:"generator"` // GeneratorName

	// Recipe, Scale and Seed repeat the Spec's, for people reading the file.
	Recipe dataset.Recipe `json:"recipe"`
	Scale  dataset.Scale  `json:"scale"`
	Seed   uint64         `json:"seed"`
	// Dataset is the data set's own manifest: Spec, ID, description and subset sizes.
	Dataset dataset.Manifest `json:"dataset"`

	Targets   TargetSettings `json:"targets"`
	DType     DType          `json:"dtype"`      // element type of inputs and targets
	ShardSize int            `json:"shard_size"` // configurations per shard (the last may have fewer)
	NumShards int            `json:"num_shards"`
	Counts    Counts         `json:"counts"`
	// Shards lists every shard in order (empty in the journal's first line).
	Shards []Shard `json:"shards"`
}

// TargetSettings records how the targets were computed.
type TargetSettings struct {
	Route     Route   `json:"route"`  // RouteCPU or RouteBatched
	Solver    string  `json:"solver"` // the Go package that solved: ".../solver" or ".../pkg/batchsolve"
	Method    string  `json:"method"` // the solver's method, e.g. "multigrid"
	Model     string  `json:"model"`  // source model: "relaxation" or "clamped"
	Normalize bool    `json:"normalize"`
	Tol       float64 `json:"tol"` // relative residual at which each solve stopped
	// Backend is the GoMLX backend of the batched route ("go", "stablehlo", ...), and
	// Precision and Batch its field dtype and examples per device call; empty for RouteCPU.
	Backend   string `json:"backend,omitempty"`
	Precision string `json:"precision,omitempty"`
	Batch     int    `json:"batch,omitempty"`
}

// Counts are the sizes of the data set's parts, for `surrogo data info`.
type Counts struct {
	Configurations int `json:"configurations"`
	Train          int `json:"train"`
	Test           int `json:"test"`
	// BySources has one entry per number of sources, ascending.
	BySources []SourceCount `json:"by_sources"`
	// Subsets are the training and test subsets of every divisor, in the Spec's divisor order
	// (train/1 and test/1 are the whole parts).
	Subsets []SubsetCount `json:"subsets"`
}

// SourceCount counts the configurations with one number of sources.
type SourceCount struct {
	Sources int `json:"sources"`
	Total   int `json:"total"`
	Train   int `json:"train"`
	Test    int `json:"test"`
}

// SubsetCount is the size of one named subset (see dataset.Splits.Subset for the names).
type SubsetCount struct {
	Name     string  `json:"name"`
	PerCount int     `json:"per_count"` // configurations per number of sources
	Total    int     `json:"total"`
	Fraction float64 `json:"fraction"` // of its part
}

// Shard describes one shard: its configurations and its three files.
type Shard struct {
	Index int `json:"index"`
	First int `json:"first"` // first configuration index
	Count int `json:"count"` // number of configurations
	// Inputs, Targets and NSources are the shard's files.
	Inputs   FileSum `json:"inputs"`
	Targets  FileSum `json:"targets"`
	NSources FileSum `json:"nsources"`
	// MaxIterations and MaxResidual are the largest iteration count and final relative
	// residual of the shard's solves.
	MaxIterations int     `json:"max_iterations"`
	MaxResidual   float64 `json:"max_residual"`
}

// files returns the shard's three files in a fixed order.
func (s *Shard) files() [3]*FileSum { return [3]*FileSum{&s.Inputs, &s.Targets, &s.NSources} }

// FileSum is a file of a cache with its size and SHA-256.
type FileSum struct {
	Name   string `json:"name"` // base name in the cache directory
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"` // lower-case hex
}

// shardFileNames returns the names of shard i's inputs, targets and nsources files.
func shardFileNames(i int) [3]string {
	p := fmt.Sprintf("shard-%05d", i)
	return [3]string{p + ".inputs.npy", p + ".targets.npy", p + ".nsources.npy"}
}

// newManifest returns the manifest of spec with the given settings and no shards.
func newManifest(spec *dataset.Spec, sp *dataset.Splits, ts TargetSettings, dtype DType, shardSize int) *Manifest {
	m := &Manifest{
		Format: Format, Version: FormatVersion, Generator: GeneratorName,
		Recipe: spec.Recipe, Scale: spec.Scale, Seed: spec.Seed,
		Dataset: sp.Manifest(), Targets: ts, DType: dtype, ShardSize: shardSize,
		NumShards: (spec.Len() + shardSize - 1) / shardSize,
		Shards:    []Shard{},
	}
	c := &m.Counts
	c.Configurations = spec.Len()
	c.Train, c.Test = m.Dataset.Train.Total, m.Dataset.Test.Total
	for k := spec.MinSources; k <= spec.MaxSources; k++ {
		c.BySources = append(c.BySources, SourceCount{Sources: k, Total: spec.PerCount, Train: sp.TrainPerCount(), Test: sp.TestPerCount()})
	}
	for _, p := range []dataset.Part{dataset.Train, dataset.Test} {
		for _, d := range spec.Divisors {
			var s dataset.Subset
			if p == dataset.Train {
				s, _ = sp.TrainSubset(d) // the divisors were validated with the Spec
			} else {
				s, _ = sp.TestSubset(d)
			}
			name := s.Name
			if d == 1 {
				name += "/1"
			}
			c.Subsets = append(c.Subsets, SubsetCount{Name: name, PerCount: s.PerCount, Total: s.Total, Fraction: s.Fraction})
		}
	}
	return m
}

// encode returns the manifest as indented JSON with a final newline.
func (m *Manifest) encode() []byte {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	return append(b, '\n')
}

// decodeManifest parses a manifest strictly (unknown fields are errors).
func decodeManifest(data []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the manifest")
	}
	return &m, nil
}

// check validates m's internal consistency: format, Spec, shard geometry and file names. It does
// not look at the files.
func (m *Manifest) check() (*dataset.Spec, error) {
	if m.Format != Format {
		return nil, fmt.Errorf("format: %q is not a %s manifest", m.Format, Format)
	}
	if m.Version != FormatVersion {
		return nil, fmt.Errorf("version: format version %d, this program reads version %d", m.Version, FormatVersion)
	}
	spec := m.Dataset.Spec
	spec.Divisors = slices.Clone(spec.Divisors)
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("dataset.spec: %w", err)
	}
	if id := spec.ID(); m.Dataset.ID != id {
		return nil, fmt.Errorf("dataset.id: %q does not match the spec (whose ID is %q)", m.Dataset.ID, id)
	}
	if _, err := ParseDType(string(m.DType)); err != nil {
		return nil, err
	}
	if m.ShardSize < 1 {
		return nil, fmt.Errorf("shard_size: must be at least 1, got %d", m.ShardSize)
	}
	if want := (spec.Len() + m.ShardSize - 1) / m.ShardSize; m.NumShards != want {
		return nil, fmt.Errorf("num_shards: %d, but %d configurations in shards of %d make %d", m.NumShards, spec.Len(), m.ShardSize, want)
	}
	if len(m.Shards) != m.NumShards {
		return nil, fmt.Errorf("shards: %d listed, want num_shards = %d", len(m.Shards), m.NumShards)
	}
	for i := range m.Shards {
		if err := m.checkShard(&spec, &m.Shards[i], i); err != nil {
			return nil, err
		}
	}
	return &spec, nil
}

// checkShard checks that s is shard i of m: its range, file names and sums are well formed.
func (m *Manifest) checkShard(spec *dataset.Spec, s *Shard, i int) error {
	first := i * m.ShardSize
	count := min(m.ShardSize, spec.Len()-first)
	if s.Index != i || s.First != first || s.Count != count {
		return fmt.Errorf("shards[%d]: index %d, first %d, count %d; want %d, %d, %d", i, s.Index, s.First, s.Count, i, first, count)
	}
	names := shardFileNames(i)
	for j, f := range s.files() {
		if f.Name != names[j] || filepath.Base(f.Name) != f.Name {
			return fmt.Errorf("shards[%d]: file %q, want %q", i, f.Name, names[j])
		}
		if len(f.SHA256) != 64 || f.Bytes <= 0 {
			return fmt.Errorf("shards[%d]: file %s: malformed size %d or sha256 %q", i, f.Name, f.Bytes, f.SHA256)
		}
	}
	if s.MaxIterations < 0 || math.IsNaN(s.MaxResidual) || s.MaxResidual < 0 {
		return fmt.Errorf("shards[%d]: malformed max_iterations %d or max_residual %v", i, s.MaxIterations, s.MaxResidual)
	}
	return nil
}

// diff names the first setting in which got differs from m, or returns "" if they describe
// the same cache: the same format, data set (Spec ID), target settings, dtype and shard size.
// Two runs may share a directory only then. (Descriptions and counts follow from these.)
func (m *Manifest) diff(got *Manifest) string {
	switch {
	case m.Format != got.Format || m.Version != got.Version || m.Generator != got.Generator:
		return fmt.Sprintf("format %s v%d (%s) instead of %s v%d (%s)", got.Format, got.Version, got.Generator, m.Format, m.Version, m.Generator)
	case m.Dataset.ID != got.Dataset.ID:
		return fmt.Sprintf("data set %s (%s) instead of %s (%s)", got.Dataset.ID, got.Dataset.Description, m.Dataset.ID, m.Dataset.Description)
	case m.Targets != got.Targets:
		return fmt.Sprintf("targets %+v instead of %+v", got.Targets, m.Targets)
	case m.DType != got.DType:
		return fmt.Sprintf("dtype %s instead of %s", got.DType, m.DType)
	case m.ShardSize != got.ShardSize:
		return fmt.Sprintf("shard size %d instead of %d", got.ShardSize, m.ShardSize)
	}
	return ""
}

// header returns the manifest without its shards, as one line of JSON: the journal's first
// line.
func (m *Manifest) header() []byte {
	c := *m
	c.Shards = []Shard{}
	b, err := json.Marshal(&c)
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	return b
}
