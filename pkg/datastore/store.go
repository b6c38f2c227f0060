package datastore

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/npy"
)

// ShardError reports a shard file that is missing, corrupt or does not match the manifest.
type ShardError struct {
	Shard int    // shard index
	Path  string // the file's path
	Err   error
}

// Error says which shard and file are bad, and why.
func (e *ShardError) Error() string {
	return fmt.Sprintf("datastore: shard %d: %s: %v", e.Shard, e.Path, e.Err)
}

// Unwrap returns the underlying error (e.g. ErrChecksum).
func (e *ShardError) Unwrap() error { return e.Err }

// ErrChecksum is wrapped by the ShardError of a file whose SHA-256 differs from the manifest's.
var ErrChecksum = errors.New("checksum mismatch")

// Store is a finished cache directory opened for reading. Its methods are safe for concurrent
// use.
type Store struct {
	dir  string
	m    *Manifest
	spec dataset.Spec

	splitsOnce sync.Once
	splits     *dataset.Splits
	splitsErr  error

	shards []shardState
}

// shardState caches a shard's verification, once per process.
type shardState struct {
	once sync.Once
	data *shardData
	err  error
}

// shardData is what reading a shard needs after its verification.
type shardData struct {
	headers  [2]npy.Header // inputs, targets
	nsources []int32
}

// Open opens the cache in dir: it reads and checks manifest.json (format, Spec, shard list).
// Shard files are verified when first read (see Sample) or by Verify. A directory whose
// generation is unfinished is an error that says how far it got.
func Open(dir string) (*Store, error) {
	path := filepath.Join(dir, ManifestFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if m, shards, jerr := readJournal(filepath.Join(dir, JournalFile)); jerr == nil {
			return nil, fmt.Errorf("datastore: %s: generation unfinished (%d of %d shards recorded in %s): run the same `surrogo data gen` again to resume",
				dir, len(shards), m.NumShards, JournalFile)
		}
		return nil, fmt.Errorf("datastore: %s: no data-set cache here (%s is missing)", dir, ManifestFile)
	}
	if err != nil {
		return nil, fmt.Errorf("datastore: %w", err)
	}
	m, err := decodeManifest(data)
	if err != nil {
		return nil, fmt.Errorf("datastore: %s: %w", path, err)
	}
	spec, err := m.check()
	if err != nil {
		return nil, fmt.Errorf("datastore: %s: %w", path, err)
	}
	return &Store{dir: dir, m: m, spec: *spec, shards: make([]shardState, len(m.Shards))}, nil
}

// Dir returns the cache directory.
func (s *Store) Dir() string { return s.dir }

// Manifest returns a copy of the cache's manifest.
func (s *Store) Manifest() *Manifest {
	m := *s.m
	m.Shards = slices.Clone(m.Shards)
	m.Dataset.Spec.Divisors = slices.Clone(m.Dataset.Spec.Divisors)
	return &m
}

// Spec returns the data set's Spec.
func (s *Store) Spec() dataset.Spec {
	sp := s.spec
	sp.Divisors = slices.Clone(sp.Divisors)
	return sp
}

// Splits returns the data set's train/test split (computed on first use).
func (s *Store) Splits() (*dataset.Splits, error) {
	s.splitsOnce.Do(func() { s.splits, s.splitsErr = s.spec.Split() })
	return s.splits, s.splitsErr
}

// N returns the lattice side.
func (s *Store) N() int { return s.spec.N }

// Len returns the number of configurations.
func (s *Store) Len() int { return s.spec.Len() }

// NumShards returns the number of shards.
func (s *Store) NumShards() int { return len(s.m.Shards) }

// VerifyShard checks shard i's three files against the manifest: presence, size, SHA-256,
// .npy header (dtype and shape) and numbers of sources. It reads the files even if the shard
// was verified before. The error is a *ShardError naming the first bad file.
func (s *Store) VerifyShard(i int) error {
	if i < 0 || i >= len(s.m.Shards) {
		return fmt.Errorf("datastore: shard %d out of range [0, %d)", i, len(s.m.Shards))
	}
	_, err := verifyShard(s.dir, &s.spec, s.m.DType, &s.m.Shards[i])
	return err
}

// Verify checks every shard (see VerifyShard). It returns nil if all are good, and otherwise
// an error that joins one *ShardError per bad shard, each naming its file.
func (s *Store) Verify() error {
	var errs []error
	for i := range s.m.Shards {
		if err := s.VerifyShard(i); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// shard returns the verified data of shard i, verifying it on first use.
func (s *Store) shard(i int) (*shardData, error) {
	st := &s.shards[i]
	st.once.Do(func() { st.data, st.err = verifyShard(s.dir, &s.spec, s.m.DType, &s.m.Shards[i]) })
	return st.data, st.err
}

// Sample reads configuration i into input and target (N*N float32 each, row-major) and returns
// its number of sources. The shard holding i is verified the first time it is used in the
// process; a bad shard is an error (a *ShardError) on every read.
func (s *Store) Sample(i int, input, target []float32) (nsources int, err error) {
	nn := s.spec.N * s.spec.N
	if i < 0 || i >= s.spec.Len() {
		return 0, fmt.Errorf("datastore: configuration %d out of range [0, %d)", i, s.spec.Len())
	}
	if len(input) != nn || len(target) != nn {
		return 0, fmt.Errorf("datastore: Sample: input and target must hold N*N = %d values, got %d and %d", nn, len(input), len(target))
	}
	k := i / s.m.ShardSize
	d, err := s.shard(k)
	if err != nil {
		return 0, err
	}
	j := i - s.m.Shards[k].First
	names := shardFileNames(k)
	for f, dst := range [2][]float32{input, target} {
		if err := readAt(filepath.Join(s.dir, names[f]), &d.headers[f], dst, j*nn); err != nil {
			return 0, &ShardError{Shard: k, Path: filepath.Join(s.dir, names[f]), Err: err}
		}
	}
	return int(d.nsources[j]), nil
}

func readAt(path string, h *npy.Header, dst []float32, start int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return npy.ReadFloat32At(f, h, dst, start)
}

// Fill reads the examples of the configurations indices into inputs and targets (len(indices)
// x N*N values each, one example after the other) and their numbers of sources into nsources.
// It implements the source interface of package loader.
func (s *Store) Fill(indices []int, inputs, targets []float32, nsources []int32) error {
	if err := checkFill(s.spec.N, s.spec.Len(), indices, inputs, targets, nsources); err != nil {
		return err
	}
	nn := s.spec.N * s.spec.N
	for j, i := range indices {
		k, err := s.Sample(i, inputs[j*nn:(j+1)*nn], targets[j*nn:(j+1)*nn])
		if err != nil {
			return err
		}
		nsources[j] = int32(k)
	}
	return nil
}

// verifyShard checks the files of shard sh in dir against the manifest entry and returns what
// reading needs. Errors are *ShardError.
func verifyShard(dir string, spec *dataset.Spec, dtype DType, sh *Shard) (*shardData, error) {
	d := &shardData{}
	n := spec.N
	for k, f := range sh.files() {
		path := filepath.Join(dir, f.Name)
		fail := func(err error) (*shardData, error) { return nil, &ShardError{Shard: sh.Index, Path: path, Err: err} }
		file, err := os.Open(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fail(errors.New("file missing"))
			}
			return fail(err)
		}
		raw, h, err := hashFile(file, f, k == 2)
		file.Close()
		if err != nil {
			return fail(err)
		}
		wantType, wantShape := dtype.npy(), []int{sh.Count, n, n}
		if k == 2 {
			wantType, wantShape = npy.DTypeInt32, []int{sh.Count}
		}
		if h.DType != wantType || !slices.Equal(h.Shape, wantShape) || h.DataOffset+h.DataSize() != f.Bytes {
			return fail(fmt.Errorf("array %s %v (%d bytes), want %s %v", h.DType, h.Shape, f.Bytes, wantType, wantShape))
		}
		if k < 2 {
			d.headers[k] = h
			continue
		}
		a, err := npy.Read(bytes.NewReader(raw))
		if err != nil {
			return fail(err)
		}
		d.nsources = a.Data.([]int32)
		for j, v := range d.nsources {
			if want := spec.NumSources(sh.First + j); int(v) != want {
				return fail(fmt.Errorf("configuration %d has %d sources, the file says %d", sh.First+j, want, v))
			}
		}
	}
	return d, nil
}

// hashFile checks the size and SHA-256 of file against f and parses its .npy header. With keep
// it also returns the file's bytes.
func hashFile(file *os.File, f *FileSum, keep bool) ([]byte, npy.Header, error) {
	st, err := file.Stat()
	if err != nil {
		return nil, npy.Header{}, err
	}
	if st.Size() != f.Bytes {
		return nil, npy.Header{}, fmt.Errorf("size %d bytes, the manifest says %d (truncated or replaced)", st.Size(), f.Bytes)
	}
	sum := sha256.New()
	var kept bytes.Buffer
	w := io.Writer(sum)
	if keep {
		w = io.MultiWriter(sum, &kept)
	}
	br := bufio.NewReaderSize(io.TeeReader(file, w), 1<<20)
	h, herr := npy.ReadHeader(br)
	if _, err := io.Copy(io.Discard, br); err != nil {
		return nil, npy.Header{}, err
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != f.SHA256 {
		return nil, npy.Header{}, fmt.Errorf("%w: sha256 %s, the manifest says %s", ErrChecksum, got, f.SHA256)
	}
	if herr != nil {
		return nil, npy.Header{}, herr
	}
	return kept.Bytes(), h, nil
}
