package datastore

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/progress"
)

// Options configures Generate. The zero value selects the defaults.
type Options struct {
	// ShardSize is the number of configurations per shard (default DefaultShardSize).
	ShardSize int
	// DType is the element type of the stored inputs and targets (default Float32).
	DType DType
	// Targets selects the route and the solver settings.
	Targets TargetOptions
	// Progress, if not nil, receives a progress report (count, rate, ETA; see package
	// progress) and a line for every shard found bad when resuming.
	Progress io.Writer
}

// Result summarizes a call of Generate.
type Result struct {
	// Manifest is the finished cache's manifest (nil if the generation was interrupted).
	Manifest *Manifest
	// Reused is the number of shards found complete and verified, Generated the number
	// computed by this call, and Solved the configurations it solved.
	Reused, Generated, Solved int
	// Elapsed is the wall-clock time of the call.
	Elapsed time.Duration
}

// Test hooks (nil outside tests): called before each shard file is committed, and after each
// shard is recorded in the journal.
var (
	testHookBeforeCommit func(name string)
	testHookShardDone    func(index int)
)

// Generate computes the examples of spec into the cache directory dir (created if needed),
// shard by shard, and writes its manifest. It resumes a partial run with the same arguments
// and repairs a finished one (see the package documentation); a directory holding another
// data set or other settings is an error. When ctx is cancelled it stops after writing the
// shards already computed and returns an error wrapping ctx.Err(); running it again goes on
// from there and produces the same bytes as an uninterrupted run.
func Generate(ctx context.Context, spec dataset.Spec, dir string, opt Options) (*Result, error) {
	start := time.Now()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	sp, err := spec.Split()
	if err != nil {
		return nil, err
	}
	if opt.DType == "" {
		opt.DType = Float32
	}
	if _, err := ParseDType(string(opt.DType)); err != nil {
		return nil, err
	}
	if opt.ShardSize < 0 {
		return nil, fmt.Errorf("shard_size: must be positive, got %d", opt.ShardSize)
	}
	if opt.ShardSize == 0 {
		opt.ShardSize = DefaultShardSize(spec.N, opt.DType)
	}
	gen, err := NewGenerator(spec, opt.Targets)
	if err != nil {
		return nil, err
	}
	defer gen.Close()
	want := newManifest(&spec, sp, gen.Settings(), opt.DType, opt.ShardSize)

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("datastore: %w", err)
	}
	unlock, err := LockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("datastore: %w", err)
	}
	defer unlock()

	kept, complete, err := resumeState(dir, want, opt.Progress)
	if err != nil {
		return nil, err
	}
	res := &Result{Reused: len(kept)}
	if complete && len(kept) == want.NumShards {
		res.Manifest = assemble(want, kept)
		res.Elapsed = time.Since(start)
		return res, nil
	}

	// Record the settings and the verified shards, then go on appending to the journal.
	var journal bytes.Buffer
	journal.Write(want.header())
	journal.WriteByte('\n')
	for _, s := range kept {
		journal.Write(mustJSON(s))
		journal.WriteByte('\n')
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, JournalFile), journal.Bytes(), atomicfile.DefaultPerm); err != nil {
		return nil, fmt.Errorf("datastore: %w", err)
	}
	if complete { // repairing a finished cache: it is not finished until the manifest is rewritten
		if err := os.Remove(filepath.Join(dir, ManifestFile)); err != nil {
			return nil, fmt.Errorf("datastore: %w", err)
		}
	}
	jf, err := os.OpenFile(filepath.Join(dir, JournalFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("datastore: %w", err)
	}
	defer jf.Close()

	have := make(map[int]Shard, len(kept))
	done := 0
	for _, s := range kept {
		have[s.Index] = s
		done += s.Count
	}
	var todo []int
	for i := range want.NumShards {
		if _, ok := have[i]; !ok {
			todo = append(todo, i)
		}
	}
	label := fmt.Sprintf("data %s/%s seed %d", spec.Recipe, spec.Scale, spec.Seed)
	var rep *progress.Reporter
	if opt.Progress != nil {
		rep = progress.New(opt.Progress, label, int64(spec.Len()), progress.Options{Unit: "solves", Initial: int64(done)})
	}
	w := &shardWriter{dir: dir, spec: &spec, m: want, journal: jf}
	genErr := w.run(ctx, gen, todo, rep)
	rep.Done()
	for _, s := range w.written {
		have[s.Index] = s
	}
	res.Generated, res.Solved = len(w.written), w.solved
	res.Elapsed = time.Since(start)
	prov := provenance(start, gen, res, genErr)
	if genErr != nil {
		appendProvenance(dir, prov)
		if errors.Is(genErr, context.Canceled) || errors.Is(genErr, context.DeadlineExceeded) {
			return res, fmt.Errorf("datastore: generation in %s interrupted with %d of %d shards done (run it again to resume): %w",
				dir, len(have), want.NumShards, genErr)
		}
		return res, genErr
	}
	all := make([]Shard, 0, want.NumShards)
	for i := range want.NumShards {
		all = append(all, have[i])
	}
	res.Manifest = assemble(want, all)
	if err := atomicfile.WriteFile(filepath.Join(dir, ManifestFile), res.Manifest.encode(), atomicfile.DefaultPerm); err != nil {
		return res, fmt.Errorf("datastore: %w", err)
	}
	jf.Close()
	if err := os.Remove(filepath.Join(dir, JournalFile)); err != nil {
		return res, fmt.Errorf("datastore: %w", err)
	}
	appendProvenance(dir, prov)
	return res, nil
}

// assemble returns the manifest want with the given shards (in order).
func assemble(want *Manifest, shards []Shard) *Manifest {
	m := *want
	m.Shards = append([]Shard(nil), shards...)
	return &m
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	return b
}

// resumeState reads what dir holds: the verified shards of a finished cache (complete = true)
// or of a journal, after checking that its settings are want's. It removes temporary files
// left by an interrupted run. A directory holding other files and no cache is an error.
func resumeState(dir string, want *Manifest, log io.Writer) (kept []Shard, complete bool, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, false, fmt.Errorf("datastore: %w", err)
	}
	var foreign []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case isLitter(name):
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return nil, false, fmt.Errorf("datastore: removing a temporary file of an interrupted run: %w", err)
			}
		case name == ManifestFile || name == JournalFile || name == ProvenanceFile || isShardFile(name):
		default:
			foreign = append(foreign, name)
		}
	}
	var recorded []Shard
	var got *Manifest
	source := ManifestFile
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	switch {
	case err == nil:
		if got, err = decodeManifest(data); err != nil {
			return nil, false, fmt.Errorf("datastore: %s: %w", filepath.Join(dir, ManifestFile), err)
		}
		recorded, complete = got.Shards, true
		os.Remove(filepath.Join(dir, JournalFile)) // a run killed between writing the manifest and removing the journal
	case errors.Is(err, fs.ErrNotExist):
		source = JournalFile
		got, recorded, err = readJournal(filepath.Join(dir, JournalFile))
		if errors.Is(err, fs.ErrNotExist) {
			if len(foreign) > 0 {
				return nil, false, fmt.Errorf("datastore: %w: %s is not empty and holds no data-set cache (no %s or %s; found %s); use an empty or new directory",
					ErrWrongDir, dir, ManifestFile, JournalFile, strings.Join(foreign[:min(3, len(foreign))], ", "))
			}
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	default:
		return nil, false, fmt.Errorf("datastore: %w", err)
	}
	if d := want.diff(got); d != "" {
		return nil, false, fmt.Errorf("datastore: %w: %s holds %s (in %s); use another directory, or delete this one to regenerate",
			ErrWrongDir, dir, d, source)
	}
	spec := want.Dataset.Spec
	seen := map[int]bool{}
	for _, s := range recorded {
		if s.Index < 0 || s.Index >= want.NumShards || seen[s.Index] {
			continue // not a shard of this cache, or listed twice: regenerate
		}
		if err := want.checkShard(&spec, &s, s.Index); err != nil {
			continue
		}
		if _, err := verifyShard(dir, &spec, want.DType, &s); err != nil {
			if log != nil {
				fmt.Fprintf(log, "%v; regenerating it\n", err)
			}
			complete = false
			continue
		}
		seen[s.Index] = true
		kept = append(kept, s)
	}
	if len(kept) < want.NumShards {
		complete = false
	}
	return kept, complete, nil
}

// readJournal reads the settings and the shard records of a journal. A line that does not parse
// ends it (a write torn by a crash): the shards after it are regenerated.
func readJournal(path string) (*Manifest, []Shard, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return nil, nil, fmt.Errorf("datastore: %s: first line (the settings) incomplete: delete the directory and start again", path)
	}
	m, err := decodeManifest(line)
	if err != nil {
		return nil, nil, fmt.Errorf("datastore: %s: first line (the settings): %w", path, err)
	}
	var shards []Shard
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			break // EOF, or a last line without its newline: torn
		}
		var s Shard
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if dec.Decode(&s) != nil {
			break
		}
		shards = append(shards, s)
	}
	return m, shards, nil
}

// isShardFile reports whether name is a shard file name (shard-NNNNN.{inputs,targets,nsources}.npy).
func isShardFile(name string) bool {
	rest, ok := strings.CutPrefix(name, "shard-")
	if !ok {
		return false
	}
	num, kind, ok := strings.Cut(rest, ".")
	if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
		return false
	}
	return kind == "inputs.npy" || kind == "targets.npy" || kind == "nsources.npy"
}

// isLitter reports whether name is a temporary file that atomicfile leaves when a process is
// killed while writing one of the cache's files.
func isLitter(name string) bool {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return false
	}
	base, _, ok := strings.Cut(rest, ".tmp-")
	return ok && (base == ManifestFile || base == JournalFile || isShardFile(base))
}

// shardWriter computes shards and writes them, one shard computing while the previous one is
// written.
type shardWriter struct {
	dir     string
	spec    *dataset.Spec
	m       *Manifest
	journal *os.File

	written []Shard // shards written, in order
	solved  int     // configurations in them
}

// pending is a computed shard waiting to be written.
type pending struct {
	shard         Shard
	inputs, targs any // []float32 or []npy.Float16
	nsources      []int32
}

func (w *shardWriter) run(ctx context.Context, gen *Generator, todo []int, rep *progress.Reporter) error {
	ch := make(chan *pending, 1)
	var writeErr error
	var writeFailed atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for p := range ch {
			if writeErr != nil || ctx.Err() != nil {
				continue // drain: stop writing as soon as the generation is interrupted
			}
			if err := w.write(p); err != nil {
				writeErr = err
				writeFailed.Store(true)
				continue
			}
			w.written = append(w.written, p.shard)
			w.solved += p.shard.Count
			if testHookShardDone != nil {
				testHookShardDone(p.shard.Index)
			}
		}
	})
	var compErr error
	for _, i := range todo {
		if writeFailed.Load() {
			break
		}
		p, err := w.compute(ctx, gen, i, rep)
		if err != nil {
			compErr = err
			break
		}
		ch <- p
	}
	close(ch)
	wg.Wait()
	if writeErr != nil {
		return writeErr
	}
	if compErr == nil && len(w.written) < len(todo) {
		compErr = ctx.Err() // interrupted while the last shards were waiting to be written
	}
	return compErr
}

// compute solves the configurations of shard i.
func (w *shardWriter) compute(ctx context.Context, gen *Generator, i int, rep *progress.Reporter) (*pending, error) {
	first := i * w.m.ShardSize
	count := min(w.m.ShardSize, w.spec.Len()-first)
	nn := w.spec.N * w.spec.N
	indices := make([]int, count)
	for j := range indices {
		indices[j] = first + j
	}
	p := &pending{shard: Shard{Index: i, First: first, Count: count}, nsources: make([]int32, count)}
	iters := make([]int, count)
	resid := make([]float64, count)
	var emit func(j int, s *sample) error
	if w.m.DType == Float16 {
		in, tg := make([]npy.Float16, count*nn), make([]npy.Float16, count*nn)
		p.inputs, p.targs = in, tg
		emit = func(j int, s *sample) error {
			for c := range nn {
				in[j*nn+c] = npy.FromFloat64(s.input[c])
				tg[j*nn+c] = npy.FromFloat64(s.field[c])
			}
			p.nsources[j], iters[j], resid[j] = int32(s.nsources), s.iterations, s.residual
			rep.Add(1)
			return nil
		}
	} else {
		in, tg := make([]float32, count*nn), make([]float32, count*nn)
		p.inputs, p.targs = in, tg
		emit = func(j int, s *sample) error {
			toFloat32(in[j*nn:(j+1)*nn], s.input)
			toFloat32(tg[j*nn:(j+1)*nn], s.field)
			p.nsources[j], iters[j], resid[j] = int32(s.nsources), s.iterations, s.residual
			rep.Add(1)
			return nil
		}
	}
	if err := gen.compute(ctx, indices, emit); err != nil {
		return nil, err
	}
	for j := range count {
		p.shard.MaxIterations = max(p.shard.MaxIterations, iters[j])
		p.shard.MaxResidual = max(p.shard.MaxResidual, resid[j])
	}
	return p, nil
}

// write writes a computed shard's files and records it in the journal.
func (w *shardWriter) write(p *pending) error {
	names := shardFileNames(p.shard.Index)
	n, count := w.spec.N, p.shard.Count
	data := []struct {
		shape []int
		data  any
	}{{[]int{count, n, n}, p.inputs}, {[]int{count, n, n}, p.targs}, {[]int{count}, p.nsources}}
	for k, f := range p.shard.files() {
		sum, err := writeNPY(filepath.Join(w.dir, names[k]), data[k].shape, data[k].data)
		if err != nil {
			return fmt.Errorf("datastore: shard %d: %w", p.shard.Index, err)
		}
		*f = sum
	}
	line := append(mustJSON(p.shard), '\n')
	if _, err := w.journal.Write(line); err != nil {
		return fmt.Errorf("datastore: %w", err)
	}
	if err := w.journal.Sync(); err != nil {
		return fmt.Errorf("datastore: %w", err)
	}
	return nil
}

// countingHash is a SHA-256 that also counts the bytes.
type countingHash struct {
	h hash.Hash
	n int64
}

// Write hashes and counts p.
func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

// writeNPY writes a .npy file atomically and returns its size and SHA-256.
func writeNPY(path string, shape []int, data any) (FileSum, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return FileSum{}, err
	}
	defer f.Abort()
	sum := &countingHash{h: sha256.New()}
	bw := bufio.NewWriterSize(io.MultiWriter(f, sum), 1<<20)
	if err := npy.Write(bw, shape, data); err != nil {
		return FileSum{}, err
	}
	if err := bw.Flush(); err != nil {
		return FileSum{}, err
	}
	if testHookBeforeCommit != nil {
		testHookBeforeCommit(filepath.Base(path))
	}
	if err := f.Commit(); err != nil {
		return FileSum{}, err
	}
	return FileSum{Name: filepath.Base(path), Bytes: sum.n, SHA256: hex.EncodeToString(sum.h.Sum(nil))}, nil
}

// Provenance is one line of provenance.jsonl: where, when and how fast a generation session ran.
type Provenance struct {
	Started     time.Time `json:"started"`
	ElapsedS    float64   `json:"elapsed_s"`
	Host        string    `json:"host"`
	GoVersion   string    `json:"go_version"`
	OS          string    `json:"os"`
	Arch        string    `json:"arch"`
	CPUs        int       `json:"cpus"`
	Route       Route     `json:"route"`
	Workers     int       `json:"workers,omitempty"`
	Backend     string    `json:"backend,omitempty"` // the batched route's backend and devices
	Reused      int       `json:"shards_reused"`
	Generated   int       `json:"shards_generated"`
	Solved      int       `json:"configurations_solved"`
	SolvesPerS  float64   `json:"solves_per_s"`
	Interrupted bool      `json:"interrupted,omitempty"`
	Error       string    `json:"error,omitempty"`
}

func provenance(start time.Time, gen *Generator, res *Result, err error) Provenance {
	host, _ := os.Hostname()
	p := Provenance{
		Started: start.UTC().Truncate(time.Second), ElapsedS: res.Elapsed.Seconds(), Host: host,
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(),
		Route: gen.opt.Route, Reused: res.Reused, Generated: res.Generated, Solved: res.Solved,
	}
	if gen.opt.Route == RouteCPU {
		p.Workers = gen.opt.Workers
	} else if gen.opt.Backend != nil {
		p.Backend = backend.Describe(gen.opt.Backend).String()
	}
	if s := res.Elapsed.Seconds(); s > 0 {
		p.SolvesPerS = float64(res.Solved) / s
	}
	if err != nil {
		p.Interrupted = errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
		p.Error = err.Error()
	}
	return p
}

// appendProvenance adds p to the directory's provenance log. The log is informational: a
// failure to write it is ignored.
func appendProvenance(dir string, p Provenance) {
	f, err := os.OpenFile(filepath.Join(dir, ProvenanceFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	f.Write(append(mustJSON(p), '\n'))
}
