package solver

import (
	"math"
	"testing"
)

// besselK0 returns the modified Bessel function of the second kind K0(x), x > 0, from its
// integral representation K0(x) = int_0^inf exp(-x cosh t) dt by the trapezoidal rule with
// step 1/16. The integrand is analytic and decays in the strip |Im t| < pi/2, so the rule
// converges geometrically, with an error of order exp(-pi^2 / h) = exp(-158): the result
// is accurate to rounding (checked against tabulated values and the power series below).
func besselK0(x float64) float64 {
	const h = 1.0 / 16
	sum := 0.5 * math.Exp(-x)
	for k := 1; ; k++ {
		term := math.Exp(-x * math.Cosh(float64(k)*h))
		sum += term
		if term < 1e-18*sum {
			break
		}
	}
	return h * sum
}

// besselK0Series is the power series K0(x) = -(ln(x/2) + euler) I0(x) + sum_k>=1
// (x^2/4)^k / (k!)^2 H_k (H_k the harmonic numbers), accurate for small x.
func besselK0Series(x float64) float64 {
	const euler = 0.57721566490153286061
	q := x * x / 4
	i0, s := 1.0, 0.0
	term, hk := 1.0, 0.0
	for k := 1; k < 60; k++ {
		term *= q / float64(k*k)
		hk += 1 / float64(k)
		i0 += term
		s += term * hk
	}
	return -(math.Log(x/2)+euler)*i0 + s
}

func TestBesselK0(t *testing.T) {
	// Tabulated values (Abramowitz & Stegun, Table 9.8, and standard references).
	for _, c := range []struct{ x, want float64 }{
		{0.1, 2.4270690247020166},
		{0.5, 0.9244190712276659},
		{1, 0.42102443824070834},
		{2, 0.11389387274953344},
		{5, 0.0036910983340425942},
	} {
		if got := besselK0(c.x); math.Abs(got-c.want) > 1e-13*c.want {
			t.Errorf("K0(%v) = %.17g, want %.17g", c.x, got, c.want)
		}
	}
	for _, x := range []float64{0.01, 0.1, 0.3, 0.7, 1, 1.5, 2} {
		a, b := besselK0(x), besselK0Series(x)
		if math.Abs(a-b) > 1e-13*b {
			t.Errorf("K0(%v): quadrature %.17g, series %.17g", x, a, b)
		}
	}
}

// TestClampedDiskClosedForm compares the clamped field of one disk far from the boundary
// with the free-space solution c(r) = K0(r/l) / K0(R/l) outside the disk, l = sqrt(D/gamma),
// under refinement: N, R and l double together (the cell size halves relative to the
// physics) and the field is compared at the same physical points.
//
// The boundary is 8 diffusion lengths from the centre, so its effect on the compared points
// is below K0(12)/K0(1) ~ 1e-5 relative. The error is dominated by the staircase disk: the
// cells whose centre lies within R are clamped, which moves the effective Dirichlet radius by
// a fraction of a cell that varies with R, a first-order error; the 5-point Laplacian adds
// a second-order one. So the observed order must approach 1 (it was 0.45, 0.82, 0.97 over
// the three refinements when this test was written; errors 4.7e-2 .. 9.9e-3).
func TestClampedDiskClosedForm(t *testing.T) {
	// Points outside the disk, in cells of the coarsest lattice, relative to the centre.
	points := [][2]int{{6, 0}, {0, -7}, {8, 0}, {5, 5}, {4, 8}, {12, 0}, {-9, -9}, {0, 16}}
	var errs []float64
	for k := 0; k < 4; k++ {
		f := 1 << k
		n, r, l := 64*f, 4.0*float64(f), 4.0*float64(f)
		c := n / 2
		p := Problem{N: n, D: 1, Gamma: 1 / (l * l), Model: Clamped,
			Sources: []Source{{X: float64(c), Y: float64(c), R: r, Value: 1}}}
		res, err := Solve(p, Options{Tol: 1e-12})
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for _, pt := range points {
			dx, dy := pt[0]*f, pt[1]*f
			rho := math.Hypot(float64(dx), float64(dy))
			want := besselK0(rho/l) / besselK0(r/l)
			got := res.Field[(c+dy)*n+c+dx]
			worst = math.Max(worst, math.Abs(got-want))
		}
		errs = append(errs, worst)
		t.Logf("N=%d R=%v l=%v: max |c - K0(r/l)/K0(R/l)| = %.3e over %d points", n, r, l, worst, len(points))
	}
	for k := 1; k < len(errs); k++ {
		order := math.Log2(errs[k-1] / errs[k])
		t.Logf("observed order %d->%d: %.2f", k-1, k, order)
		if !(order > 0.3) {
			t.Errorf("refinement %d->%d: the error did not shrink (order %.2f)", k-1, k, order)
		}
	}
	last := math.Log2(errs[len(errs)-2] / errs[len(errs)-1])
	overall := math.Log2(errs[0]/errs[len(errs)-1]) / float64(len(errs)-1)
	if last < 0.8 || overall < 0.6 {
		t.Errorf("observed order: last refinement %.2f (want >= 0.8, first order expected), overall %.2f (want >= 0.6)", last, overall)
	}
	if errs[len(errs)-1] > 0.015 {
		t.Errorf("finest error %.3g: want < 0.015", errs[len(errs)-1])
	}
}
