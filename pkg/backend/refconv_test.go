package backend

// A naive float64 reference for 2-D convolutions in the channels-last layout, and for their gradients,
// used by the parity tests.

// convCase describes a 2-D convolution: input [B, H, W, Cin], kernel [KH, KW, Cin, Cout].
type convCase struct {
	name               string
	b, h, w, cin, cout int
	kh, kw             int
	strides            [2]int
	pads               [2][2]int
	inDil, kDil        [2]int
}

func (tc convCase) norm() convCase {
	for i := range 2 {
		tc.strides[i] = max(tc.strides[i], 1)
		tc.inDil[i] = max(tc.inDil[i], 1)
		tc.kDil[i] = max(tc.kDil[i], 1)
	}
	return tc
}

func (tc convCase) outDims() (int, int) {
	tc = tc.norm()
	in := [2]int{tc.h, tc.w}
	k := [2]int{tc.kh, tc.kw}
	var out [2]int
	for i := range 2 {
		dilated := (in[i]-1)*tc.inDil[i] + 1
		padded := dilated + tc.pads[i][0] + tc.pads[i][1]
		ext := (k[i]-1)*tc.kDil[i] + 1
		out[i] = (padded-ext)/tc.strides[i] + 1
	}
	return out[0], out[1]
}

// inputIndex maps an output position and kernel offset on one axis to the input index, or -1 when it
// falls on padding or on a dilation hole.
func inputIndex(o, k, stride, kDil, pad, inDil, n int) int {
	pos := o*stride + k*kDil - pad
	if pos < 0 || pos%inDil != 0 {
		return -1
	}
	pos /= inDil
	if pos >= n {
		return -1
	}
	return pos
}

// refConv computes y, and the gradients of sum(y*g) with respect to x and kernel.
func refConv(tc convCase, x, kernel, g []float64) (y, dx, dk []float64) {
	tc = tc.norm()
	oh, ow := tc.outDims()
	y = make([]float64, tc.b*oh*ow*tc.cout)
	dx = make([]float64, len(x))
	dk = make([]float64, len(kernel))
	for b := range tc.b {
		for o1 := range oh {
			for o2 := range ow {
				for k1 := range tc.kh {
					i1 := inputIndex(o1, k1, tc.strides[0], tc.kDil[0], tc.pads[0][0], tc.inDil[0], tc.h)
					if i1 < 0 {
						continue
					}
					for k2 := range tc.kw {
						i2 := inputIndex(o2, k2, tc.strides[1], tc.kDil[1], tc.pads[1][0], tc.inDil[1], tc.w)
						if i2 < 0 {
							continue
						}
						for ci := range tc.cin {
							xIdx := ((b*tc.h+i1)*tc.w+i2)*tc.cin + ci
							for co := range tc.cout {
								kIdx := ((k1*tc.kw+k2)*tc.cin+ci)*tc.cout + co
								yIdx := ((b*oh+o1)*ow+o2)*tc.cout + co
								y[yIdx] += x[xIdx] * kernel[kIdx]
								if g != nil {
									dx[xIdx] += g[yIdx] * kernel[kIdx]
									dk[kIdx] += g[yIdx] * x[xIdx]
								}
							}
						}
					}
				}
			}
		}
	}
	return
}
