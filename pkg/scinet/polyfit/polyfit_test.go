package polyfit

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestEvalMatchesBasisSum checks Clenshaw's evaluation against the explicit sum Σ c_k P_k(t), inside
// and outside the domain, and the first polynomials against their closed forms.
func TestEvalMatchesBasisSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, basis := range []Basis{Legendre, Chebyshev} {
		p := Poly{Basis: basis, Lo: -3, Hi: 5, Coef: make([]float64, 12)}
		for k := range p.Coef {
			p.Coef[k] = rng.NormFloat64()
		}
		vals := make([]float64, len(p.Coef))
		for _, x := range []float64{-3, -1.2, 0, 1, 4.9, 5, 7, -10} {
			basis.values(p.t(x), vals)
			want := 0.0
			for k, c := range p.Coef {
				want += c * vals[k]
			}
			if got := p.Eval(x); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: Eval(%g) = %.15g, want %.15g", basis, x, got, want)
			}
		}
	}
	v := make([]float64, 4)
	Legendre.values(0.3, v)
	if want := 0.5 * (5*0.027 - 3*0.3); math.Abs(v[3]-want) > 1e-15 {
		t.Errorf("P_3(0.3) = %g, want %g", v[3], want)
	}
	Chebyshev.values(0.3, v)
	if want := 4*0.027 - 3*0.3; math.Abs(v[3]-want) > 1e-15 {
		t.Errorf("T_3(0.3) = %g, want %g", v[3], want)
	}
}

// TestFitRecoversPolynomial: least squares recovers a degree-k polynomial exactly from > k points.
func TestFitRecoversPolynomial(t *testing.T) {
	f := func(x float64) float64 { return 1 - 2*x + 0.5*x*x*x - 0.01*math.Pow(x, 7) }
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, 200)
	y := make([]float64, len(x))
	for i := range x {
		x[i] = rng.NormFloat64()
		y[i] = f(x[i])
	}
	for _, basis := range []Basis{Legendre, Chebyshev} {
		fit, err := FitPoly(x, y, 7, basis)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []float64{-2, 0, 1.5, 10} {
			if got, want := fit.Eval(v), f(v); math.Abs(got-want) > 1e-8*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: fit(%g) = %.12g, want %.12g", basis, v, got, want)
			}
		}
		if fit.RMS > 1e-10 {
			t.Errorf("%s: RMS residual %g, want ~0", basis, fit.RMS)
		}
	}
}

// TestFitSmoothFunction: a degree-25 fit of a smooth function on 204800 Gaussian points (the review's
// setup for figure 10) is accurate inside the bulk of the data and well conditioned.
func TestFitSmoothFunction(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 204800
	if testing.Short() {
		n = 20480
	}
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
		y[i] = math.Sin(x[i]) + 0.1*x[i]*x[i]
	}
	for _, basis := range []Basis{Legendre, Chebyshev} {
		fit, err := FitPoly(x, y, 25, basis)
		if err != nil {
			t.Fatal(err)
		}
		if fit.Cond > 1e10 {
			t.Errorf("%s: condition number %g, want a well-conditioned basis", basis, fit.Cond)
		}
		for v := -3.0; v <= 3; v += 0.25 {
			if err := math.Abs(fit.Eval(v) - (math.Sin(v) + 0.1*v*v)); err > 1e-6 {
				t.Errorf("%s: |fit - f| = %g at x = %g", basis, err, v)
			}
		}
	}
}

func TestFitErrors(t *testing.T) {
	if _, err := FitPoly([]float64{1, 2}, []float64{1}, 1, Legendre); err == nil {
		t.Error("mismatched lengths: want an error")
	}
	if _, err := FitPoly([]float64{1, 2}, []float64{1, 2}, 3, Legendre); err == nil {
		t.Error("too few points: want an error")
	}
	if _, err := FitPoly([]float64{1, 1, 1}, []float64{1, 2, 3}, 1, Legendre); err == nil {
		t.Error("degenerate domain: want an error")
	}
	if _, err := FitPoly([]float64{0, 1, 2}, []float64{1, math.NaN(), 3}, 1, Chebyshev); err == nil {
		t.Error("NaN target: want an error")
	}
	if _, err := FitPoly([]float64{0, 1, 2}, []float64{1, 2, 3}, 1, Basis(7)); err == nil {
		t.Error("invalid basis: want an error")
	}
}

func TestArcsinTaylor(t *testing.T) {
	a := ArcsinTaylorCoefficients(7)
	want := []float64{0, 1, 0, 1.0 / 6, 0, 3.0 / 40, 0, 5.0 / 112}
	for k := range want {
		if math.Abs(a[k]-want[k]) > 1e-15 {
			t.Errorf("a[%d] = %g, want %g", k, a[k], want[k])
		}
	}
	for _, x := range []float64{-0.5, 0.1, 0.3} {
		if err := math.Abs(ArcsinTaylor(x, 41) - math.Asin(x)); err > 1e-12 {
			t.Errorf("degree-41 Taylor error %g at %g", err, x)
		}
	}
	// Near ±1 the series converges slowly: the truncation error of degree 9 at x=0.99 is large.
	if err := math.Abs(ArcsinTaylor(0.99, 9) - math.Asin(0.99)); err < 0.1 {
		t.Errorf("degree-9 Taylor error at 0.99 is %g, expected the polynomial to break away", err)
	}
}

func TestBasisJSON(t *testing.T) {
	b, err := json.Marshal(Poly{Basis: Chebyshev, Lo: -1, Hi: 1, Coef: []float64{1}})
	if err != nil {
		t.Fatal(err)
	}
	var p Poly
	if err := json.Unmarshal(b, &p); err != nil || p.Basis != Chebyshev {
		t.Fatalf("round trip of %s gave %+v, %v", b, p, err)
	}
}

func ExampleFitPoly() {
	x := []float64{-2, -1, 0, 1, 2, 3}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = v*v - 1
	}
	fit, _ := FitPoly(x, y, 2, Legendre)
	fmt.Printf("%.6f %.6f\n", fit.Eval(0.5), fit.Eval(10))
	// Output: -0.750000 99.000000
}
