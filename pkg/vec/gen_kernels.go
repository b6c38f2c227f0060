//go:build ignore

// gen_kernels writes kernels_amd64.s and decl_amd64.go: the AVX2 and AVX-512 element-wise
// kernels of package vec. Run with go generate.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"os"
	"regexp"
	"strings"
)

type isa struct {
	name   string // function name suffix: AVX2, AVX512
	r      string // vector register prefix: Y, Z
	w      int    // float32 lanes
	nreg   int    // vector registers
	avx512 bool
}

var (
	avx2   = isa{name: "AVX2", r: "Y", w: 8, nreg: 16}
	avx512 = isa{name: "AVX512", r: "Z", w: 16, nreg: 32, avx512: true}
)

// Signatures of the kernel kinds: Go parameters, frame size, input pointer arguments, scalar
// argument and the offset of n.
type sig struct {
	params string
	frame  int
	inputs []string // pointer arguments read, in frame order after dst
	scalar string   // float32 argument broadcast into {S}
	soff   int
	noff   int
}

var (
	sigBin   = sig{params: "dst, a, b *float32, n int", frame: 32, inputs: []string{"a", "b"}, noff: 24}
	sigScal  = sig{params: "dst, a *float32, s float32, n int", frame: 32, inputs: []string{"a"}, scalar: "s", soff: 16, noff: 24}
	sigUn    = sig{params: "dst, a *float32, n int", frame: 24, inputs: []string{"a"}, noff: 16}
	sigWhere = sig{params: "dst, c, a, b *float32, n int", frame: 40, inputs: []string{"c", "a", "b"}, noff: 32}
	sigFill  = sig{params: "dst *float32, v float32, n int", frame: 24, scalar: "v", soff: 8, noff: 16}
)

// kernel is one element-wise kernel: body computes {d} (or out) from the loaded inputs
// ({a}, {b}, {c}), temporaries ({t0}) and constants ({S}, {one}, {zero}, {sign}, {absm}).
type kernel struct {
	name  string // Go function name without the ISA suffix
	table string // the impl field entry, e.g. "bin[opAdd]"
	sig   sig
	body  []string
	out   string // the register stored: "d" unless set
}

var constNames = map[string]bool{"S": true, "one": true, "zero": true, "sign": true, "absm": true}

// Comparison predicates (ordered and quiet; NE is unordered, so NaN != x is true).
var preds = map[string]int{"ge": 0x1d, "gt": 0x1e, "le": 0x12, "lt": 0x11, "eq": 0x00, "ne": 0x04}

// binOut is the register binBody's result is in.
func binOut(op string, is isa) string {
	if (op == "max" || op == "min") && !is.avx512 {
		return "t0"
	}
	return "d"
}

// binBody is the body of x op y for operands x and y (placeholders); the result is in binOut.
func binBody(op string, is isa, x, y string) []string {
	switch op {
	case "add", "sub", "mul", "div":
		return []string{fmt.Sprintf("V%sPS %s, %s, {d}", strings.ToUpper(op), y, x)}
	case "max", "min":
		// VMAXPS y, x gives x>y ? x : y and VMAXPS x, y gives y>x ? y : x: equal unless a NaN or
		// ±0 is involved. AND (max) or OR (min) of the two picks +0 or -0 for ±0; then NaNs are
		// put back, y's last so that it wins.
		ins, comb := "VMAXPS", "VANDPS"
		if op == "min" {
			ins, comb = "VMINPS", "VORPS"
		}
		if is.avx512 {
			comb = map[string]string{"VANDPS": "VPANDD", "VORPS": "VPORD"}[comb]
		}
		l := []string{
			fmt.Sprintf("%s %s, %s, {t0}", ins, y, x),
			fmt.Sprintf("%s %s, %s, {d}", ins, x, y),
			fmt.Sprintf("%s {t0}, {d}, {d}", comb),
		}
		if is.avx512 {
			return append(l,
				fmt.Sprintf("VCMPPS $3, %s, %s, K2", x, x),
				fmt.Sprintf("VMOVAPS %s, K2, {d}", x),
				fmt.Sprintf("VCMPPS $3, %s, %s, K3", y, y),
				fmt.Sprintf("VMOVAPS %s, K3, {d}", y))
		}
		// AVX2, without blends. t0 = x>y ? x : y is y when y is NaN; u = y>x ? y : x is x when
		// x is NaN; with mx = x is NaN and y is not, my = y is NaN:
		//   max: (t0 | mx) & (u | my)    min: (t0 &^ mx) | (u &^ my)
		// which gives the ordered result, x&y or x|y for ±0, x for mx and y for my.
		if x == "{S}" {
			log.Fatal("max/min: x must be a loaded input")
		}
		l = []string{
			fmt.Sprintf("VCMPPS $3, %s, %s, {t1}", x, x),
			fmt.Sprintf("VCMPPS $3, %s, %s, {t2}", y, y),
			"VANDNPS {t1}, {t2}, {t1}", // mx = ~my & (x is NaN)
			fmt.Sprintf("%s %s, %s, {t0}", ins, y, x),
			fmt.Sprintf("%s %s, %s, %s", ins, x, y, x), // u, in x's register
		}
		if op == "max" {
			return append(l,
				"VORPS {t1}, {t0}, {t0}",
				fmt.Sprintf("VORPS {t2}, %s, %s", x, x),
				fmt.Sprintf("VANDPS {t0}, %s, {t0}", x))
		}
		return append(l,
			"VANDNPS {t0}, {t1}, {t0}", // t0 &^ mx
			fmt.Sprintf("VANDNPS %s, {t2}, %s", x, x),
			fmt.Sprintf("VORPS {t0}, %s, {t0}", x))
	}
	p, ok := preds[op]
	if !ok {
		log.Fatalf("unknown op %s", op)
	}
	if is.avx512 {
		return []string{
			fmt.Sprintf("VCMPPS $0x%02x, %s, %s, K2", p, y, x),
			"VMOVAPS.Z {one}, K2, {d}",
		}
	}
	return []string{
		fmt.Sprintf("VCMPPS $0x%02x, %s, %s, {d}", p, y, x),
		"VANDPS {one}, {d}, {d}",
	}
}

func kernels(is isa) []kernel {
	var ks []kernel
	binOps := []struct{ op, c string }{
		{"add", "opAdd"}, {"sub", "opSub"}, {"mul", "opMul"}, {"div", "opDiv"}, {"max", "opMax"}, {"min", "opMin"},
		{"ge", "opGE"}, {"gt", "opGT"}, {"le", "opLE"}, {"lt", "opLT"}, {"eq", "opEQ"}, {"ne", "opNE"},
	}
	for _, o := range binOps {
		ks = append(ks, kernel{name: o.op, table: "bin[" + o.c + "]", sig: sigBin, body: binBody(o.op, is, "{a}", "{b}"), out: binOut(o.op, is)})
	}
	scalOps := []struct {
		name, op, c string
		rev         bool // s op a
	}{
		{"addScalar", "add", "sAdd", false}, {"mulScalar", "mul", "sMul", false},
		{"subScalar", "sub", "sSub", false}, {"scalarSub", "sub", "sRSub", true},
		{"divScalar", "div", "sDiv", false}, {"scalarDiv", "div", "sRDiv", true},
		{"maxScalar", "max", "sMax", false}, {"minScalar", "min", "sMin", false},
		{"geScalar", "ge", "sGE", false}, {"gtScalar", "gt", "sGT", false}, {"leScalar", "le", "sLE", false},
		{"ltScalar", "lt", "sLT", false}, {"eqScalar", "eq", "sEQ", false}, {"neScalar", "ne", "sNE", false},
	}
	for _, o := range scalOps {
		x, y := "{a}", "{S}"
		if o.rev {
			x, y = y, x
		}
		ks = append(ks, kernel{name: o.name, table: "scal[" + o.c + "]", sig: sigScal, body: binBody(o.op, is, x, y), out: binOut(o.op, is)})
	}
	xor, and := "VXORPS", "VANDPS"
	if is.avx512 {
		xor, and = "VPXORD", "VPANDD"
	}
	ks = append(ks,
		kernel{name: "neg", table: "un[uNeg]", sig: sigUn, body: []string{xor + " {sign}, {a}, {d}"}},
		kernel{name: "abs", table: "un[uAbs]", sig: sigUn, body: []string{and + " {absm}, {a}, {d}"}},
		kernel{name: "sqrt", table: "un[uSqrt]", sig: sigUn, body: []string{"VSQRTPS {a}, {d}"}},
		kernel{name: "fill", table: "fill", sig: sigFill, out: "S"},
	)
	var where []string
	if is.avx512 {
		where = []string{"VCMPPS $4, {zero}, {c}, K2", "VBLENDMPS {a}, {b}, K2, {d}"}
	} else {
		where = []string{"VCMPPS $4, {zero}, {c}, {t0}", "VBLENDVPS {t0}, {a}, {b}, {d}"}
	}
	ks = append(ks, kernel{name: "where", table: "where", sig: sigWhere, body: where})
	return ks
}

var phRE = regexp.MustCompile(`\{(\w+)\}`)

type gen struct{ buf bytes.Buffer }

func (g *gen) p(format string, args ...any) { fmt.Fprintf(&g.buf, format+"\n", args...) }

var gpr = []string{"SI", "DX", "R8"}

// elementwise writes one kernel: an unrolled loop over U vectors, a one-vector loop, and a
// masked last vector.
func (g *gen) elementwise(k kernel, is isa) {
	lines := append([]string(nil), k.body...)
	out := k.out
	if out == "" {
		out = "d"
	}
	// Placeholders: constants, and per-slot registers (inputs first).
	var consts, slot []string
	seen := map[string]bool{}
	add := func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		if constNames[n] {
			consts = append(consts, n)
		} else {
			slot = append(slot, n)
		}
	}
	for _, in := range k.sig.inputs {
		add(in)
	}
	for _, l := range lines {
		for _, m := range phRE.FindAllStringSubmatch(l, -1) {
			add(m[1])
		}
	}
	add(out)
	// Registers: constants from the top, slots from 0.
	creg := map[string]string{}
	for i, c := range consts {
		creg[c] = fmt.Sprintf("%s%d", is.r, is.nreg-1-i)
	}
	u := 4
	if len(slot) > 0 {
		u = min(4, (is.nreg-len(consts))/len(slot))
	}
	if u < 2 {
		log.Fatalf("%s: too many registers", k.name)
	}
	reg := func(s int, n string) string {
		if r, ok := creg[n]; ok {
			return r
		}
		for i, x := range slot {
			if x == n {
				return fmt.Sprintf("%s%d", is.r, s*len(slot)+i)
			}
		}
		log.Fatalf("%s: no register for %s", k.name, n)
		return ""
	}
	subst := func(s int, l string) string {
		return phRE.ReplaceAllStringFunc(l, func(m string) string { return reg(s, m[1:len(m)-1]) })
	}
	fn := k.name + is.name
	vb := is.w * 4
	g.p("// func %s(%s)", fn, k.sig.params)
	g.p("TEXT ·%s(SB), NOSPLIT, $0-%d", fn, k.sig.frame)
	g.p("\tMOVQ dst+0(FP), DI")
	ptr := map[string]string{}
	for i, in := range k.sig.inputs {
		ptr[in] = gpr[i]
		g.p("\tMOVQ %s+%d(FP), %s", in, 8*(i+1), gpr[i])
	}
	g.p("\tMOVQ n+%d(FP), CX", k.sig.noff)
	for _, c := range consts {
		r := creg[c]
		switch c {
		case "S":
			g.p("\tVBROADCASTSS %s+%d(FP), %s", k.sig.scalar, k.sig.soff, r)
		case "zero":
			if is.avx512 {
				g.p("\tVPXORD %s, %s, %s", r, r, r)
			} else {
				g.p("\tVXORPS %s, %s, %s", r, r, r)
			}
		default:
			bits := map[string]string{"one": "0x3f800000", "sign": "0x80000000", "absm": "0x7fffffff"}[c]
			g.p("\tMOVL $%s, AX", bits)
			if is.avx512 {
				g.p("\tVPBROADCASTD AX, %s", r)
			} else {
				g.p("\tVMOVD AX, X%s", r[1:])
				g.p("\tVPBROADCASTD X%s, %s", r[1:], r)
			}
		}
	}
	adv := func(bytes int) {
		g.p("\tADDQ $%d, DI", bytes)
		for _, in := range k.sig.inputs {
			g.p("\tADDQ $%d, %s", bytes, ptr[in])
		}
	}
	// block emits s slots: loads (with a load prefix/suffix for masking), body, stores.
	block := func(slots int, load func(src, dst string) string, store func(src, dst string) string) {
		for s := 0; s < slots; s++ {
			for _, in := range k.sig.inputs {
				g.p("\t%s", load(fmt.Sprintf("%d(%s)", s*vb, ptr[in]), reg(s, in)))
			}
		}
		if is.avx512 {
			// Slot by slot: the bodies share the mask registers K2 and K3.
			for s := 0; s < slots; s++ {
				for _, l := range lines {
					g.p("\t%s", subst(s, l))
				}
			}
		} else {
			for _, l := range lines {
				for s := 0; s < slots; s++ {
					g.p("\t%s", subst(s, l))
				}
			}
		}
		for s := 0; s < slots; s++ {
			g.p("\t%s", store(reg(s, out), fmt.Sprintf("%d(DI)", s*vb)))
		}
	}
	plainLoad := func(src, dst string) string { return "VMOVUPS " + src + ", " + dst }
	plainStore := func(src, dst string) string { return "VMOVUPS " + src + ", " + dst }
	g.p("\tCMPQ CX, $%d", u*is.w)
	g.p("\tJB   one")
	g.p("\tPCALIGN $32")
	g.p("loop:")
	block(u, plainLoad, plainStore)
	adv(u * vb)
	g.p("\tSUBQ $%d, CX", u*is.w)
	g.p("\tCMPQ CX, $%d", u*is.w)
	g.p("\tJAE  loop")
	g.p("one:")
	g.p("\tCMPQ CX, $%d", is.w)
	g.p("\tJB   tail")
	block(1, plainLoad, plainStore)
	adv(vb)
	g.p("\tSUBQ $%d, CX", is.w)
	g.p("\tJMP  one")
	g.p("tail:")
	g.p("\tTESTQ CX, CX")
	g.p("\tJEQ  done")
	if is.avx512 {
		g.p("\tMOVL $1, AX")
		g.p("\tSHLL CX, AX")
		g.p("\tDECL AX")
		g.p("\tKMOVW AX, K1")
		block(1,
			func(src, dst string) string { return "VMOVUPS.Z " + src + ", K1, " + dst },
			func(src, dst string) string { return "VMOVUPS " + src + ", K1, " + dst })
	} else {
		// The mask of the first CX lanes: 8 ones then 8 zeros, read from 32-4*CX bytes in.
		m := fmt.Sprintf("%s%d", is.r, len(slot)) // the first register of slot 1, free in the tail
		g.p("\tLEAQ tailmask<>+32(SB), AX")
		g.p("\tSHLQ $2, CX")
		g.p("\tSUBQ CX, AX")
		g.p("\tVMOVDQU (AX), %s", m)
		block(1,
			func(src, dst string) string { return "VMASKMOVPS " + src + ", " + m + ", " + dst },
			func(src, dst string) string { return "VMASKMOVPS " + src + ", " + m + ", " + dst })
	}
	g.p("done:")
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

func (g *gen) accumulate(is isa) {
	fn := "accumulateF64" + is.name
	g.p("// func %s(acc *float64, a *float32, n int)", fn)
	g.p("TEXT ·%s(SB), NOSPLIT, $0-24", fn)
	g.p("\tMOVQ acc+0(FP), DI")
	g.p("\tMOVQ a+8(FP), SI")
	g.p("\tMOVQ n+16(FP), CX")
	w := is.w / 2 // float64 lanes per vector
	const u = 4
	g.p("\tCMPQ CX, $%d", u*w)
	g.p("\tJB   one")
	g.p("\tPCALIGN $32")
	g.p("loop:")
	for s := 0; s < u; s++ {
		g.p("\tVCVTPS2PD %d(SI), %s%d", s*w*4, is.r, s)
	}
	for s := 0; s < u; s++ {
		g.p("\tVADDPD %d(DI), %s%d, %s%d", s*w*8, is.r, s, is.r, s)
	}
	for s := 0; s < u; s++ {
		g.p("\tVMOVUPD %s%d, %d(DI)", is.r, s, s*w*8)
	}
	g.p("\tADDQ $%d, SI", u*w*4)
	g.p("\tADDQ $%d, DI", u*w*8)
	g.p("\tSUBQ $%d, CX", u*w)
	g.p("\tCMPQ CX, $%d", u*w)
	g.p("\tJAE  loop")
	g.p("one:")
	g.p("\tCMPQ CX, $%d", w)
	g.p("\tJB   tail")
	g.p("\tVCVTPS2PD (SI), %s0", is.r)
	g.p("\tVADDPD (DI), %s0, %s0", is.r, is.r)
	g.p("\tVMOVUPD %s0, (DI)", is.r)
	g.p("\tADDQ $%d, SI", w*4)
	g.p("\tADDQ $%d, DI", w*8)
	g.p("\tSUBQ $%d, CX", w)
	g.p("\tJMP  one")
	g.p("tail:")
	g.p("\tTESTQ CX, CX")
	g.p("\tJEQ  done")
	if is.avx512 {
		g.p("\tMOVL $1, AX")
		g.p("\tSHLL CX, AX")
		g.p("\tDECL AX")
		g.p("\tKMOVW AX, K1")
		g.p("\tVCVTPS2PD.Z (SI), K1, Z0")
		g.p("\tVADDPD.Z (DI), Z0, K1, Z0")
		g.p("\tVMOVUPD Z0, K1, (DI)")
	} else {
		g.p("\tLEAQ tailmask<>+32(SB), AX")
		g.p("\tSHLQ $2, CX")
		g.p("\tSUBQ CX, AX")
		g.p("\tVMOVDQU (AX), X4")
		g.p("\tVPMOVSXDQ X4, Y5")
		g.p("\tVMASKMOVPS (SI), X4, X0")
		g.p("\tVCVTPS2PD X0, Y0")
		g.p("\tVMASKMOVPD (DI), Y5, Y1")
		g.p("\tVADDPD Y1, Y0, Y0")
		g.p("\tVMASKMOVPD Y0, Y5, (DI)")
	}
	g.p("done:")
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

// sum reproduces sumF64Go's order: 16 float64 lanes (4 ymm or 2 zmm accumulators), combined as
// (l[0:4]+l[4:8]) + (l[8:12]+l[12:16]), then (v0+v2)+(v1+v3), then the tail in order.
func (g *gen) sum(is isa) {
	fn := "sumF64" + is.name
	g.p("// func %s(a *float32, n int) float64", fn)
	g.p("TEXT ·%s(SB), NOSPLIT, $0-24", fn)
	g.p("\tMOVQ a+0(FP), SI")
	g.p("\tMOVQ n+8(FP), CX")
	nacc := 16 / (is.w / 2)
	for s := 0; s < nacc; s++ {
		g.p("\tVXORPD Y%d, Y%d, Y%d", s, s, s) // clears the whole zmm too
	}
	g.p("\tCMPQ CX, $16")
	g.p("\tJB   reduce")
	g.p("\tPCALIGN $32")
	g.p("loop:")
	for s := 0; s < nacc; s++ {
		g.p("\tVCVTPS2PD %d(SI), %s%d", s*is.w*2, is.r, s+8)
	}
	for s := 0; s < nacc; s++ {
		g.p("\tVADDPD %s%d, %s%d, %s%d", is.r, s+8, is.r, s, is.r, s)
	}
	g.p("\tADDQ $64, SI")
	g.p("\tSUBQ $16, CX")
	g.p("\tCMPQ CX, $16")
	g.p("\tJAE  loop")
	g.p("reduce:")
	if is.avx512 {
		g.p("\tVEXTRACTF64X4 $1, Z0, Y2")
		g.p("\tVADDPD Y2, Y0, Y0")
		g.p("\tVEXTRACTF64X4 $1, Z1, Y3")
		g.p("\tVADDPD Y3, Y1, Y1")
		g.p("\tVADDPD Y1, Y0, Y0")
	} else {
		g.p("\tVADDPD Y1, Y0, Y0")
		g.p("\tVADDPD Y3, Y2, Y2")
		g.p("\tVADDPD Y2, Y0, Y0")
	}
	g.p("\tVEXTRACTF128 $1, Y0, X1")
	g.p("\tVADDPD X1, X0, X0")
	g.p("\tVPERMILPD $1, X0, X1")
	g.p("\tVADDSD X1, X0, X0")
	g.p("\tTESTQ CX, CX")
	g.p("\tJEQ  done")
	g.p("tail:")
	g.p("\tVCVTSS2SD (SI), X1, X1")
	g.p("\tVADDSD X1, X0, X0")
	g.p("\tADDQ $4, SI")
	g.p("\tDECQ CX")
	g.p("\tJNZ  tail")
	g.p("done:")
	g.p("\tVMOVSD X0, ret+16(FP)")
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

func main() {
	var s, d gen
	s.p("// Code generated by gen_kernels.go; DO NOT EDIT.")
	s.p("")
	s.p("//go:build amd64 && !purego")
	s.p("")
	s.p(`#include "textflag.h"`)
	s.p("")
	s.p("// tailmask: 8 lanes of ones then 8 of zeros; 8 lanes read from 32-4r bytes in enable r lanes.")
	for i := 0; i < 16; i++ {
		v := "0xffffffff"
		if i >= 8 {
			v = "0x00000000"
		}
		s.p("DATA tailmask<>+%d(SB)/4, $%s", 4*i, v)
	}
	s.p("GLOBL tailmask<>(SB), RODATA|NOPTR, $64")
	s.p("")
	d.p("// Code generated by gen_kernels.go; DO NOT EDIT.")
	d.p("")
	d.p("//go:build amd64 && !purego")
	d.p("")
	d.p("package vec")
	d.p("")
	for _, is := range []isa{avx2, avx512} {
		var table []string
		for _, k := range kernels(is) {
			s.elementwise(k, is)
			d.p("//go:noescape")
			d.p("func %s%s(%s)", k.name, is.name, k.sig.params)
			d.p("")
			table = append(table, fmt.Sprintf("%s = %s%s", k.table, k.name, is.name))
		}
		s.accumulate(is)
		s.sum(is)
		d.p("//go:noescape")
		d.p("func accumulateF64%s(acc *float64, a *float32, n int)", is.name)
		d.p("")
		d.p("//go:noescape")
		d.p("func sumF64%s(a *float32, n int) float64", is.name)
		d.p("")
		v := strings.ToLower(is.name) + "Impl"
		d.p("var %s = &impl{name: %q, acc: accumulateF64%s, sum: sumF64%s}", v, strings.ToLower(is.name), is.name, is.name)
		d.p("")
		d.p("func init() {")
		for _, t := range table {
			d.p("\t%s.%s", v, t)
		}
		d.p("}")
		d.p("")
	}
	src, err := format.Source(d.buf.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("decl_amd64.go", src, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("kernels_amd64.s", s.buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
