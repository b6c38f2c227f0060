package models_test

import (
	"fmt"
	"math"
	"os"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/gemm"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/vec"
)

// TestFastBackendParity computes, for each model in training mode (batch statistics, dropout), the
// prediction, the MSE loss and its gradient with respect to every variable, from the same weights and
// data, on the fast CPU backend (its best GEMM kernel and the pure-Go fallback) and compares them with
// the same computation in float64 (on the extended pure-Go backend): relative errors must stay below
// 1e-4. Measured: 1e-7 to 1e-6 on the fast backend; the extended backend in float32 is at 1e-5 to 2e-2
// (its BatchNorm sums in float32; PARITYLOG=1 prints both). Variables whose gradient is zero up to
// rounding (biases followed by BatchNorm) are skipped.
func TestFastBackendParity(t *testing.T) {
	for _, tc := range []struct {
		model       string
		size, width int
	}{
		{models.EDCNN, 32, 4},
		{models.DCNNAE, 100, 2},
	} {
		t.Run(fmt.Sprintf("%s/N=%d/W=%d", tc.model, tc.size, tc.width), func(t *testing.T) {
			c, err := models.Default(tc.model, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			c.Width = tc.width
			if os.Getenv("NODROP") != "" {
				c.D1, c.D2, c.D3, c.D4 = 0, 0, 0, 0
			}
			// run computes on the backend of config in dtype; init, if not nil, gives the initial values
			// of the variables (converted to dtype), so that every run starts from the same weights.
			var init *context.Context
			run := func(config string, dtype dtypes.DType) parityResult {
				b, err := backend.NewWithConfig(config)
				if err != nil {
					t.Fatal(err)
				}
				fn, err := models.Build(c)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.New()
				ctx.SetParam(context.ParamInitialSeed, int64(3))
				if init != nil {
					init.EnumerateVariables(func(v *context.Variable) {
						value := v.MustValue()
						if value.DType() != dtypes.Float32 {
							return // The random number generator's state: the first run advanced it.
						}
						if value.DType() == dtypes.Float32 && dtype != dtypes.Float32 {
							flat := tensors.MustCopyFlatData[float32](value)
							conv := make([]float64, len(flat))
							for i, x := range flat {
								conv[i] = float64(x)
							}
							value = tensors.FromFlatDataAndDimensions(conv, value.Shape().Dimensions...)
						} else {
							value = mustClone(value)
						}

						nv := ctx.InAbsPath(v.Scope()).VariableWithValue(v.Name(), value)
						nv.Trainable = v.Trainable
					})
					ctx = ctx.Reuse()
				}
				var names []string
				e := context.MustNewExec(b, ctx, func(ctx *context.Context, x, y *Node) []*Node {
					ctx.SetTraining(x.Graph(), true)
					pred := fn(ctx, ConvertDType(x, dtype))
					loss := losses.MeanSquaredError([]*Node{ConvertDType(y, dtype)}, []*Node{pred})
					var vars []*Node
					names = names[:0]
					ctx.EnumerateVariables(func(v *context.Variable) {
						if v.Trainable && v.Shape().DType == dtype {
							names = append(names, v.ScopeAndName())
							vars = append(vars, v.ValueGraph(x.Graph()))
						}
					})
					outs := append([]*Node{pred, loss}, Gradient(loss, vars...)...)
					for i := range outs {
						outs[i] = ConvertDType(outs[i], dtypes.Float32)
					}
					return outs
				})
				outs := e.MustExec(randomImages(4, tc.size, 1), randomImages(4, tc.size, 2))
				r := parityResult{pred: tensors.MustCopyFlatData[float32](outs[0]),
					loss: float64(tensors.ToScalar[float32](outs[1])), grads: map[string][]float32{}}
				for i, name := range names {
					r.grads[name] = tensors.MustCopyFlatData[float32](outs[2+i])
				}
				return r
			}
			// Initialize the variables once (inference mode: the random number generator is not
			// advanced by dropout), then start every run from them.
			{
				b := must1(backend.NewWithConfig(backend.ExtendedBackendName))
				fn := must1(models.Build(c))
				init = context.New()
				init.SetParam(context.ParamInitialSeed, int64(3))
				context.MustExecOnce(b, init, func(ctx *context.Context, x *Node) *Node { return fn(ctx, x) },
					randomImages(1, tc.size, 1))
			}
			ext := run(backend.ExtendedBackendName, dtypes.Float32)
			ref := run(backend.ExtendedBackendName, dtypes.Float64)
			for _, kernel := range []string{"", "generic"} {
				config := backend.FastBackendName
				if kernel != "" {
					config += ":kernel=" + kernel
				}
				fast := run(config, dtypes.Float32)
				_, _ = gemm.SetKernel(""), vec.SetKernel("")
				compareToFloat64(t, config, fast, ext, ref)
			}
		})
	}
}

// parityResult is a model's prediction, loss and gradients (by variable) on one backend.
type parityResult struct {
	pred  []float32
	loss  float64
	grads map[string][]float32
}

// compareToFloat64 checks that the fast backend's result is within 1e-4 (relative norm) of the float64
// computation, for the prediction, the loss and every gradient that is not zero up to rounding.
func compareToFloat64(t *testing.T, config string, fast, ext, ref parityResult) {
	t.Helper()
	check := func(what string, got, other, want []float32) {
		dFast, dExt := relDiff(got, want), relDiff(other, want)
		if os.Getenv("PARITYLOG") != "" {
			t.Logf("%s: fast %.2g extended %.2g", what, dFast, dExt)
		}
		if dFast > 1e-4 || math.IsNaN(dFast) {
			t.Errorf("%s, %s: relative error vs float64 %.2g (extended backend: %.2g)", config, what, dFast, dExt)
		}
	}
	check("prediction", fast.pred, ext.pred, ref.pred)
	check("loss", []float32{float32(fast.loss)}, []float32{float32(ext.loss)}, []float32{float32(ref.loss)})
	var maxNorm float64
	for _, g := range ref.grads {
		maxNorm = math.Max(maxNorm, norm(g))
	}
	compared := 0
	for name, g := range ref.grads {
		if norm(g) < 1e-4*maxNorm {
			continue // Zero up to rounding.
		}
		check("gradient of "+name, fast.grads[name], ext.grads[name], g)
		compared++
	}
	if compared < len(ref.grads)/2 {
		t.Errorf("compared only %d of %d gradients", compared, len(ref.grads))
	}
}

func norm(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

// relDiff returns |a-b| / |b| (Euclidean norms).
func relDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d, n float64
	for i := range a {
		d += (float64(a[i]) - float64(b[i])) * (float64(a[i]) - float64(b[i]))
		n += float64(b[i]) * float64(b[i])
	}
	return math.Sqrt(d / math.Max(n, 1e-300))
}

func must1[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func mustClone(t *tensors.Tensor) *tensors.Tensor {
	c, err := t.LocalClone()
	if err != nil {
		panic(err)
	}
	return c
}
