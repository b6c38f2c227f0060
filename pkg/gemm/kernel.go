package gemm

import (
	"fmt"
	"sync/atomic"
)

// genericSet is the portable pure-Go kernel family.
var genericSet = &kernelSet{name: "generic", tiles: []*kernelDesc{{
	name: "generic4x8", mr: 4, nr: 8, kc: 256, mc: 128, nc: 1024,
	partialN: true, directMaxN: 0, fn: kernGeneric4x8,
}}}

// kernelSets lists the kernel families this build and CPU can run, best first (filled by the
// architecture-specific file's init).
var kernelSets []*kernelSet

// forced is the kernel set chosen with SetKernel (nil: automatic).
var forced atomic.Pointer[kernelSet]

func currentKernel() *kernelSet {
	if ks := forced.Load(); ks != nil {
		return ks
	}
	if len(kernelSets) > 0 {
		return kernelSets[0]
	}
	return genericSet
}

// Kernel names the micro-kernel in use: "avx512", "avx2" or "generic".
func Kernel() string { return currentKernel().name }

// Kernels lists the kernels this CPU can run, best first (the names SetKernel accepts).
func Kernels() []string {
	names := make([]string, 0, len(kernelSets)+1)
	for _, ks := range kernelSets {
		names = append(names, ks.name)
	}
	return append(names, genericSet.name)
}

// SetKernel forces a kernel (for tests and benchmarks); returns an error if the CPU lacks it. "" restores the automatic choice.
// It affects every later Mul of the process.
func SetKernel(name string) error {
	if name == "" {
		forced.Store(nil)
		return nil
	}
	if name == genericSet.name {
		forced.Store(genericSet)
		return nil
	}
	for _, ks := range kernelSets {
		if ks.name == name {
			forced.Store(ks)
			return nil
		}
	}
	return fmt.Errorf("gemm: kernel %q is not available on this CPU (available: %v)", name, Kernels())
}
