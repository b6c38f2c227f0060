package datastore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/npy"
)

// The helper process of TestResumeAfterKill: it generates into $SURROGO_DATASTORE_HELPER_DIR
// and, just before committing the targets file of shard 2, creates the marker file and waits
// to be killed.
const (
	helperDirEnv    = "SURROGO_DATASTORE_HELPER_DIR"
	helperMarkerEnv = "SURROGO_DATASTORE_HELPER_MARKER"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperDirEnv); dir != "" {
		testHookBeforeCommit = func(name string) {
			if name == "shard-00002.targets.npy" {
				if err := os.WriteFile(os.Getenv(helperMarkerEnv), nil, 0o644); err != nil {
					os.Exit(3)
				}
				time.Sleep(time.Hour) // killed here, in the middle of writing the shard
			}
		}
		if _, err := Generate(context.Background(), testSpec(nil, 1), dir, testOptions()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testSpec is the 2023 recipe at scale smoke: N = 32, 200 configurations with 1 to 20 sources.
func testSpec(t testing.TB, seed uint64) dataset.Spec {
	s, err := dataset.New(dataset.Recipe2023, dataset.ScaleSmoke, seed)
	if err != nil {
		if t == nil {
			panic(err)
		}
		t.Fatal(err)
	}
	return s
}

// testOptions makes 5 shards of 48, 48, 48, 48 and 8 configurations.
func testOptions() Options { return Options{ShardSize: 48, Targets: TargetOptions{Workers: 2}} }

var (
	refOnce sync.Once
	refDir  string
	refErr  error
)

// reference returns the directory of an uninterrupted generation of testSpec(1), made once.
func reference(t *testing.T) string {
	t.Helper()
	refOnce.Do(func() {
		refDir, refErr = os.MkdirTemp("", "datastore-ref-")
		if refErr == nil {
			_, refErr = Generate(context.Background(), testSpec(t, 1), refDir, testOptions())
		}
	})
	if refErr != nil {
		t.Fatal(refErr)
	}
	return refDir
}

// files returns the contents of the files of a cache directory, provenance left out.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.Name() == ProvenanceFile {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// sameFiles fails unless dir holds exactly the files of want, byte for byte.
func sameFiles(t *testing.T, dir, want string) {
	t.Helper()
	got, ref := files(t, dir), files(t, want)
	names := func(m map[string][]byte) []string {
		var s []string
		for k := range m {
			s = append(s, k)
		}
		slices.Sort(s)
		return s
	}
	if !slices.Equal(names(got), names(ref)) {
		t.Fatalf("%s holds %v, want %v", dir, names(got), names(ref))
	}
	for name, b := range ref {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s differs from the uninterrupted run's", name)
		}
	}
}

func TestLayoutAndManifest(t *testing.T) {
	dir := reference(t)
	want := []string{ManifestFile, ProvenanceFile}
	for i := range 5 {
		n := shardFileNames(i)
		want = append(want, n[:]...)
	}
	slices.Sort(want)
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := st.Manifest()
	spec := testSpec(t, 1)
	if m.Dataset.ID != spec.ID() || m.Recipe != "2023" || m.Scale != "smoke" || m.Seed != 1 {
		t.Errorf("manifest data set %s %s/%s seed %d", m.Dataset.ID, m.Recipe, m.Scale, m.Seed)
	}
	if m.Targets.Route != RouteCPU || m.Targets.Method != "multigrid" || m.Targets.Tol != DefaultTol ||
		m.Targets.Model != "relaxation" || !m.Targets.Normalize || m.Targets.Backend != "" {
		t.Errorf("target settings %+v", m.Targets)
	}
	if m.DType != Float32 || m.ShardSize != 48 || m.NumShards != 5 || len(m.Shards) != 5 || m.Shards[4].Count != 8 {
		t.Errorf("dtype %s, shard size %d, %d shards", m.DType, m.ShardSize, m.NumShards)
	}
	c := m.Counts
	if c.Configurations != 200 || c.Train != 160 || c.Test != 40 || len(c.BySources) != 20 ||
		c.BySources[19] != (SourceCount{Sources: 20, Total: 10, Train: 8, Test: 2}) {
		t.Errorf("counts %+v", c)
	}
	if len(c.Subsets) != 14 || c.Subsets[0].Name != "train/80" || c.Subsets[0].Total != 20 || c.Subsets[6].Name != "train/1" || c.Subsets[6].Total != 160 {
		t.Errorf("subsets %+v", c.Subsets)
	}
	for _, s := range m.Shards {
		if s.MaxResidual > DefaultTol || s.MaxIterations < 1 {
			t.Errorf("shard %d: max residual %g, max iterations %d", s.Index, s.MaxResidual, s.MaxIterations)
		}
	}
	// The arrays are what numpy.load reads: shapes, dtypes and numbers of sources.
	a, err := npy.ReadFile(filepath.Join(dir, "shard-00004.targets.npy"))
	if err != nil || a.DType != npy.DTypeFloat32 || !slices.Equal(a.Shape, []int{8, 32, 32}) {
		t.Fatalf("targets of shard 4: %v, %v", a, err)
	}
	ns, err := npy.ReadFile(filepath.Join(dir, "shard-00001.nsources.npy"))
	if err != nil || ns.DType != npy.DTypeInt32 || !slices.Equal(ns.Shape, []int{48}) {
		t.Fatalf("nsources of shard 1: %v, %v", ns, err)
	}
	for j, v := range ns.Data.([]int32) {
		if int(v) != spec.NumSources(48+j) {
			t.Fatalf("nsources[%d] = %d, want %d", j, v, spec.NumSources(48+j))
		}
	}
	// The manifest contains no time: its bytes are its encoding of the settings and sums.
	data, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	if !bytes.Equal(data, m.encode()) || bytes.Contains(data, []byte("2026")) {
		t.Error("manifest.json is not the deterministic encoding of the manifest")
	}
	var prov Provenance
	line, _ := os.ReadFile(filepath.Join(dir, ProvenanceFile))
	if err := json.Unmarshal(bytes.TrimSpace(line), &prov); err != nil || prov.Solved != 200 || prov.Generated != 5 {
		t.Errorf("provenance %q: %+v, %v", line, prov, err)
	}
}

func TestDeterminism(t *testing.T) {
	ref := reference(t)
	// Same seed, one worker instead of two: the same bytes.
	dir := t.TempDir()
	opt := testOptions()
	opt.Targets.Workers = 1
	if _, err := Generate(context.Background(), testSpec(t, 1), dir, opt); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, dir, ref)
	// Another seed: other configurations, so other inputs and targets in every shard.
	other := t.TempDir()
	if _, err := Generate(context.Background(), testSpec(t, 2), other, testOptions()); err != nil {
		t.Fatal(err)
	}
	a, b := files(t, ref), files(t, other)
	for name := range a {
		if strings.HasSuffix(name, ".nsources.npy") {
			continue // source counts follow the index, whatever the seed
		}
		if bytes.Equal(a[name], b[name]) {
			t.Errorf("%s is the same for seeds 1 and 2", name)
		}
	}
}

func TestResumeAfterCancel(t *testing.T) {
	ref := reference(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	testHookShardDone = func(i int) {
		if i == 1 {
			cancel()
		}
	}
	res, err := Generate(ctx, testSpec(t, 1), dir, testOptions())
	testHookShardDone = nil
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "resume") {
		t.Fatalf("interrupted generation: %v, want an error wrapping context.Canceled that says how to resume", err)
	}
	if res.Generated != 2 || res.Manifest != nil {
		t.Fatalf("interrupted after shard 1: %d shards written, manifest %v", res.Generated, res.Manifest != nil)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "unfinished") {
		t.Fatalf("Open of an unfinished cache: %v", err)
	}
	res, err = Generate(context.Background(), testSpec(t, 1), dir, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res.Reused != 2 || res.Generated != 3 {
		t.Errorf("resumed: %d shards reused, %d generated", res.Reused, res.Generated)
	}
	sameFiles(t, dir, ref)
	// Once finished, running it again verifies and changes nothing.
	res, err = Generate(context.Background(), testSpec(t, 1), dir, testOptions())
	if err != nil || res.Reused != 5 || res.Generated != 0 {
		t.Fatalf("finished cache: %+v, %v", res, err)
	}
	sameFiles(t, dir, ref)
}

// TestResumeAfterKill kills a generating process (SIGKILL) while it writes a shard, then
// resumes: the result must be the uninterrupted run's, byte for byte.
func TestResumeAfterKill(t *testing.T) {
	ref := reference(t)
	dir := t.TempDir()
	marker := filepath.Join(t.TempDir(), "writing")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir, helperMarkerEnv+"="+marker)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(50 * time.Second)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the helper never reached shard 2 (stderr: %s)", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the helper exited normally; it should have been killed")
	}
	// What the kill left: shards 0 and 1, shard 2's inputs, its half-written targets in a
	// temporary file, and the journal.
	entries, _ := os.ReadDir(dir)
	var litter []string
	for _, e := range entries {
		if isLitter(e.Name()) {
			litter = append(litter, e.Name())
		}
	}
	if len(litter) != 1 || !strings.HasPrefix(litter[0], ".shard-00002.targets.npy.tmp-") {
		t.Errorf("temporary files left by the kill: %v", litter)
	}
	if _, err := os.Stat(filepath.Join(dir, "shard-00002.inputs.npy")); err != nil {
		t.Errorf("shard 2's inputs were committed before the kill: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a manifest exists after the kill: %v", err)
	}
	res, err := Generate(context.Background(), testSpec(t, 1), dir, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res.Reused != 2 || res.Generated != 3 {
		t.Errorf("resumed: %d shards reused, %d generated; want 2 and 3", res.Reused, res.Generated)
	}
	sameFiles(t, dir, ref)
}

// TestTornJournal resumes from a journal whose last line was cut by a crash.
func TestTornJournal(t *testing.T) {
	ref := reference(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	testHookShardDone = func(i int) {
		if i == 2 {
			cancel()
		}
	}
	_, err := Generate(ctx, testSpec(t, 1), dir, testOptions())
	testHookShardDone = nil
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	// Cut the last line in half, as a crash during the append would.
	path := filepath.Join(dir, JournalFile)
	data, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(data, []byte("\n"))
	last := lines[len(lines)-2]
	torn := append(bytes.Join(lines[:len(lines)-2], nil), last[:len(last)/2]...)
	if err := os.WriteFile(path, torn, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), testSpec(t, 1), dir, testOptions()); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, dir, ref)
}

// copyDir copies the regular files of src into a new temporary directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	for name, b := range files(t, src) {
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func TestCorruptShards(t *testing.T) {
	ref := reference(t)
	for _, tc := range []struct {
		name   string
		file   string
		damage func(path string) error
		want   string
	}{
		{"flipped byte", "shard-00002.targets.npy", func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 0x10
			return os.WriteFile(p, b, 0o644)
		}, "checksum mismatch"},
		{"flipped header byte", "shard-00000.inputs.npy", func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[20] ^= 0x01
			return os.WriteFile(p, b, 0o644)
		}, "checksum mismatch"},
		{"truncated", "shard-00001.inputs.npy", func(p string) error {
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.Truncate(p, st.Size()-100)
		}, "truncated"},
		{"deleted", "shard-00003.nsources.npy", os.Remove, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, ref)
			path := filepath.Join(dir, tc.file)
			if err := tc.damage(path); err != nil {
				t.Fatal(err)
			}
			st, err := Open(dir)
			if err != nil {
				t.Fatal(err) // the manifest is fine: shards are checked when used
			}
			shard := int(tc.file[len("shard-0000")] - '0')
			err = st.Verify()
			var se *ShardError
			if err == nil || !errors.As(err, &se) || se.Shard != shard || se.Path != path ||
				!strings.Contains(err.Error(), tc.file) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Verify: %v; want a ShardError naming %s (%s)", err, tc.file, tc.want)
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Errorf("Verify reported %d bad shards, want 1: %v", n, err)
			}
			// Reading from the bad shard fails, every time; reading elsewhere works.
			in, tg := make([]float32, 32*32), make([]float32, 32*32)
			for range 2 {
				if _, err := st.Sample(shard*48+3, in, tg); err == nil || !strings.Contains(err.Error(), tc.file) {
					t.Fatalf("Sample from the bad shard: %v", err)
				}
			}
			good := (shard + 1) % 5
			if _, err := st.Sample(good*48, in, tg); err != nil {
				t.Fatalf("Sample from a good shard: %v", err)
			}
			// Generate repairs the cache: only the bad shard is computed again.
			var log bytes.Buffer
			opt := testOptions()
			opt.Progress = &log
			res, err := Generate(context.Background(), testSpec(t, 1), dir, opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Reused != 4 || res.Generated != 1 || !strings.Contains(log.String(), tc.file) {
				t.Errorf("repair: %d reused, %d generated, log %q", res.Reused, res.Generated, log.String())
			}
			sameFiles(t, dir, ref)
		})
	}
}

func TestManifestChecks(t *testing.T) {
	ref := reference(t)
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"other format", func(m map[string]any) { m["format"] = "npz" }, "format"},
		{"other version", func(m map[string]any) { m["version"] = 99 }, "version"},
		{"unknown field", func(m map[string]any) { m["extra"] = 1 }, "unknown field"},
		{"bad id", func(m map[string]any) { m["dataset"].(map[string]any)["id"] = "0123456789abcdef" }, "dataset.id"},
		{"missing shard", func(m map[string]any) { m["shards"] = m["shards"].([]any)[:4] }, "shards"},
		{"escaping file name", func(m map[string]any) {
			m["shards"].([]any)[1].(map[string]any)["inputs"].(map[string]any)["name"] = "../shard-00001.inputs.npy"
		}, "shards[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, ref)
			path := filepath.Join(dir, ManifestFile)
			data, _ := os.ReadFile(path)
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			tc.edit(m)
			data, _ = json.Marshal(m)
			os.WriteFile(path, data, 0o644)
			if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ManifestFile) {
				t.Errorf("Open: %v; want an error about %q naming %s", err, tc.want, ManifestFile)
			}
		})
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Open of an empty directory: %v", err)
	}
}

func TestRefusesOtherData(t *testing.T) {
	ref := reference(t)
	for _, tc := range []struct {
		name string
		spec dataset.Spec
		opt  func(*Options)
		want string
	}{
		{"other seed", testSpec(t, 2), nil, "data set"},
		{"other shard size", testSpec(t, 1), func(o *Options) { o.ShardSize = 50 }, "shard size"},
		{"other dtype", testSpec(t, 1), func(o *Options) { o.DType = Float16 }, "dtype"},
		{"other tolerance", testSpec(t, 1), func(o *Options) { o.Targets.Tol = 1e-6 }, "targets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, ref)
			opt := testOptions()
			if tc.opt != nil {
				tc.opt(&opt)
			}
			if _, err := Generate(context.Background(), tc.spec, dir, opt); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Generate over another cache: %v; want an error about the %s", err, tc.want)
			}
			sameFiles(t, dir, ref) // untouched
		})
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if _, err := Generate(context.Background(), testSpec(t, 1), dir, testOptions()); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Generate into a foreign directory: %v", err)
	}
}

func TestFloat16(t *testing.T) {
	dir := t.TempDir()
	opt := testOptions()
	opt.DType = Float16
	if _, err := Generate(context.Background(), testSpec(t, 1), dir, opt); err != nil {
		t.Fatal(err)
	}
	half, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Open(reference(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := half.Verify(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(filepath.Join(dir, "shard-00000.targets.npy"))
	if st.Size() > 48*32*32*2+128 {
		t.Errorf("float16 targets take %d bytes", st.Size())
	}
	nn := 32 * 32
	a, b := make([]float32, 2*nn), make([]float32, 2*nn)
	for _, i := range []int{0, 77, 199} {
		k1, err1 := half.Sample(i, a[:nn], a[nn:])
		k2, err2 := full.Sample(i, b[:nn], b[nn:])
		if err1 != nil || err2 != nil || k1 != k2 {
			t.Fatalf("configuration %d: %v, %v, sources %d, %d", i, err1, err2, k1, k2)
		}
		for c := range a {
			if d := math.Abs(float64(a[c] - b[c])); d > 4.9e-4*math.Abs(float64(b[c]))+6e-8 {
				t.Fatalf("configuration %d value %d: float16 %g, float32 %g", i, c, a[c], b[c])
			}
		}
	}
}

// TestGeneratorMatchesStore checks that examples computed on the fly equal those of a float32
// cache made with the same options, bit for bit.
func TestGeneratorMatchesStore(t *testing.T) {
	st, err := Open(reference(t))
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGenerator(testSpec(t, 1), TargetOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if g.Settings() != st.Manifest().Targets {
		t.Errorf("settings %+v, cache's %+v", g.Settings(), st.Manifest().Targets)
	}
	idx := []int{199, 0, 48, 100, 101, 7}
	nn := 32 * 32
	in1, tg1, ns1 := make([]float32, len(idx)*nn), make([]float32, len(idx)*nn), make([]int32, len(idx))
	in2, tg2, ns2 := make([]float32, len(idx)*nn), make([]float32, len(idx)*nn), make([]int32, len(idx))
	if err := g.Fill(idx, in1, tg1, ns1); err != nil {
		t.Fatal(err)
	}
	if err := st.Fill(idx, in2, tg2, ns2); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in1, in2) || !slices.Equal(tg1, tg2) || !slices.Equal(ns1, ns2) {
		t.Error("on-the-fly examples differ from the cached ones")
	}
	for _, bad := range [][]int{{-1}, {200}} {
		if err := g.Fill(bad, make([]float32, nn), make([]float32, nn), make([]int32, 1)); err == nil {
			t.Errorf("Fill(%v): want an out-of-range error", bad)
		}
	}
	if err := st.Fill(idx, in1[:nn], tg1, ns1); err == nil {
		t.Error("Fill with a short inputs slice: want an error")
	}
}

// TestBatchedRoute generates with the batched solver on the pure-Go backend: inputs equal the
// CPU route's and targets agree within float32 rounding; the manifest records the route.
func TestBatchedRoute(t *testing.T) {
	spec, err := dataset.Custom(5, 32, 5, 1, 6, 4) // 24 configurations
	if err != nil {
		t.Fatal(err)
	}
	be, err := backend.NewWithConfig("go") // the extended pure-Go backend (ops run sequentially)
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	cpuDir, batDir := t.TempDir(), t.TempDir()
	if _, err := Generate(context.Background(), spec, cpuDir, Options{ShardSize: 10}); err != nil {
		t.Fatal(err)
	}
	res, err := Generate(context.Background(), spec, batDir, Options{ShardSize: 10, Targets: TargetOptions{Route: RouteBatched, Backend: be, Batch: 4}})
	if err != nil {
		t.Fatal(err)
	}
	ts := res.Manifest.Targets
	if ts.Route != RouteBatched || ts.Solver != batchedSolverName || ts.Backend == "" || ts.Batch != 4 || ts.Precision != "float64" {
		t.Errorf("batched settings %+v", ts)
	}
	cpu, _ := Open(cpuDir)
	bat, _ := Open(batDir)
	nn := 32 * 32
	a, b := make([]float32, 2*nn), make([]float32, 2*nn)
	worst := 0.0
	for i := range spec.Len() {
		if _, err := cpu.Sample(i, a[:nn], a[nn:]); err != nil {
			t.Fatal(err)
		}
		if _, err := bat.Sample(i, b[:nn], b[nn:]); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a[:nn], b[:nn]) {
			t.Fatalf("configuration %d: inputs differ between routes", i)
		}
		for c := nn; c < 2*nn; c++ {
			worst = max(worst, math.Abs(float64(a[c]-b[c])))
		}
	}
	// Both fields are within ~1e-9 of the exact one: they may differ by one float32 rounding.
	if worst > 1.2e-7 {
		t.Errorf("batched and CPU targets differ by up to %.3g", worst)
	}
	t.Logf("largest difference between batched and CPU targets: %.3g", worst)
	// On the fly with the batched route, in other batches, gives the cached examples.
	g, err := NewGenerator(spec, TargetOptions{Route: RouteBatched, Backend: be, Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	idx := []int{23, 5, 11}
	in, tg, ns := make([]float32, 3*nn), make([]float32, 3*nn), make([]int32, 3)
	if err := g.Fill(idx, in, tg, ns); err != nil {
		t.Fatal(err)
	}
	for j, i := range idx {
		if _, err := bat.Sample(i, b[:nn], b[nn:]); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(in[j*nn:(j+1)*nn], b[:nn]) || !slices.Equal(tg[j*nn:(j+1)*nn], b[nn:]) {
			t.Errorf("configuration %d: batched on the fly differs from the batched cache", i)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	spec := testSpec(t, 1)
	for _, tc := range []struct {
		opt  Options
		want string
	}{
		{Options{DType: "int8"}, "dtype"},
		{Options{ShardSize: -1}, "shard_size"},
		{Options{Targets: TargetOptions{Route: "gpu"}}, "route"},
		{Options{Targets: TargetOptions{Tol: 2}}, "tol"},
		{Options{Targets: TargetOptions{Method: "spectral"}}, "method"},
		{Options{Targets: TargetOptions{Route: RouteBatched, Method: "jacobi-cg"}}, "method"},
		{Options{Targets: TargetOptions{Workers: -2}}, "workers"},
	} {
		dir := t.TempDir()
		if _, err := Generate(context.Background(), spec, dir, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want an error about %s", tc.opt, err, tc.want)
		}
	}
	bad := spec
	bad.N = 3
	if _, err := Generate(context.Background(), bad, t.TempDir(), Options{}); err == nil {
		t.Error("invalid spec: want an error")
	}
}

func TestDefaultShardSize(t *testing.T) {
	for _, tc := range []struct {
		n     int
		dtype DType
		want  int
	}{{32, Float32, 4096}, {64, Float32, 4096}, {256, Float32, 256}, {512, Float32, 64}, {512, Float16, 128}, {100, Float32, 1677}} {
		if got := DefaultShardSize(tc.n, tc.dtype); got != tc.want {
			t.Errorf("DefaultShardSize(%d, %s) = %d, want %d", tc.n, tc.dtype, got, tc.want)
		}
	}
}

func TestFileNames(t *testing.T) {
	for name, want := range map[string][2]bool{
		"shard-00003.inputs.npy":           {true, false},
		"shard-123456.nsources.npy":        {true, false},
		"shard-x.inputs.npy":               {false, false},
		"shard-00001.inputs.npz":           {false, false},
		".shard-00002.targets.npy.tmp-123": {false, true},
		".manifest.json.tmp-9":             {false, true},
		".journal.jsonl.tmp-1":             {false, true},
		".notes.txt.tmp-1":                 {false, false},
		"manifest.json":                    {false, false},
	} {
		if got := [2]bool{isShardFile(name), isLitter(name)}; got != want {
			t.Errorf("%s: shard file %v, litter %v; want %v", name, got[0], got[1], want)
		}
	}
}

// TestConcurrentReads reads every configuration from several goroutines at once on a fresh
// Store (each shard is verified once, by whichever goroutine comes first).
func TestConcurrentReads(t *testing.T) {
	ref := reference(t)
	one, err := Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	nn := 32 * 32
	want := make([]float32, 200*nn)
	for i := range 200 {
		if _, err := one.Sample(i, make([]float32, nn), want[i*nn:(i+1)*nn]); err != nil {
			t.Fatal(err)
		}
	}
	st, err := Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			in, tg := make([]float32, nn), make([]float32, nn)
			for k := range 200 {
				i := (k*7 + w*50) % 200
				if _, err := st.Sample(i, in, tg); err != nil {
					errs <- err
					return
				}
				if !slices.Equal(tg, want[i*nn:(i+1)*nn]) {
					errs <- fmt.Errorf("configuration %d read differently", i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
