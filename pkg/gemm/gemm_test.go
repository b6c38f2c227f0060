package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// layout builds a Matrix holding the given logical values in one of several storage layouts.
type layout int

const (
	rowMajor layout = iota
	colMajor
	padded   // row-major with row stride cols+3 and an offset origin via tables
	strided  // ColStride 2, RowStride 2*cols+1
	tables   // RowOff and ColOff tables, columns in reverse order
	im2col   // tables with repeated offsets (overlapping windows)
	im2col2d // patches of a padded 2-D image: row offsets with jumps at image-row ends
	nLayouts
)

func (l layout) String() string {
	return [...]string{"row", "col", "pad", "strided", "tables", "im2col", "im2col2d"}[l]
}

// makeMatrix returns a rows×cols Matrix in layout l filled from val (row-major logical values),
// or, for im2col, a matrix whose values are defined by the layout (val is overwritten with them).
func makeMatrix(rng *rand.Rand, l layout, val []float64, rows, cols int) Matrix {
	switch l {
	case rowMajor:
		d := make([]float32, rows*cols)
		m := RowMajor(d, rows, cols)
		fill(m, val)
		return m
	case colMajor:
		d := make([]float32, rows*cols)
		m := ColMajor(d, rows, cols)
		fill(m, val)
		return m
	case padded:
		rs := cols + 3
		d := make([]float32, 5+rows*rs)
		ro := make([]int, rows)
		for i := range ro {
			ro[i] = 5 + i*rs
		}
		m := Matrix{Data: d, Rows: rows, Cols: cols, RowOff: ro, ColStride: 1}
		fill(m, val)
		return m
	case strided:
		d := make([]float32, max(1, rows*(2*cols+1)))
		m := Matrix{Data: d, Rows: rows, Cols: cols, RowStride: 2*cols + 1, ColStride: 2}
		fill(m, val)
		return m
	case tables:
		d := make([]float32, rows*cols+7)
		ro := make([]int, rows)
		co := make([]int, cols)
		// Element (i, j) at 7 + i*cols + (cols-1-j): columns reversed.
		for i := range ro {
			ro[i] = 7 + i*cols
		}
		for j := range co {
			co[j] = cols - 1 - j
		}
		m := Matrix{Data: d, Rows: rows, Cols: cols, RowOff: ro, ColOff: co}
		fill(m, val)
		return m
	case im2col:
		// A "1-D image" of length rows+2 with channels ch; row i is the window at i of width 3:
		// element (i, j) = img[(i + j/ch)*ch + j%ch], only valid for cols multiple of ... any cols:
		// windows w = ceil(cols/ch).
		ch := 4
		w := (cols + ch - 1) / ch
		d := make([]float32, (rows+w)*ch)
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		ro := make([]int, rows)
		co := make([]int, cols)
		for i := range ro {
			ro[i] = i * ch
		}
		for j := range co {
			co[j] = (j/ch)*ch + j%ch
		}
		m := Matrix{Data: d, Rows: rows, Cols: cols, RowOff: ro, ColOff: co}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				val[i*cols+j] = float64(m.At(i, j))
			}
		}
		return m
	case im2col2d:
		// Rows: pixels (y, x) of an h×w image (w varies with rows so that tiles cross image rows
		// once, several times, or not at all); columns: (dy, dx, ch) of a 3×3 window over 3
		// channels of the image padded by 1, repeated when cols > 27.
		const ch = 3
		w := 3 + rows%29
		h := (rows + w - 1) / w
		wp := w + 2
		d := make([]float32, (h+2)*wp*ch)
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		ro := make([]int, rows)
		co := make([]int, cols)
		for i := range ro {
			ro[i] = ((i/w)*wp + i%w) * ch
		}
		for j := range co {
			q := j % 27
			co[j] = ((q/9)*wp+(q/3)%3)*ch + q%3
		}
		m := Matrix{Data: d, Rows: rows, Cols: cols, RowOff: ro, ColOff: co}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				val[i*cols+j] = float64(m.At(i, j))
			}
		}
		return m
	}
	panic("bad layout")
}

func fill(m Matrix, val []float64) {
	for i := 0; i < m.Rows; i++ {
		for j := 0; j < m.Cols; j++ {
			m.Set(i, j, float32(val[i*m.Cols+j]))
		}
	}
}

func randVals(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(float32(rng.NormFloat64()))
	}
	return v
}

// cLayouts are the storage layouts allowed for C.
var cLayouts = []layout{rowMajor, colMajor, strided}

func makeC(l layout, rows, cols int) Matrix {
	switch l {
	case rowMajor:
		return RowMajor(make([]float32, rows*cols), rows, cols)
	case colMajor:
		return ColMajor(make([]float32, rows*cols), rows, cols)
	default:
		return Matrix{Data: make([]float32, max(1, rows*(2*cols+1))), Rows: rows, Cols: cols, RowStride: 2*cols + 1, ColStride: 2}
	}
}

type mulCase struct {
	m, n, k    int
	la, lb, lc layout
	acc        bool
	threads    int
}

func (tc mulCase) String() string {
	return fmt.Sprintf("M%d_N%d_K%d_A%v_B%v_C%v_acc%v_t%d", tc.m, tc.n, tc.k, tc.la, tc.lb, tc.lc, tc.acc, tc.threads)
}

// runCase multiplies and compares with a float64 reference; it returns C.
func runCase(t *testing.T, tc mulCase, seed uint64) Matrix {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	av := randVals(rng, tc.m*tc.k)
	bv := randVals(rng, tc.k*tc.n)
	cv := randVals(rng, tc.m*tc.n)
	a := makeMatrix(rng, tc.la, av, tc.m, tc.k)
	b := makeMatrix(rng, tc.lb, bv, tc.k, tc.n)
	c := makeC(tc.lc, tc.m, tc.n)
	// Sentinel values outside the view must survive.
	for i := range c.Data {
		c.Data[i] = 12345
	}
	fill(c, cv)
	Mul(c, a, b, Options{Accumulate: tc.acc, Threads: tc.threads})
	tol := 1e-5 * math.Sqrt(float64(tc.k)+1)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			want, scale := 0.0, 0.0
			for p := 0; p < tc.k; p++ {
				x := av[i*tc.k+p] * bv[p*tc.n+j]
				want += x
				scale += math.Abs(x)
			}
			if tc.acc {
				want += cv[i*tc.n+j]
				scale += math.Abs(cv[i*tc.n+j])
			}
			got := float64(c.At(i, j))
			if math.Abs(got-want) > tol*(scale+1e-3) {
				t.Fatalf("%v: C(%d,%d) = %g, want %g", tc, i, j, got, want)
			}
		}
	}
	// Check the sentinels.
	inView := make([]bool, len(c.Data))
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			inView[c.rowOff(i)+c.colOff(j)] = true
		}
	}
	for i, v := range c.Data {
		if !inView[i] && v != 12345 {
			t.Fatalf("%v: Data[%d] outside C was overwritten: %g", tc, i, v)
		}
	}
	return c
}

func forEachKernel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	defer SetKernel("")
	for _, name := range Kernels() {
		if err := SetKernel(name); err != nil {
			t.Fatal(err)
		}
		t.Run(name, f)
	}
}

func TestKernelsAvailable(t *testing.T) {
	t.Logf("kernel %s, available %v", Kernel(), Kernels())
	if err := SetKernel("nosuch"); err == nil {
		t.Fatal("SetKernel(nosuch) succeeded")
	}
	if err := SetKernel("generic"); err != nil || Kernel() != "generic" {
		t.Fatal(err)
	}
	SetKernel("")
}

func TestShapes(t *testing.T) {
	sizes := []int{1, 2, 3, 7, 15, 16, 17, 31, 33, 100}
	forEachKernel(t, func(t *testing.T) {
		seed := uint64(0)
		for _, m := range sizes {
			for _, n := range sizes {
				for _, k := range sizes {
					seed++
					tc := mulCase{m: m, n: n, k: k, la: layout(seed % uint64(nLayouts)), lb: layout(seed / 3 % uint64(nLayouts)),
						lc: cLayouts[seed/5%3], acc: seed%2 == 0, threads: 1 + int(seed%3)}
					runCase(t, tc, seed)
				}
			}
		}
	})
}

func TestLayouts(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		seed := uint64(100)
		for la := range nLayouts {
			for lb := range nLayouts {
				for _, lc := range cLayouts {
					for _, acc := range []bool{false, true} {
						for _, th := range []int{1, 2, 3} {
							seed++
							runCase(t, mulCase{m: 61, n: 45, k: 37, la: la, lb: lb, lc: lc, acc: acc, threads: th}, seed)
						}
					}
				}
			}
		}
	})
}

func TestLarge(t *testing.T) {
	cases := []mulCase{
		{m: 1000, n: 33, k: 300, threads: 2},
		{m: 300, n: 1000, k: 17, threads: 3},
		{m: 17, n: 300, k: 1000, threads: 2},
		{m: 1030, n: 70, k: 600, threads: 3}, // k split in blocks, M split
		{m: 40, n: 20, k: 5000, threads: 3},  // K split
		{m: 40, n: 20, k: 5000, threads: 2, acc: true, lc: colMajor},
		{m: 45, n: 33, k: 4099, threads: 2, la: colMajor, lc: strided}, // K split, transposed A
		{m: 2049, n: 16, k: 72, threads: 2},
		{m: 2049, n: 8, k: 9, threads: 2, la: im2col},
		{m: 1001, n: 8, k: 601, threads: 2, acc: true}, // narrow N, odd k blocks
		{m: 999, n: 5, k: 33, threads: 1, lc: strided}, // narrow N through the temporary tile
		{m: 1000, n: 7, k: 512, threads: 3, lc: colMajor},
		{m: 700, n: 4500, k: 20, threads: 2}, // several nc blocks
		{m: 1100, n: 40, k: 40, threads: 1, la: tables},
		{m: 1000, n: 16, k: 72, threads: 2, la: im2col2d}, // w = 17
		{m: 1003, n: 8, k: 27, threads: 1, la: im2col2d},  // w = 20
		{m: 990, n: 32, k: 300, threads: 2, la: im2col2d}, // w = 5: many row jumps per tile
		{m: 1015, n: 45, k: 100, threads: 3, la: im2col2d, lc: colMajor},
		{m: 1016, n: 300, k: 50, threads: 2, la: im2col2d}, // packed A
	}
	forEachKernel(t, func(t *testing.T) {
		for i, tc := range cases {
			runCase(t, tc, uint64(1000+i))
		}
	})
}

func TestZeroSizes(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		for _, acc := range []bool{false, true} {
			// K = 0: C = 0, or unchanged when accumulating.
			c := RowMajor([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
			Mul(c, RowMajor(nil, 2, 0), RowMajor(nil, 0, 3), Options{Accumulate: acc})
			for i, v := range c.Data {
				want := float32(0)
				if acc {
					want = float32(i + 1)
				}
				if v != want {
					t.Fatalf("K=0 acc=%v: %v", acc, c.Data)
				}
			}
			// M = 0 or N = 0: nothing happens.
			Mul(RowMajor(nil, 0, 3), RowMajor(nil, 0, 4), RowMajor(make([]float32, 12), 4, 3), Options{Accumulate: acc})
			Mul(RowMajor(nil, 3, 0), RowMajor(make([]float32, 12), 3, 4), RowMajor(nil, 4, 0), Options{Accumulate: acc})
		}
	})
}

func TestPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	d := make([]float32, 100)
	mustPanic("shape", func() { Mul(RowMajor(d, 2, 2), RowMajor(d, 2, 3), RowMajor(d, 2, 2), Options{}) })
	mustPanic("bounds", func() { Mul(RowMajor(d, 2, 2), RowMajor(d, 2, 60), RowMajor(d, 60, 2), Options{}) })
	mustPanic("C tables", func() {
		c := RowMajor(d, 2, 2)
		c.RowOff = []int{0, 2}
		Mul(c, RowMajor(d, 2, 2), RowMajor(d, 2, 2), Options{})
	})
}

func TestDeterminism(t *testing.T) {
	cases := []mulCase{
		{m: 500, n: 70, k: 900, threads: 2},
		{m: 50, n: 30, k: 20000, threads: 2, la: colMajor}, // K split
		{m: 50, n: 30, k: 20000, threads: 3, la: colMajor},
		{m: 3000, n: 16, k: 72, threads: 3},
	}
	forEachKernel(t, func(t *testing.T) {
		for i, tc := range cases {
			rng := rand.New(rand.NewPCG(uint64(i), 9))
			a := makeMatrix(rng, tc.la, randVals(rng, tc.m*tc.k), tc.m, tc.k)
			b := makeMatrix(rng, tc.lb, randVals(rng, tc.k*tc.n), tc.k, tc.n)
			var first []float32
			for rep := 0; rep < 4; rep++ {
				c := RowMajor(make([]float32, tc.m*tc.n), tc.m, tc.n)
				Mul(c, a, b, Options{Threads: tc.threads})
				if first == nil {
					first = c.Data
					continue
				}
				for j := range first {
					if math.Float32bits(first[j]) != math.Float32bits(c.Data[j]) {
						t.Fatalf("%v: run %d differs at %d: %g vs %g", tc, rep, j, c.Data[j], first[j])
					}
				}
			}
		}
	})
}

func TestNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, th := range []int{1, 2} {
		for _, tc := range []mulCase{{m: 300, n: 40, k: 100}, {m: 40, n: 20, k: 5000}} {
			a := makeMatrix(rng, rowMajor, randVals(rng, tc.m*tc.k), tc.m, tc.k)
			b := makeMatrix(rng, rowMajor, randVals(rng, tc.k*tc.n), tc.k, tc.n)
			c := RowMajor(make([]float32, tc.m*tc.n), tc.m, tc.n)
			opt := Options{Threads: th}
			Mul(c, a, b, opt)
			if n := testing.AllocsPerRun(20, func() { Mul(c, a, b, opt) }); n > 0.5 {
				t.Errorf("threads %d %v: %v allocations per Mul", th, tc, n)
			}
		}
	}
}

func TestConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const m, n, k = 300, 40, 500
	a := makeMatrix(rng, rowMajor, randVals(rng, m*k), m, k)
	b := makeMatrix(rng, rowMajor, randVals(rng, k*n), k, n)
	want := RowMajor(make([]float32, m*n), m, n)
	Mul(want, a, b, Options{Threads: 2})
	done := make(chan []float32)
	for range 6 {
		go func() {
			var c Matrix
			for range 5 {
				c = RowMajor(make([]float32, m*n), m, n)
				Mul(c, a, b, Options{Threads: 2})
			}
			done <- c.Data
		}()
	}
	for range 6 {
		got := <-done
		for i := range got {
			if got[i] != want.Data[i] {
				t.Fatalf("concurrent Mul differs at %d: %g vs %g", i, got[i], want.Data[i])
			}
		}
	}
}

func TestZeroStrides(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		// A's rows all equal (RowStride 0), B's columns all equal (ColStride 0).
		const m, n, k = 50, 40, 30
		ad := make([]float32, k)
		bd := make([]float32, k)
		for p := range k {
			ad[p] = float32(p%7) - 3
			bd[p] = float32(p%5) - 2
		}
		want := float32(0)
		for p := range k {
			want += ad[p] * bd[p]
		}
		a := Matrix{Data: ad, Rows: m, Cols: k, RowStride: 0, ColStride: 1}
		b := Matrix{Data: bd, Rows: k, Cols: n, RowStride: 1, ColStride: 0}
		c := RowMajor(make([]float32, m*n), m, n)
		Mul(c, a, b, Options{Threads: 2})
		for i, v := range c.Data {
			if v != want {
				t.Fatalf("C[%d] = %g, want %g", i, v, want)
			}
		}
	})
}

// TestSingleColumn covers the dot-product path of one-column products (mulVec) with every layout of A
// and B, long runs (rowMajor, im2col tables), accumulation and threads.
func TestSingleColumn(t *testing.T) {
	seed := uint64(500)
	for _, m := range []int{1, 5, 36, 300} {
		for _, k := range []int{16, 100, 1000, 5000} {
			for la := range nLayouts {
				for _, acc := range []bool{false, true} {
					seed++
					runCase(t, mulCase{m: m, n: 1, k: k, la: la, lb: layout(seed % uint64(nLayouts)),
						lc: cLayouts[seed%3], acc: acc, threads: 1 + int(seed%2)}, seed)
				}
			}
		}
	}
}
