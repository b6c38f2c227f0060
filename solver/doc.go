// Package solver computes the exact steady state of the diffusion equation with decay on an
// N x N lattice, the ground truth that every surrogate in surrogo is trained and judged on.
//
// The equation is the screened Poisson (modified Helmholtz) problem of the papers: diffusion
// constant D, decay rate gamma, disk sources, an absorbing boundary (the field is zero on the
// ghost cells around the lattice) and the 5-point Laplacian with h = 1. Fields are []float64
// of length N*N, row-major, index row*N + col with row = y and col = x.
//
// # Source models
//
// The input image a is the sum of the disk values on each cell, divided by its maximum
// (Problem.Input). Two source models are supported (see SourceModel), and every result says
// which one produced it:
//
//   - Relaxation (the default, and the one to use for reproducing the papers' data): the
//     steady state of the authors' Julia data generator, dc/dt = D lap c - gamma c + gamma a,
//     that is (gamma - D lap) c = gamma a on every cell. The sources are smeared: the field
//     on a disk is below its value, and overlapping or nearby disks add up. The authors
//     divided the field by its maximum (Problem.Normalize, set by NewProblem).
//   - Clamped (the papers' text): c = a on every cell with a > 0 (Dirichlet) and
//     (gamma - D lap) c = 0 elsewhere; gamma may be 0 (Laplace). The unknowns are the free
//     cells, and the clamped values move to their right-hand side. By the maximum principle
//     the field's maximum is 1, so normalization changes nothing.
//
// Both are symmetric positive definite systems; Residual computes the relative residual of
// any field for either, independently of the solver.
//
// # Methods
//
// Multigrid (the default) is conjugate gradients preconditioned by one symmetric multigrid
// V-cycle: red-black Gauss-Seidel smoothing (red then black before the coarse-grid
// correction, black then red after), cell-centred coarsening to ceil(n/2) for any N,
// linear interpolation between cell centres and its transpose as restriction, and on each
// coarse grid the finite-volume operator of gamma - D lap that keeps the absorbing boundary
// at its true position (a rediscretization on a shrinking lattice would move it by half a
// coarse cell per level and cost iterations). In the clamped model a coarse cell is
// clamped when at least half of its fine cells are. The iteration count does not grow
// with N: 7 iterations to a relative residual of 1e-6 for the papers' 512 x 512 problems
// with ten sources (relaxation), 8 to 10 for the clamped model.
//
// JacobiCG, conjugate gradients preconditioned by the diagonal, is the baseline: its
// iteration count grows like N (about 400 at N = 512).
//
// A solve runs its row loops on Options.Workers goroutines (all cores by default) and
// fuses the vector updates, the smoothing sweeps and the grid transfers of one iteration
// into few passes over memory. To generate data sets, run one Solver per core with
// Workers = 1: a Solver keeps its work buffers and multigrid hierarchy, and
// Solver.SolveInto allocates nothing.
package solver
