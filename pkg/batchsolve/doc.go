// Package batchsolve solves batches of steady-state diffusion problems as one GoMLX
// computation on a [B, N, N] tensor: on GoMLX's pure-Go backend ("go") and on XLA
// ("stablehlo:cuda" on a GPU). It computes the same fields as package solver (the CPU,
// float64 ground truth), many at a time, for generating training targets on an accelerator.
//
// # Problems
//
// All problems of a Solver share the lattice side N, the diffusion constant D, the decay rate
// gamma and the source model (see solver.SourceModel); each has its own input image a
// (solver.Problem.Input):
//
//   - relaxation: (gamma - D lap) c = gamma a on every cell;
//   - clamped: c = a on the cells with a > 0, (gamma - D lap) c = 0 on the others;
//
// with the 5-point Laplacian (h = 1) and zero ghost cells around the lattice (absorbing
// boundary). Options.Normalize divides each field by its maximum, as the papers' data did.
//
// # Algorithm
//
// Batched preconditioned conjugate gradients. For the clamped model the unknown is c - a on
// the free cells and CG runs on the free-cell subspace (a mask), with the known clamped
// values moved to the right-hand side. Two preconditioners (Options.Method):
//
//   - Multigrid (default): one symmetric V-cycle: 2 damped-Jacobi sweeps (weight 0.8) before
//     and after each coarse correction, cell-centred linear interpolation and its transpose
//     as restriction, rediscretized coarse operators whose boundary cells put the zero
//     boundary where the fine ghost cells are, soft coarse masks that keep the clamped disks'
//     holes on coarse levels, and a dense exact solve on the coarsest level (at most 8 x 8).
//     With the papers' physics it reaches a relative residual of 1e-9 in 8-9 iterations for
//     both models, at N = 37 to 512 and 1 to 20 sources.
//   - Spectral: the exact inverse of the constant-coefficient operator on the whole lattice,
//     applied as a 2D type-I discrete sine transform written as four N x N matrix products
//     (8 N^3 flops per field). For the relaxation model it is a direct solve: the initial
//     guess is the solution. For the clamped model it is only a preconditioner (10 to 31
//     iterations for 1 to 20 disks at N = 100), and Multigrid is faster.
//
// GoMLX v0.25 has no While op, so the host drives the iteration: one graph computes the
// initial guess x0 = M b and its residual, a second the first search direction, and step
// graphs make 1 or Options.Unroll CG iterations on the device-resident state (buffers are
// donated where the backend allows). After each call only the squared residual norms [B] are
// read back; an example below its tolerance is frozen (zero step), so each example converges
// on its own and reports its own iteration count. Only element-wise ops, Slice, Concatenate,
// Reshape, reductions and DotGeneral are used (shifts are slices concatenated with zeros), so
// the graphs run on the stock pure-Go backend, which lacks Pad and Reverse, and XLA fuses
// the stencils.
//
// # Precision
//
// Options.DType selects float64 (the default, the accuracy reference) or float32 (half the
// memory traffic) for the fields; inner products, CG coefficients and the coarsest multigrid
// solve are computed in float64 in both cases, and the Laplacian is summed as differences to
// the neighbours, which are exact in floating point where the field is smooth. Measured
// against solver.Solve (tests at N = 37 and 100, and at 512 with SURROGO_LONG_TESTS=1), the
// relative max-norm error max|c - c_ref| / max|c_ref| is at most 1.2e-9 in float64 and
// 2.2e-6 in float32. A float32 field cannot have a relative residual much below 1e-5
// (rounding the field itself costs that, because gamma << 8D); convergence is judged on CG's
// recursive residual, which keeps decreasing, so Stats.Residuals can exceed Tol in float32
// while the field is accurate.
//
// On NVIDIA GPUs XLA may compute float32 matrix products in TF32 (a 10-bit mantissa) at its
// default precision, which GoMLX v0.25 does not let us raise: the Spectral method's float32
// preconditioner would then be accurate to ~1e-3 only, and CG would need more iterations
// (not measured: no GPU was available when this was written). Float64 avoids the question,
// and H100 tensor cores run FP64 matrix products at 67 TFLOP/s (NVIDIA's figure, SXM).
package batchsolve
