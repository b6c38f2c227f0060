package training

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/atomicfile"
)

// Checkpoint file format (version 1), one self-contained file per saved state:
//
//	magic    8 bytes  "SGOCKPT\x01"
//	length   8 bytes  little-endian uint64: the length H of the header
//	header   H bytes  JSON: format, version, kind, the run's Config, the run state, and the list
//	                  of variables (scope, name, dtype, shape, bytes) in the order of the data
//	data              the variables' values, one after the other, row-major, in the machine's
//	                  byte order (little-endian on every platform GoMLX runs on)
//	checksum 32 bytes SHA-256 of everything before it
//
// Files are written atomically (package atomicfile) and checked against their checksum when read,
// so a file is either complete and intact or rejected.

const (
	ckptMagic   = "SGOCKPT\x01"
	ckptFormat  = "surrogo-checkpoint"
	ckptVersion = 1
)

// Checkpoint kinds.
const (
	kindEpoch   = "epoch"   // the state after a kept epoch (or after a roll-back to it)
	kindPartial = "partial" // a state in the middle of an epoch
	kindBest    = "best"    // the kept model
)

// Checkpoint file names in RUN/checkpoints.
const (
	checkpointDir = "checkpoints"
	bestFile      = "best.ckpt"
	partialFile   = "partial.ckpt"
)

func epochFile(epoch int) string { return fmt.Sprintf("epoch-%06d.ckpt", epoch) }

// parseEpochFile returns the epoch of an epoch-NNNNNN.ckpt name.
func parseEpochFile(name string) (int, bool) {
	s, ok := strings.CutPrefix(name, "epoch-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".ckpt")
	if !ok {
		return 0, false
	}
	e, err := strconv.Atoi(s)
	return e, err == nil && e >= 0
}

// runState is the state of a run besides the variables: where it is and what it has done.
type runState struct {
	// Seq increases with every checkpoint written; resuming picks the highest.
	Seq int64 `json:"seq"`
	// Epoch is the number of kept epochs completed.
	Epoch int `json:"epoch"`
	// Step is the number of steps done in epoch Epoch+1 (partial checkpoints), and PartialSum,
	// PartialCount and PartialSeconds that epoch's sum of batch losses times batch sizes, its
	// number of examples and its training seconds so far.
	Step           int     `json:"step"`
	PartialSum     float64 `json:"partial_sum"`
	PartialCount   int     `json:"partial_count"`
	PartialSeconds float64 `json:"partial_seconds"`
	// Rollbacks counts roll-backs (it enters the data order and random numbers).
	Rollbacks int `json:"rollbacks"`
	// Triggers[e] counts the roll-backs triggered by epoch index e (1-based).
	Triggers []int `json:"triggers"`
	// Elapsed is the training time so far, in seconds, over all sessions.
	Elapsed float64 `json:"elapsed_s"`
	// History is the run's history so far.
	History History `json:"history"`
}

func (s *runState) clone() runState {
	c := *s
	c.Triggers = slices.Clone(s.Triggers)
	c.History = s.History.clone()
	return c
}

// ckptVar describes one variable of a checkpoint.
type ckptVar struct {
	Scope string `json:"scope"`
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Bytes int64  `json:"bytes"`
}

func (v ckptVar) key() string { return context.JoinScope(v.Scope, v.Name) }

// ckptHeader is the JSON header of a checkpoint file.
type ckptHeader struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	Kind      string    `json:"kind"`
	Config    Config    `json:"config"`
	State     runState  `json:"state"`
	Variables []ckptVar `json:"variables"`
}

// snapshot is a copy on the host of all variables of a context.
type snapshot struct {
	vars []ckptVar
	data [][]byte
}

// errNonFinite reports a variable holding NaN or infinite values.
type errNonFinite struct{ variable string }

func (e errNonFinite) Error() string {
	return fmt.Sprintf("variable %s holds non-finite values", e.variable)
}

// takeSnapshot copies every variable of ctx to the host. It fails with errNonFinite if a
// floating-point variable holds a NaN or an infinity: such a state is never saved.
func takeSnapshot(ctx *context.Context) (*snapshot, error) {
	s := &snapshot{}
	for v := range ctx.IterVariables() {
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("reading variable %s: %w", v.ScopeAndName(), err)
		}
		sh := t.Shape()
		var data []byte
		if err := t.ConstBytes(func(b []byte) { data = slices.Clone(b) }); err != nil {
			return nil, fmt.Errorf("reading variable %s: %w", v.ScopeAndName(), err)
		}
		if !finiteBytes(sh.DType, data) {
			return nil, errNonFinite{v.ScopeAndName()}
		}
		s.vars = append(s.vars, ckptVar{Scope: v.Scope(), Name: v.Name(), DType: sh.DType.String(),
			Shape: slices.Clone(sh.Dimensions), Bytes: int64(len(data))})
		s.data = append(s.data, data)
	}
	return s, nil
}

// finiteBytes reports whether the values of a floating-point dtype (native byte order) are all
// finite; other dtypes are always "finite".
func finiteBytes(dt dtypes.DType, b []byte) bool {
	switch dt {
	case dtypes.Float32:
		for i := 0; i+4 <= len(b); i += 4 {
			if binary.LittleEndian.Uint32(b[i:])&0x7f800000 == 0x7f800000 {
				return false
			}
		}
	case dtypes.Float64:
		for i := 0; i+8 <= len(b); i += 8 {
			if binary.LittleEndian.Uint64(b[i:])&0x7ff0000000000000 == 0x7ff0000000000000 {
				return false
			}
		}
	case dtypes.BFloat16:
		for i := 0; i+2 <= len(b); i += 2 {
			if binary.LittleEndian.Uint16(b[i:])&0x7f80 == 0x7f80 {
				return false
			}
		}
	case dtypes.Float16:
		for i := 0; i+2 <= len(b); i += 2 {
			if binary.LittleEndian.Uint16(b[i:])&0x7c00 == 0x7c00 {
				return false
			}
		}
	}
	return true
}

// restoreMode says how restore treats variables present on one side only.
type restoreMode int

const (
	// restoreAll requires the checkpoint and the context to hold the same variables (training).
	restoreAll restoreMode = iota
	// restoreUsed sets the context's variables from the checkpoint, which may hold more
	// (evaluation: the optimizer's variables are not in the inference graph).
	restoreUsed
)

// restore sets the variables of ctx from the snapshot.
func (s *snapshot) restore(ctx *context.Context, mode restoreMode) error {
	index := make(map[string]int, len(s.vars))
	for i, v := range s.vars {
		index[v.key()] = i
	}
	seen := 0
	for v := range ctx.IterVariables() {
		i, ok := index[v.ScopeAndName()]
		if !ok {
			return fmt.Errorf("the checkpoint has no variable %s (was it written by another model?)", v.ScopeAndName())
		}
		seen++
		cv := s.vars[i]
		dt, err := dtypes.DTypeString(cv.DType)
		if err != nil {
			return fmt.Errorf("variable %s: unknown dtype %q", cv.key(), cv.DType)
		}
		shape := shapes.Make(dt, cv.Shape...)
		if want := v.Shape(); !want.Equal(shape) {
			return fmt.Errorf("variable %s: checkpoint shape %s, model shape %s", cv.key(), shape, want)
		}
		t := tensors.FromShape(shape)
		var n int
		if err := t.MutableBytes(func(b []byte) { n = copy(b, s.data[i]) }); err != nil {
			return fmt.Errorf("variable %s: %w", cv.key(), err)
		}
		if n != len(s.data[i]) || int64(n) != cv.Bytes {
			return fmt.Errorf("variable %s: %d bytes for shape %s", cv.key(), len(s.data[i]), shape)
		}
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("variable %s: %w", cv.key(), err)
		}
	}
	if mode == restoreAll && seen != len(s.vars) {
		var extra []string
		for _, cv := range s.vars {
			if ctx.GetVariableByScopeAndName(cv.Scope, cv.Name) == nil {
				extra = append(extra, cv.key())
			}
		}
		return fmt.Errorf("the checkpoint has variables the model does not: %s", strings.Join(extra, ", "))
	}
	return nil
}

// writeCheckpoint writes a checkpoint file atomically.
func writeCheckpoint(path, kind string, cfg *Config, st *runState, s *snapshot) error {
	header, err := json.Marshal(ckptHeader{Format: ckptFormat, Version: ckptVersion, Kind: kind,
		Config: *cfg, State: *st, Variables: s.vars})
	if err != nil {
		return fmt.Errorf("training: encoding checkpoint header: %w", err)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
	for _, part := range [][]byte{[]byte(ckptMagic), lenBuf[:], header} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	for _, d := range s.data {
		if _, err := w.Write(d); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if _, err := f.Write(h.Sum(nil)); err != nil {
		return err
	}
	return f.Commit()
}

// checkpoint is a checkpoint file read back.
type checkpoint struct {
	path   string
	header ckptHeader
	snap   *snapshot
}

// readCheckpoint reads and verifies a checkpoint file. With headerOnly it reads the header only
// (and cannot verify the checksum).
func readCheckpoint(path string, headerOnly bool) (*checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("training: checkpoint %s: %s", path, fmt.Sprintf(format, args...))
	}
	h := sha256.New()
	r := io.TeeReader(bufio.NewReaderSize(f, 1<<20), h)
	var pre [16]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, bad("truncated (%v)", err)
	}
	if string(pre[:8]) != ckptMagic {
		return nil, bad("not a surrogo checkpoint (bad magic)")
	}
	hlen := binary.LittleEndian.Uint64(pre[8:])
	if hlen > 1<<30 {
		return nil, bad("header length %d is implausible", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, bad("truncated header (%v)", err)
	}
	c := &checkpoint{path: path}
	if err := json.Unmarshal(hdr, &c.header); err != nil {
		return nil, bad("header: %v", err)
	}
	if c.header.Format != ckptFormat || c.header.Version != ckptVersion {
		return nil, bad("format %q version %d, want %q version %d", c.header.Format, c.header.Version,
			ckptFormat, ckptVersion)
	}
	if headerOnly {
		return c, nil
	}
	c.snap = &snapshot{vars: c.header.Variables}
	for _, v := range c.header.Variables {
		if v.Bytes < 0 || v.Bytes > 1<<40 {
			return nil, bad("variable %s: implausible size %d", v.key(), v.Bytes)
		}
		d := make([]byte, v.Bytes)
		if _, err := io.ReadFull(r, d); err != nil {
			return nil, bad("truncated data of variable %s (%v)", v.key(), err)
		}
		c.snap.data = append(c.snap.data, d)
	}
	if err := verifySum(r, h, bad); err != nil {
		return nil, err
	}
	return c, nil
}

// verifySum reads the trailing checksum from r and compares it with h, the hash of everything
// read before it.
func verifySum(r io.Reader, h hash.Hash, bad func(string, ...any) error) error {
	want := h.Sum(nil)
	var got [32]byte
	if _, err := io.ReadFull(r, got[:]); err != nil {
		return bad("truncated checksum (%v)", err)
	}
	if !slices.Equal(got[:], want) {
		return bad("checksum mismatch: the file is corrupt")
	}
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n != 0 {
		return bad("trailing data after the checksum")
	}
	return nil
}

// isFinite reports whether x is neither NaN nor infinite.
func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// checkpointFiles lists the resumable checkpoints of dir (epoch files and the partial file).
func checkpointFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if _, ok := parseEpochFile(e.Name()); ok || e.Name() == partialFile {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

// CheckpointConfig returns the configuration recorded in a checkpoint file of a run (its
// header), after checking the file: the way to recover a run whose config.json is lost or damaged.
func CheckpointConfig(path string) (Config, error) {
	c, err := readCheckpoint(path, false)
	if err != nil {
		return Config{}, err
	}
	cfg := c.header.Config
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("training: %s: %w", path, err)
	}
	return cfg, nil
}
