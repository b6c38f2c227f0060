// Package metrics computes the error statistics of the two diffusion-surrogate papers on the
// host, streaming over batches so that test sets too large for memory (80k 512x512 fields)
// can be measured. Inputs are float32 (Add) or float64 (Add64) slices of equal length; any
// NaN or infinity is reported as an error and nothing of that call is accumulated. Every
// accumulator has a Merge method, so parts of a data set can be measured concurrently.
//
// 2023 paper (ED-CNN), Fig. 3 and Figs. 5-17: RegionAccumulator measures the mean absolute
// error in five regions of the lattice per number of sources, and the area of each region.
// The regions follow the authors' evaluation code (errInDS in jquetzalcoatl/DeepDiffusionSolver,
// util/tools.py):
//
//	sources: input > 0
//	field:   input == 0 (every other pixel, input <= 0)
//	R1:      not a source pixel and target >= 0.2            (paper: [0.2, 1])
//	R2:      not a source pixel and 0.1 <= target < 0.2      (paper: [0.1, 0.2])
//	R3:      not a source pixel and 0.05 <= target < 0.1     (paper: [0.05, 0.1])
//
// so R1, R2 and R3 are disjoint, half-open below, defined on the target, and exclude the
// source disks (the code zeroes the target on them: y - y*sign(x)). Targets are at most 1
// after the data set's normalization, so R1 = [0.2, 1] as the paper writes.
//
// 2021 paper: ResidualStats gives the mean, 99th percentile and maximum of the residual
// |y - yhat| and of the relative residual |y - yhat|/y (Table 2, Fig. 6); SliceStats gives the
// statistics of the residual in slices along the diagonal y = x of the (target, prediction)
// plane (Figs. 8-10, Supplement A); FieldPDF gives the probability densities of target and
// predicted field values (Fig. 11). Percentiles come from fixed-bin histograms with exact
// bounds (see Histogram.Quantile); ExactQuantile computes them by sorting when the data fit
// in memory.
package metrics
