package batchsolve

import (
	"fmt"
	"math"
)

// stencilMatrix returns the dense n^2 x n^2 matrix of gamma - s*lap on an n x n lattice with
// zero ghost cells (5-point Laplacian, row-major unknowns), where s = D/h^2.
func stencilMatrix(n int, gamma, s float64) []float64 {
	m := n * n
	a := make([]float64, m*m)
	for row := range n {
		for col := range n {
			i := row*n + col
			a[i*m+i] = gamma + 4*s
			if row > 0 {
				a[i*m+i-n] = -s
			}
			if row < n-1 {
				a[i*m+i+n] = -s
			}
			if col > 0 {
				a[i*m+i-1] = -s
			}
			if col < n-1 {
				a[i*m+i+1] = -s
			}
		}
	}
	return a
}

// spdInverse returns the inverse of the symmetric positive definite m x m matrix a (row-major)
// through its Cholesky factorization, symmetrized so that the preconditioner built on it stays
// exactly symmetric.
func spdInverse(a []float64, m int) ([]float64, error) {
	l := make([]float64, m*m)
	for j := range m {
		sum := a[j*m+j]
		for k := range j {
			sum -= l[j*m+k] * l[j*m+k]
		}
		if !(sum > 0) {
			return nil, fmt.Errorf("coarse operator is not positive definite (pivot %d = %g)", j, sum)
		}
		d := math.Sqrt(sum)
		l[j*m+j] = d
		for i := j + 1; i < m; i++ {
			s := a[i*m+j]
			for k := range j {
				s -= l[i*m+k] * l[j*m+k]
			}
			l[i*m+j] = s / d
		}
	}
	// Solve L L^T X = I one column at a time.
	inv := make([]float64, m*m)
	y := make([]float64, m)
	for c := range m {
		for i := range m {
			s := 0.0
			if i == c {
				s = 1
			}
			for k := range i {
				s -= l[i*m+k] * y[k]
			}
			y[i] = s / l[i*m+i]
		}
		for i := m - 1; i >= 0; i-- {
			s := y[i]
			for k := i + 1; k < m; k++ {
				s -= l[k*m+i] * inv[k*m+c]
			}
			inv[i*m+c] = s / l[i*m+i]
		}
	}
	for i := range m {
		for j := range i {
			v := 0.5 * (inv[i*m+j] + inv[j*m+i])
			inv[i*m+j], inv[j*m+i] = v, v
		}
	}
	return inv, nil
}

// dstMatrix returns the orthonormal type-I discrete sine transform of size n, S[j][k] =
// sqrt(2/(n+1)) sin(pi (j+1)(k+1)/(n+1)): it is symmetric, it is its own inverse, and it
// diagonalizes the 1D 3-point Laplacian with zero ghost cells.
func dstMatrix(n int) []float64 {
	s := make([]float64, n*n)
	scale := math.Sqrt(2 / float64(n+1))
	for j := range n {
		for k := range n {
			// Reduce the angle's integer multiple exactly before calling Sin.
			p := ((j + 1) * (k + 1)) % (2 * (n + 1))
			s[j*n+k] = scale * math.Sin(math.Pi*float64(p)/float64(n+1))
		}
	}
	return s
}

// spectralInverse returns the n x n array 1/(gamma + D (lambda_i + lambda_j)), with
// lambda_k = 4 sin^2(pi (k+1) / (2(n+1))) the eigenvalues of the 1D negative Laplacian with
// zero ghost cells: the eigenvalues of (gamma - D lap)^-1 in the DST-I basis.
func spectralInverse(n int, d, gamma float64) []float64 {
	lambda := make([]float64, n)
	for k := range n {
		s := math.Sin(math.Pi * float64(k+1) / float64(2*(n+1)))
		lambda[k] = 4 * s * s
	}
	inv := make([]float64, n*n)
	for i := range n {
		for j := range n {
			inv[i*n+j] = 1 / (gamma + d*(lambda[i]+lambda[j]))
		}
	}
	return inv
}
