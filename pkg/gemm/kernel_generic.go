package gemm

// kernGeneric4x8 is the portable micro-kernel: a 4×8 register tile in plain Go.
func kernGeneric4x8(k int, a []float32, rs, cs int, b, c []float32, ldc int, acc bool, m, n int) {
	var c0, c1, c2, c3 [8]float32
	ia := 0
	b = b[:k*8]
	for p := 0; p < k; p++ {
		a0 := a[ia]
		a1 := a[ia+rs]
		a2 := a[ia+2*rs]
		a3 := a[ia+3*rs]
		ia += cs
		bp := (*[8]float32)(b[p*8 : p*8+8])
		for j, bv := range bp {
			c0[j] += a0 * bv
			c1[j] += a1 * bv
			c2[j] += a2 * bv
			c3[j] += a3 * bv
		}
	}
	rows := [4]*[8]float32{&c0, &c1, &c2, &c3}
	for i := 0; i < m; i++ {
		dst := c[i*ldc : i*ldc+n]
		src := rows[i][:n]
		if acc {
			for j, v := range src {
				dst[j] += v
			}
		} else {
			copy(dst, src)
		}
	}
}
