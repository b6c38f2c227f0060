//go:build ignore

// gen_kernels writes kernels_amd64.s, the assembly micro-kernels of package gemm.
//
//	go run gen_kernels.go > kernels_amd64.s
//
// Every kernel has the Go signature
//
//	func kern(k int, a *float32, rs, cs int, b, c *float32, ldc, flags, m int, mask uint64, pf uintptr, pfs int)
//
// and computes the mr×nr tile acc(i, j) = Σ_p a[i*rs + p*cs] · b[p*nr + j] for p < k (rs, cs and ldc
// in bytes; b is a packed kc×nr panel), then stores rows i < m of it to c[i*ldc + j] (flags&1: add to
// what is there). AVX-512 kernels store only the columns selected by mask (16 bits per vector);
// the AVX2 kernel stores all nr columns. Each k step prefetches the two cache lines at pf and
// advances pf by pfs bytes (the caller points pf at the A data of the next tile); the rows of C of
// the next tile down (c + mr·ldc) are prefetched for writing on entry.
//
// The T variants take, instead of cs, a table dt of k byte deltas: after step p, A advances by dt[p]
// (for A with a column offset table, e.g. an im2col patch matrix).
//
// A rows are addressed from up to 4 base registers (SI, BX, R12, R13), each covering 9 rows through
// the index registers R8 = rs, R9 = 3rs, R10 = 5rs, R11 = 7rs, so that the same code reads a packed
// panel (rs = 4, cs = 4·mr) or an unpacked strided matrix.
package main

import (
	"fmt"
	"os"
	"strings"
)

type spec struct {
	name   string
	mr     int
	nv     int    // vectors per row
	width  int    // floats per vector
	reg    string // "Z" or "Y"
	evex   bool   // AVX-512 (32 registers, masks)
	bcstFM bool   // broadcast embedded in the FMA
	unroll int
	tab    bool // A's k steps from a table of byte deltas (argument dt) instead of the stride cs
}

var out strings.Builder

func p(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }

var bases = []string{"SI", "BX", "R12", "R13"}

func rowAddr(i int, disp string) string {
	b := bases[i/9]
	switch i % 9 {
	case 0:
		return fmt.Sprintf("%s(%s)", disp, b)
	case 1:
		return fmt.Sprintf("%s(%s)(R8*1)", disp, b)
	case 2:
		return fmt.Sprintf("%s(%s)(R8*2)", disp, b)
	case 3:
		return fmt.Sprintf("%s(%s)(R9*1)", disp, b)
	case 4:
		return fmt.Sprintf("%s(%s)(R8*4)", disp, b)
	case 5:
		return fmt.Sprintf("%s(%s)(R10*1)", disp, b)
	case 6:
		return fmt.Sprintf("%s(%s)(R9*2)", disp, b)
	case 7:
		return fmt.Sprintf("%s(%s)(R11*1)", disp, b)
	default:
		return fmt.Sprintf("%s(%s)(R8*8)", disp, b)
	}
}

func gen(s spec) {
	nr := s.nv * s.width
	vbytes := s.width * 4
	nacc := s.mr * s.nv
	acc := func(i, v int) string { return fmt.Sprintf("%s%d", s.reg, i*s.nv+v) }
	breg := func(v int) string { return fmt.Sprintf("%s%d", s.reg, nacc+v) }
	nb := 2
	if s.bcstFM {
		nb = 0
	}
	bc := func(i int) string { return fmt.Sprintf("%s%d", s.reg, nacc+s.nv+i%nb) }
	nbase := (s.mr + 8) / 9

	csArg := "cs"
	if s.tab {
		csArg = "dt"
	}
	p("// func %s(k int, a *float32, rs, %s int, b, c *float32, ldc, flags, m int, mask uint64, pf uintptr, pfs int)", s.name, csArg)
	p("TEXT ·%s(SB), NOSPLIT, $0-96", s.name)
	// Prefetch (for writing) the rows of C of the next tile down (this tile's were prefetched by
	// the previous call): short k leaves too little time to fetch this tile's own.
	p("\tMOVQ c+40(FP), DX")
	p("\tMOVQ ldc+48(FP), AX")
	p("\tIMUL3Q $%d, AX, R15", s.mr)
	p("\tADDQ R15, DX")
	for i := 0; i < s.mr; i++ {
		if i > 0 {
			p("\tADDQ AX, DX")
		}
		p("\tBYTE $0x0F; BYTE $0x0D; BYTE $0x0A // PREFETCHW (DX)")
		if s.nv*s.width*4 > 64 {
			p("\tBYTE $0x0F; BYTE $0x0D; BYTE $0x4A; BYTE $0x40 // PREFETCHW 64(DX)")
		}
	}
	p("\tMOVQ pf+80(FP), DX")
	p("\tMOVQ pfs+88(FP), AX")
	p("\tMOVQ k+0(FP), CX")
	p("\tMOVQ a+8(FP), SI")
	p("\tMOVQ rs+16(FP), R8")
	p("\tMOVQ %s+24(FP), R14", csArg)
	p("\tMOVQ b+32(FP), DI")
	p("\tLEAQ (R8)(R8*2), R9")
	p("\tLEAQ (R8)(R8*4), R10")
	p("\tLEAQ (R9)(R8*4), R11")
	for g := 1; g < nbase; g++ {
		p("\tLEAQ (%s)(R8*8), %s", bases[g-1], bases[g])
		p("\tADDQ R8, %s", bases[g])
	}
	for i := 0; i < nacc; i++ {
		if s.evex {
			p("\tVPXORD %s%d, %s%d, %s%d", s.reg, i, s.reg, i, s.reg, i)
		} else {
			p("\tVXORPS %s%d, %s%d, %s%d", s.reg, i, s.reg, i, s.reg, i)
		}
	}
	body := func() {
		for v := 0; v < s.nv; v++ {
			p("\tVMOVUPS %d(DI), %s", v*vbytes, breg(v))
		}
		for i := 0; i < s.mr; i++ {
			if s.bcstFM {
				for v := 0; v < s.nv; v++ {
					p("\tVFMADD231PS.BCST %s, %s, %s", rowAddr(i, ""), breg(v), acc(i, v))
				}
				continue
			}
			p("\tVBROADCASTSS %s, %s", rowAddr(i, ""), bc(i))
			for v := 0; v < s.nv; v++ {
				p("\tVFMADD231PS %s, %s, %s", breg(v), bc(i), acc(i, v))
			}
		}
		p("\tPREFETCHT0 (DX)")
		p("\tPREFETCHT0 64(DX)")
		p("\tADDQ AX, DX")
		p("\tADDQ $%d, DI", nr*4)
		step := "R14"
		if s.tab {
			p("\tMOVQ (R14), R15")
			p("\tADDQ $8, R14")
			step = "R15"
		}
		for g := 0; g < nbase; g++ {
			p("\tADDQ %s, %s", step, bases[g])
		}
	}
	if s.unroll > 1 {
		p("\tCMPQ CX, $%d", s.unroll)
		p("\tJLT %s_tail", s.name)
		p("%s_loop%d:", s.name, s.unroll)
		for u := 0; u < s.unroll; u++ {
			body()
		}
		p("\tSUBQ $%d, CX", s.unroll)
		p("\tCMPQ CX, $%d", s.unroll)
		p("\tJGE %s_loop%d", s.name, s.unroll)
		p("%s_tail:", s.name)
		p("\tTESTQ CX, CX")
		p("\tJEQ %s_store", s.name)
	}
	p("%s_loop:", s.name)
	body()
	p("\tDECQ CX")
	p("\tJNZ %s_loop", s.name)

	p("%s_store:", s.name)
	p("\tMOVQ c+40(FP), DX")
	p("\tMOVQ ldc+48(FP), R8")
	p("\tMOVQ m+64(FP), AX")
	if s.evex {
		p("\tMOVQ mask+72(FP), R9")
		for v := 0; v < s.nv; v++ {
			p("\tKMOVW R9, K%d", v+1)
			if v+1 < s.nv {
				p("\tSHRQ $16, R9")
			}
		}
	}
	p("\tMOVQ flags+56(FP), R9")
	p("\tTESTQ $1, R9")
	p("\tJNZ %s_acc", s.name)
	tmp := fmt.Sprintf("%s%d", s.reg, nacc+s.nv)
	for _, accum := range []bool{false, true} {
		if accum {
			p("%s_acc:", s.name)
		}
		for i := 0; i < s.mr; i++ {
			if i > 0 {
				p("\tCMPQ AX, $%d", i)
				p("\tJLE %s_done", s.name)
				p("\tADDQ R8, DX")
			}
			for v := 0; v < s.nv; v++ {
				addr := fmt.Sprintf("%d(DX)", v*vbytes)
				if s.evex {
					if accum {
						p("\tVMOVUPS.Z %s, K%d, %s", addr, v+1, tmp)
						p("\tVADDPS %s, %s, %s", tmp, acc(i, v), acc(i, v))
					}
					p("\tVMOVUPS %s, K%d, %s", acc(i, v), v+1, addr)
				} else {
					if accum {
						p("\tVADDPS %s, %s, %s", addr, acc(i, v), acc(i, v))
					}
					p("\tVMOVUPS %s, %s", acc(i, v), addr)
				}
			}
		}
		p("\tJMP %s_done", s.name)
	}
	p("%s_done:", s.name)
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

// genPair writes the AVX-512 "pair" kernel for N <= 8 and A with unit column stride (cs is
// ignored): a zmm accumulator holds a row of C for two consecutive k, lanes 2j and 2j+1 summing
// a(i,k)·B(k,j) over even and odd k. B is packed by pairs of rows, interleaved:
// b[q*16 + 2j + e] = B(2q+e, j) (zero for the missing row of an odd k); a step broadcasts the
// pair a(i,2q), a(i,2q+1) with VBROADCASTSD, so that a zmm FMA does the work of two 8-wide ones.
// The epilogue adds the lane pairs, two rows of C per zmm, and stores them with the column mask.
func genPair(name string) {
	const mr = 28
	p("// func %s(k int, a *float32, rs, cs int, b, c *float32, ldc, flags, m int, mask uint64, pf uintptr, pfs int)", name)
	p("TEXT ·%s(SB), NOSPLIT, $0-96", name)
	p("\tMOVQ c+40(FP), DX")
	p("\tMOVQ ldc+48(FP), AX")
	p("\tIMUL3Q $%d, AX, R15", mr)
	p("\tADDQ R15, DX")
	for i := 0; i < mr; i++ {
		if i > 0 {
			p("\tADDQ AX, DX")
		}
		p("\tBYTE $0x0F; BYTE $0x0D; BYTE $0x0A // PREFETCHW (DX)")
	}
	p("\tMOVQ pf+80(FP), DX")
	p("\tMOVQ pfs+88(FP), AX")
	p("\tMOVQ k+0(FP), CX")
	p("\tMOVQ a+8(FP), SI")
	p("\tMOVQ rs+16(FP), R8")
	p("\tMOVQ b+32(FP), DI")
	p("\tLEAQ (R8)(R8*2), R9")
	p("\tLEAQ (R8)(R8*4), R10")
	p("\tLEAQ (R9)(R8*4), R11")
	nbase := (mr + 8) / 9
	for g := 1; g < nbase; g++ {
		p("\tLEAQ (%s)(R8*8), %s", bases[g-1], bases[g])
		p("\tADDQ R8, %s", bases[g])
	}
	for i := 0; i < mr; i++ {
		p("\tVPXORD Z%d, Z%d, Z%d", i, i, i)
	}
	p("\tMOVQ CX, R15")
	p("\tSHRQ $1, CX")
	p("\tJEQ %s_tail", name)
	p("%s_loop:", name)
	p("\tVMOVUPS (DI), Z28")
	for i := 0; i < mr; i++ {
		p("\tVBROADCASTSD %s, Z%d", rowAddr(i, ""), 29+i%3)
		p("\tVFMADD231PS Z28, Z%d, Z%d", 29+i%3, i)
	}
	p("\tPREFETCHT0 (DX)")
	p("\tPREFETCHT0 64(DX)")
	p("\tADDQ AX, DX")
	p("\tADDQ $64, DI")
	for g := 0; g < nbase; g++ {
		p("\tADDQ $8, %s", bases[g])
	}
	p("\tDECQ CX")
	p("\tJNZ %s_loop", name)
	p("%s_tail:", name)
	p("\tTESTQ $1, R15")
	p("\tJEQ %s_sum", name)
	// Odd k: the last row of A alone, in the even lanes (zeroed odd lanes, B's are zero too).
	p("\tMOVQ $0x5555, R15")
	p("\tKMOVW R15, K3")
	p("\tVMOVUPS (DI), Z28")
	for i := 0; i < mr; i++ {
		p("\tVBROADCASTSS.Z %s, K3, Z%d", rowAddr(i, ""), 29+i%3)
		p("\tVFMADD231PS Z28, Z%d, Z%d", 29+i%3, i)
	}
	p("%s_sum:", name)
	p("\tVMOVUPS pairEven<>(SB), Z28")
	p("\tVMOVUPS pairOdd<>(SB), Z29")
	for i := 0; i < mr; i += 2 {
		p("\tVMOVAPS Z28, Z30")
		p("\tVPERMI2PS Z%d, Z%d, Z30", i+1, i)
		p("\tVPERMT2PS Z%d, Z29, Z%d", i+1, i)
		p("\tVADDPS Z30, Z%d, Z%d", i, i)
	}
	p("\tMOVQ c+40(FP), DX")
	p("\tMOVQ ldc+48(FP), R8")
	p("\tMOVQ m+64(FP), AX")
	p("\tMOVQ mask+72(FP), R9")
	p("\tKMOVW R9, K1")
	p("\tMOVQ flags+56(FP), R9")
	p("\tTESTQ $1, R9")
	p("\tJNZ %s_acc", name)
	for _, accum := range []bool{false, true} {
		if accum {
			p("%s_acc:", name)
		}
		for i := 0; i < mr; i++ {
			if i > 0 {
				p("\tCMPQ AX, $%d", i)
				p("\tJLE %s_done", name)
				p("\tADDQ R8, DX")
			}
			z := i &^ 1
			if i%2 == 0 {
				if accum {
					p("\tVMOVUPS.Z (DX), K1, Y30")
					p("\tVADDPS Y30, Y%d, Y31", z)
					p("\tVMOVUPS Y31, K1, (DX)")
				} else {
					p("\tVMOVUPS Y%d, K1, (DX)", z)
				}
			} else {
				if accum {
					p("\tVEXTRACTF32X8 $1, Z%d, Y31", z)
					p("\tVMOVUPS.Z (DX), K1, Y30")
					p("\tVADDPS Y30, Y31, Y31")
					p("\tVMOVUPS Y31, K1, (DX)")
				} else {
					p("\tVEXTRACTF32X8 $1, Z%d, K1, (DX)", z)
				}
			}
		}
		p("\tJMP %s_done", name)
	}
	p("%s_done:", name)
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
	// Permutation indexes: even (odd) lanes of the first table, then of the second.
	for e, tab := range []string{"pairEven", "pairOdd"} {
		for l := 0; l < 16; l++ {
			p("DATA %s<>+%d(SB)/4, $%d", tab, 4*l, 2*(l%8)+16*(l/8)+e)
		}
		p("GLOBL %s<>(SB), RODATA|NOPTR, $64", tab)
		p("")
	}
}

func main() {
	p("// Code generated by gen_kernels.go; DO NOT EDIT.")
	p("")
	p("//go:build amd64 && !purego")
	p("")
	p("#include \"textflag.h\"")
	p("")
	gen(spec{name: "kernAVX512x14x32", mr: 14, nv: 2, width: 16, reg: "Z", evex: true, unroll: 2})
	gen(spec{name: "kernAVX512x28x16", mr: 28, nv: 1, width: 16, reg: "Z", evex: true, bcstFM: true, unroll: 2})
	gen(spec{name: "kernAVX512x28x8", mr: 28, nv: 1, width: 8, reg: "Y", evex: true, bcstFM: true, unroll: 2})
	gen(spec{name: "kernAVX2x6x16", mr: 6, nv: 2, width: 8, reg: "Y", unroll: 2})
	genPair("kernAVX512x28x8P")
	gen(spec{name: "kernAVX2x12x8", mr: 12, nv: 1, width: 8, reg: "Y", unroll: 2})
	gen(spec{name: "kernAVX2x6x16T", mr: 6, nv: 2, width: 8, reg: "Y", unroll: 2, tab: true})
	gen(spec{name: "kernAVX2x12x8T", mr: 12, nv: 1, width: 8, reg: "Y", unroll: 2, tab: true})
	gen(spec{name: "kernAVX512x14x32T", mr: 14, nv: 2, width: 16, reg: "Z", evex: true, unroll: 2, tab: true})
	gen(spec{name: "kernAVX512x28x16T", mr: 28, nv: 1, width: 16, reg: "Z", evex: true, bcstFM: true, unroll: 2, tab: true})
	gen(spec{name: "kernAVX512x28x8T", mr: 28, nv: 1, width: 8, reg: "Y", evex: true, bcstFM: true, unroll: 2, tab: true})
	os.Stdout.WriteString(out.String())
}
