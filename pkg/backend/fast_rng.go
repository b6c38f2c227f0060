package backend

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
)

// Random bits (dropout masks, random initializers) and their conversion to float32, as heavy ops that
// work on the buffers' own types ("raw" steps: neither their inputs nor their outputs live in the
// arena).

// RNGBitGenerator implements backends.Builder: the same bits and new state as SimpleGo's (a PCG seeded
// with the two state words, its output taken 8 bytes at a time, little-endian), generated 8 bytes at a
// time instead of one, for uint8/16/32/64 outputs; other dtypes run on the extended backend.
func (b *fastBuilder) RNGBitGenerator(state backends.Op, shape shapes.Shape) (backends.Op, backends.Op, error) {
	n, err := b.node(state)
	if err != nil {
		return nil, nil, err
	}
	switch shape.DType {
	case dtypes.Uint8, dtypes.Uint16, dtypes.Uint32, dtypes.Uint64:
	default:
		return b.lightRNGBitGenerator(state, shape)
	}
	if n.shape.DType != dtypes.Uint64 || n.shape.Size() < 2 || n.fx != nil {
		return b.lightRNGBitGenerator(state, shape)
	}
	run := func(ins, outs []any, _ int) {
		st := ins[0].([]uint64)
		rng := rand.NewPCG(st[0], st[1])
		switch v := outs[1].(type) {
		case []uint64:
			for i := range v {
				v[i] = rng.Uint64()
			}
		case []uint32:
			for i := 0; i < len(v); i += 2 {
				r := rng.Uint64()
				v[i] = uint32(r)
				if i+1 < len(v) {
					v[i+1] = uint32(r >> 32)
				}
			}
		case []uint16:
			for i := 0; i < len(v); i += 4 {
				r := rng.Uint64()
				for j := i; j < min(i+4, len(v)); j++ {
					v[j] = uint16(r)
					r >>= 16
				}
			}
		case []uint8:
			for i := 0; i < len(v); i += 8 {
				r := rng.Uint64()
				for j := i; j < min(i+8, len(v)); j++ {
					v[j] = uint8(r)
					r >>= 8
				}
			}
		}
		// The new state, read back from the generator's binary form as SimpleGo does.
		bin, _ := rng.MarshalBinary()
		ns := outs[0].([]uint64)
		copy(ns, st)
		if len(bin) == 20 {
			ns[0] = binary.LittleEndian.Uint64(bin[4:12])
			ns[1] = binary.LittleEndian.Uint64(bin[12:20])
		}
	}
	outs := b.addRaw("RNGBitGenerator", []shapes.Shape{n.shape, shape}, run, n)
	return outs[0], outs[1], nil
}

// ConvertDType implements backends.Builder: integer to float32 conversions (random bits becoming
// uniform numbers) are a heavy op; a float32 "conversion" to float32 is an alias; the rest runs on the
// extended backend.
func (b *fastBuilder) ConvertDType(x backends.Op, dtype dtypes.DType) (backends.Op, error) {
	n, err := b.node(x)
	if err != nil {
		return nil, err
	}
	if dtype == dtypes.Float32 && n.shape.DType == dtypes.Float32 {
		return b.Identity(x)
	}
	if dtype != dtypes.Float32 || n.fx != nil {
		return b.lightConvertDType(x, dtype)
	}
	switch n.shape.DType {
	case dtypes.Uint32, dtypes.Int32, dtypes.Uint64, dtypes.Int64:
	default:
		return b.lightConvertDType(x, dtype)
	}
	run := func(ins, outs []any, threads int) {
		y := outs[0].([]float32)
		parallelRange(len(y), threadsFor(len(y), threads), func(lo, hi int) {
			switch v := ins[0].(type) {
			case []uint32:
				for i := lo; i < hi; i++ {
					y[i] = float32(v[i])
				}
			case []int32:
				for i := lo; i < hi; i++ {
					y[i] = float32(v[i])
				}
			case []uint64:
				for i := lo; i < hi; i++ {
					y[i] = float32(v[i])
				}
			case []int64:
				for i := lo; i < hi; i++ {
					y[i] = float32(v[i])
				}
			}
		})
	}
	out := n.shape.Clone()
	out.DType = dtypes.Float32
	return b.addRaw("ConvertDType", []shapes.Shape{out}, run, n)[0], nil
}

// addRaw appends a heavy op whose kernel works on the buffers' typed storage (see fastHeavy.runRaw).
func (b *fastBuilder) addRaw(name string, outShapes []shapes.Shape, run func(ins, outs []any, threads int), inputs ...*fastNode) []*fastNode {
	outs := b.addHeavyN(name, outShapes, nil, inputs...)
	outs[0].heavy.runRaw = run
	return outs
}
