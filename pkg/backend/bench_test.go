package backend

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// convBenchShapes are representative convolution layers of a small ED-CNN (3x3, "same" padding).
var convBenchShapes = []struct {
	b, hw, cin, cout int
	stock            bool // Also time SimpleGo's direct ConvGeneral (slow: seconds per step).
}{
	{b: 8, hw: 64, cin: 16, cout: 32, stock: true},
	{b: 8, hw: 32, cin: 32, cout: 64, stock: true},
	{b: 8, hw: 64, cin: 1, cout: 16},
	{b: 8, hw: 16, cin: 64, cout: 128},
}

// BenchmarkConvTrain times one training step of a 3x3 "same" convolution layer: the forward convolution
// and the gradients with respect to its input and its kernel (as the graph package builds them). It
// reports GFLOP/s counting 2*B*H*W*9*Cin*Cout FLOPs for the forward and 3x that for the step, for
// the fast CPU backend ("fast"), SimpleGo's direct ConvGeneral ("direct": the extended backend with
// option conv=direct, since stock SimpleGo cannot build the gradient) and the extended backend's
// DotGeneral lowering ("dot"), and
// GFLOP/cpu-s, the same work per CPU-second of this process (less sensitive to other load).
func BenchmarkConvTrain(b *testing.B) {
	for _, s := range convBenchShapes {
		flops := 3 * 2 * float64(s.b*s.hw*s.hw*9*s.cin*s.cout)
		name := fmt.Sprintf("B%d_%dx%d_%d-%d", s.b, s.hw, s.hw, s.cin, s.cout)
		modes := []struct {
			name    string
			backend backends.Backend
		}{{"fast", testFast}, {"dot", testExtended}}
		if s.stock {
			modes = append(modes, struct {
				name    string
				backend backends.Backend
			}{"direct", testDirect})
		}
		for _, mode := range modes {
			b.Run(name+"/"+mode.name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				x := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, s.b*s.hw*s.hw*s.cin)), s.b, s.hw, s.hw, s.cin)
				k := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, 9*s.cin*s.cout)), 3, 3, s.cin, s.cout)
				g := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, s.b*s.hw*s.hw*s.cout)), s.b, s.hw, s.hw, s.cout)
				exec := MustNewExec(mode.backend, func(x, k, g *Node) []*Node {
					y := Convolve(x, k).PadSame().Done()
					grads := Gradient(ReduceAllSum(Mul(y, g)), x, k)
					return []*Node{ReduceAllSum(y), grads[0], grads[1]}
				})
				defer exec.Finalize()
				step := func() {
					out := exec.MustExec(x, k, g)
					for _, t := range out {
						t.FinalizeAll()
					}
				}
				step() // Compile.
				b.ResetTimer()
				cpu0 := processCPUTime()
				for b.Loop() {
					step()
				}
				cpu := processCPUTime() - cpu0
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				if cpu > 0 {
					// Throughput per CPU-second: less sensitive than wall time to other processes on the machine.
					b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
				}
			})
		}
	}
}

// processCPUTime returns the user+system CPU time of this process so far (0 where unavailable).
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDenseTrain times the forward and backward pass of a dense layer y = x.W (x [2048, 500],
// W [500, 100]), whose gradients GoMLX builds as ReduceSum of broadcast products: matrix products on the
// fast backend ("fast"), fused into SimpleGo's DotGeneral by the extended backend ("fused"),
// materialized by stock SimpleGo ("stock"). It reports GFLOP/s counting 3 x 2*2048*500*100 FLOPs per
// step.
func BenchmarkDenseTrain(b *testing.B) {
	const n, in, out = 2048, 500, 100
	flops := 3 * 2 * float64(n*in*out)
	for _, mode := range []struct {
		name    string
		backend backends.Backend
	}{{"fast", testFast}, {"fused", testExtended}, {"stock", testStock}} {
		b.Run(mode.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			x := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, n*in)), n, in)
			w := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, in*out)), in, out)
			exec := MustNewExec(mode.backend, func(x, w *Node) []*Node {
				y := Dot(x, w)
				return Gradient(ReduceAllSum(Square(y)), x, w)
			})
			defer exec.Finalize()
			step := func() {
				for _, t := range exec.MustExec(x, w) {
					t.FinalizeAll()
				}
			}
			step()
			b.ResetTimer()
			for b.Loop() {
				step()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
