// Package loader feeds the examples of a data set to training and evaluation in batches: it
// implements GoMLX's train.Dataset, and Next gives the same batches on the host.
//
// A Loader walks a list of configuration indices (a dataset.Subset, e.g. "train/80" or "test")
// of a Source: a finished cache (*datastore.Store) or examples computed on the fly
// (*datastore.Generator, with the CPU or the batched solver). Each batch holds
//
//	inputs    [B, N, N, 1] float32   input images (disk values, normalized by their maximum)
//	targets   [B, N, N, 1] float32   target fields
//	nsources  [B] int32              number of sources of each example (for the metrics of the
//	                                 2023 paper, which are per number of sources)
//
// and Yield returns them as inputs = [images] and labels = [targets, nsources] by default
// (Options.NSources): GoMLX passes every label to the loss and metric functions, so metrics
// see the number of sources, while the model sees only the images. The losses of package
// loss use labels[0] only; GoMLX's stock losses treat extra labels as weights or masks and
// would reject the int32 one, so use NSourcesNone (or NSourcesInput) with them.
//
// # Epochs and shuffling
//
// An epoch visits every index of the list once. With Options.Shuffle, epoch e visits them in
// a random order drawn from (Options.Seed, e) alone: a ChaCha8 stream keyed by the SHA-256 of
// "surrogo/loader/v1", the seed and the epoch, and a Fisher-Yates shuffle with unbiased
// integers, so the order is the same on every machine and Go release, and a run resumed at
// epoch e (SetEpoch) sees the batches it would have seen. Without shuffling the order is the
// list's. The loader starts at epoch 0; at the end of an epoch Yield returns io.EOF and
// Reset starts the next epoch (as GoMLX's train.Loop.RunEpochs expects); with Options.Loop
// the loader goes on into the next epoch by itself and never returns io.EOF (for
// Loop.RunSteps). The last batch of an epoch is smaller unless Options.DropRemainder drops it.
//
// # Prefetch
//
// A background goroutine prepares the next Options.Prefetch batches while the caller trains
// on the current one. It stops at the end of the epoch, on Reset, SetEpoch and Close, and on
// the first error, which the next call of Next or Yield returns. Close waits for it: a
// closed loader leaves no goroutine behind.
package loader

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/surrogo/surrogo/pkg/rng"
)

// Source provides examples by configuration index. *datastore.Store (a cache) and
// *datastore.Generator (computed on the fly) implement it.
type Source interface {
	// N returns the lattice side.
	N() int
	// Len returns the number of configurations: valid indices are 0 to Len()-1.
	Len() int
	// Fill writes the examples of indices into inputs and targets (len(indices) x N*N values
	// each, row-major, one example after the other) and their numbers of sources into nsources.
	Fill(indices []int, inputs, targets []float32, nsources []int32) error
}

// Placement says where Yield puts the numbers of sources.
type Placement int

const (
	// NSourcesLabel (the default): labels = [targets, nsources], inputs = [images].
	NSourcesLabel Placement = iota
	// NSourcesInput: inputs = [images, nsources], labels = [targets].
	NSourcesInput
	// NSourcesNone: inputs = [images], labels = [targets] (for GoMLX's stock losses).
	NSourcesNone
)

// DefaultPrefetch is the number of batches prepared ahead unless Options.Prefetch says otherwise.
const DefaultPrefetch = 2

// Options configures a Loader.
type Options struct {
	// Name identifies the loader in GoMLX's logs and plots (default "surrogo").
	Name string
	// BatchSize is the number of examples per batch (required, at least 1).
	BatchSize int
	// Shuffle visits the indices in a new random order every epoch, drawn from Seed and the
	// epoch number.
	Shuffle bool
	// Seed is the seed of the shuffling (for example the training seed).
	Seed uint64
	// DropRemainder leaves out the last batch of an epoch when it is smaller than BatchSize,
	// so that every batch has the same shape (one compiled graph).
	DropRemainder bool
	// Loop makes the loader go on into the next epoch at the end of one instead of returning
	// io.EOF.
	Loop bool
	// Prefetch is the number of batches prepared ahead by the background goroutine (default
	// DefaultPrefetch; at least 1).
	Prefetch int
	// NSources says where Yield puts the numbers of sources (default NSourcesLabel).
	NSources Placement
	// Transform, if not nil, is applied to every batch in the background goroutine before it is
	// returned (for example noise on the targets); an error stops the loader.
	Transform func(b *Batch) error
}

// Batch is one batch on the host.
type Batch struct {
	Epoch    int       // the epoch it belongs to
	Indices  []int     // configuration indices of its examples
	N        int       // lattice side
	Inputs   []float32 // len(Indices) x N x N input images, row-major, one after the other
	Targets  []float32 // len(Indices) x N x N target fields
	NSources []int32   // number of sources of each example
}

// Size returns the number of examples of the batch.
func (b *Batch) Size() int { return len(b.Indices) }

// Input returns the input image of example j (N*N values, a view into Inputs).
func (b *Batch) Input(j int) []float32 { nn := b.N * b.N; return b.Inputs[j*nn : (j+1)*nn] }

// Target returns the target field of example j (N*N values, a view into Targets).
func (b *Batch) Target(j int) []float32 { nn := b.N * b.N; return b.Targets[j*nn : (j+1)*nn] }

// ErrClosed is returned by Next and Yield after Close.
var ErrClosed = errors.New("loader: closed")

// Loader yields the batches of a list of configurations of a Source. Create it with New. Its
// methods may be called from one goroutine at a time (GoMLX's training loop does).
type Loader struct {
	src     Source
	indices []int
	opt     Options

	epoch  int   // epoch of the next batch to return
	pos    int   // position in the epoch of the next batch to return, in examples
	err    error // sticky error from the producer, until Reset or SetEpoch
	closed bool  // set by Close
	run    *producer
}

// producer is the background goroutine preparing batches from a starting point.
type producer struct {
	out  chan item
	stop chan struct{}
	done sync.WaitGroup
}

type item struct {
	b   *Batch
	err error
}

// New returns a loader over the configurations indices of src (each in [0, src.Len()); an
// index may appear more than once). Nothing is read until the first batch is asked for.
func New(src Source, indices []int, opt Options) (*Loader, error) {
	if src == nil {
		return nil, errors.New("loader: nil source")
	}
	if opt.BatchSize < 1 {
		return nil, fmt.Errorf("loader: BatchSize must be at least 1, got %d", opt.BatchSize)
	}
	if len(indices) == 0 {
		return nil, errors.New("loader: no configurations to load (empty index list)")
	}
	if opt.DropRemainder && len(indices) < opt.BatchSize {
		return nil, fmt.Errorf("loader: %d configurations make no full batch of %d (DropRemainder is set)", len(indices), opt.BatchSize)
	}
	for _, i := range indices {
		if i < 0 || i >= src.Len() {
			return nil, fmt.Errorf("loader: configuration %d out of range [0, %d)", i, src.Len())
		}
	}
	if opt.Prefetch < 0 {
		return nil, fmt.Errorf("loader: Prefetch must be non-negative, got %d", opt.Prefetch)
	}
	if opt.Prefetch == 0 {
		opt.Prefetch = DefaultPrefetch
	}
	if opt.NSources < NSourcesLabel || opt.NSources > NSourcesNone {
		return nil, fmt.Errorf("loader: unknown NSources placement %d", opt.NSources)
	}
	if opt.Name == "" {
		opt.Name = "surrogo"
	}
	return &Loader{src: src, indices: slices.Clone(indices), opt: opt}, nil
}

// Name returns Options.Name; it implements train.Dataset.
func (l *Loader) Name() string { return l.opt.Name }

// Len returns the number of examples per epoch (after DropRemainder).
func (l *Loader) Len() int { return l.BatchesPerEpoch()*l.opt.BatchSize - l.short() }

// short returns how many examples the last batch of an epoch lacks.
func (l *Loader) short() int {
	if r := len(l.indices) % l.opt.BatchSize; r != 0 && !l.opt.DropRemainder {
		return l.opt.BatchSize - r
	}
	return 0
}

// BatchesPerEpoch returns the number of batches of an epoch.
func (l *Loader) BatchesPerEpoch() int {
	if l.opt.DropRemainder {
		return len(l.indices) / l.opt.BatchSize
	}
	return (len(l.indices) + l.opt.BatchSize - 1) / l.opt.BatchSize
}

// Epoch returns the epoch of the next batch.
func (l *Loader) Epoch() int { return l.epoch }

// Order returns the configuration indices in the order epoch visits them.
func (l *Loader) Order(epoch int) []int {
	order := slices.Clone(l.indices)
	if l.opt.Shuffle {
		rng.Shuffle(rng.Stream(streamDomain, "shuffle", l.opt.Seed, uint64(epoch)), order)
	}
	return order
}

// Reset starts the next epoch from its beginning (it implements train.Dataset: GoMLX calls it
// after io.EOF). Prepared batches of the current epoch are dropped, and a sticky error cleared.
func (l *Loader) Reset() {
	l.SetEpoch(l.epoch + 1)
}

// SetEpoch positions the loader at the beginning of epoch e (to resume a training run).
func (l *Loader) SetEpoch(e int) {
	l.halt()
	l.epoch, l.pos, l.err = e, 0, nil
}

// Close stops the background goroutine and waits for it. Later calls of Next and Yield return
// ErrClosed.
func (l *Loader) Close() error {
	l.halt()
	l.closed = true
	return nil
}

// halt stops the producer, if any, and waits for it.
func (l *Loader) halt() {
	if l.run == nil {
		return
	}
	close(l.run.stop)
	for range l.run.out { // unblock a producer waiting to send
	}
	l.run.done.Wait()
	l.run = nil
}

// Next returns the next batch on the host, or io.EOF at the end of an epoch (unless
// Options.Loop). After an error from the source or the Transform, Next returns that error
// until Reset or SetEpoch.
func (l *Loader) Next() (*Batch, error) {
	if l.closed {
		return nil, ErrClosed
	}
	if l.err != nil {
		return nil, l.err
	}
	if l.run == nil {
		if l.pos >= l.epochLen() && !l.opt.Loop {
			return nil, io.EOF
		}
		l.start()
	}
	it, ok := <-l.run.out
	if !ok { // the producer reached the end of the epoch
		l.halt()
		return nil, io.EOF
	}
	if it.err != nil {
		l.halt()
		l.err = it.err
		return nil, it.err
	}
	if it.b.Epoch != l.epoch { // Loop mode: the producer went on into the next epoch
		l.epoch, l.pos = it.b.Epoch, 0
	}
	l.pos += it.b.Size()
	return it.b, nil
}

// epochLen returns the number of examples an epoch yields (after DropRemainder).
func (l *Loader) epochLen() int {
	if l.opt.DropRemainder {
		return len(l.indices) / l.opt.BatchSize * l.opt.BatchSize
	}
	return len(l.indices)
}

// start launches a producer from (l.epoch, l.pos).
func (l *Loader) start() {
	p := &producer{out: make(chan item, l.opt.Prefetch-1), stop: make(chan struct{})}
	epoch, pos := l.epoch, l.pos
	if pos >= l.epochLen() { // Loop mode at the end of an epoch
		epoch, pos = epoch+1, 0
		l.epoch, l.pos = epoch, 0
	}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		defer close(p.out)
		for {
			order := l.Order(epoch)[:l.epochLen()]
			for ; pos < len(order); pos += l.opt.BatchSize {
				select {
				case <-p.stop: // do not start another batch once stopped
					return
				default:
				}
				b, err := l.load(epoch, order[pos:min(pos+l.opt.BatchSize, len(order))])
				select {
				case p.out <- item{b, err}:
				case <-p.stop:
					return
				}
				if err != nil {
					return
				}
			}
			if !l.opt.Loop {
				return
			}
			epoch, pos = epoch+1, 0
		}
	}()
	l.run = p
}

// load reads one batch from the source and applies the transform.
func (l *Loader) load(epoch int, indices []int) (*Batch, error) {
	n := l.src.N()
	b := &Batch{
		Epoch: epoch, Indices: slices.Clone(indices), N: n,
		Inputs: make([]float32, len(indices)*n*n), Targets: make([]float32, len(indices)*n*n),
		NSources: make([]int32, len(indices)),
	}
	if err := l.src.Fill(b.Indices, b.Inputs, b.Targets, b.NSources); err != nil {
		return nil, fmt.Errorf("loader %s: epoch %d: %w", l.opt.Name, epoch, err)
	}
	if l.opt.Transform != nil {
		if err := l.opt.Transform(b); err != nil {
			return nil, fmt.Errorf("loader %s: transform: %w", l.opt.Name, err)
		}
	}
	return b, nil
}

// Yield returns the next batch as tensors; it implements train.Dataset. The spec is nil;
// images and targets are [B, N, N, 1] float32 and the numbers of sources [B] int32, placed as
// Options.NSources says. The caller owns the tensors.
func (l *Loader) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	b, err := l.Next()
	if err != nil {
		return nil, nil, nil, err
	}
	n, size := b.N, b.Size()
	x := tensors.FromFlatDataAndDimensions(b.Inputs, size, n, n, 1)
	y := tensors.FromFlatDataAndDimensions(b.Targets, size, n, n, 1)
	switch l.opt.NSources {
	case NSourcesInput:
		return nil, []*tensors.Tensor{x, tensors.FromFlatDataAndDimensions(b.NSources, size)}, []*tensors.Tensor{y}, nil
	case NSourcesNone:
		return nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}, nil
	}
	return nil, []*tensors.Tensor{x}, []*tensors.Tensor{y, tensors.FromFlatDataAndDimensions(b.NSources, size)}, nil
}

// streamDomain separates the loader's random streams from any other use of a seed.
const streamDomain = "surrogo/loader/v1"
