package solver

import (
	"fmt"
	"math"
)

// Residual returns the relative residual ||b - A c||_2 / ||b||_2 of the unnormalized field c
// (N*N, row-major) for p's linear system. It is computed directly from the definition,
// independently of the solver's data structures, with ghost cells 0 outside the lattice
// and the input image a of p:
//
//   - Relaxation: A = gamma - D lap on every cell and b = gamma a.
//   - Clamped: the unknowns are the free cells (a = 0): A is gamma - D lap restricted to
//     them and b_i = D * (sum of a over the clamped neighbours of i). The field's values on
//     clamped cells must equal a there; a difference adds (gamma + 4D)(a_i - c_i) to the
//     residual. If b = 0 (no free cell touches a clamped one) the absolute residual is
//     returned.
func Residual(p Problem, field []float64) (float64, error) {
	a, err := p.Input()
	if err != nil {
		return 0, err
	}
	n := p.N
	if len(field) != n*n {
		return 0, fmt.Errorf("field: length %d, want N*N = %d", len(field), n*n)
	}
	at := func(v []float64, i, j int) float64 {
		if i < 0 || i >= n || j < 0 || j >= n {
			return 0
		}
		return v[i*n+j]
	}
	diag := p.Gamma + 4*p.D
	var rr, bb float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			c := field[i*n+j]
			ac := c*diag - p.D*(at(field, i-1, j)+at(field, i+1, j)+at(field, i, j-1)+at(field, i, j+1))
			var b, r float64
			switch {
			case p.Model == Relaxation:
				b = p.Gamma * a[i*n+j]
				r = b - ac
			case a[i*n+j] > 0: // clamped cell
				r = diag * (a[i*n+j] - c)
			default: // free cell of the clamped model
				b = p.D * (at(a, i-1, j) + at(a, i+1, j) + at(a, i, j-1) + at(a, i, j+1))
				// Using the field's own clamped values in A c moves them to the right.
				r = -ac
			}
			rr += r * r
			bb += b * b
		}
	}
	if bb == 0 {
		return math.Sqrt(rr), nil
	}
	return math.Sqrt(rr / bb), nil
}
