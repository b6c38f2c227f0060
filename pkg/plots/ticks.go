package plots

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// linearTicker places about n labelled ticks at "nice" values (1, 2, 2.5, 5 times a power of ten),
// with unlabelled minor ticks between them when minor is set.
type linearTicker struct {
	n     int
	minor bool
}

// Ticks implements plot.Ticker.
func (t linearTicker) Ticks(lo, hi float64) []plot.Tick {
	return linearTicks(lo, hi, t.n, t.minor)
}

// niceStep returns the smallest nice step >= raw and its mantissa (1, 2, 2.5 or 5).
func niceStep(raw float64) (step, mant float64) {
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw*(1-1e-9) {
			if m == 10 {
				return mag * 10, 1
			}
			return m * mag, m
		}
	}
	return 10 * mag, 1
}

// linearTicks returns labelled ticks every nice step in [lo, hi] (about n of them) and, if minor,
// minor ticks in between.
func linearTicks(lo, hi float64, n int, minor bool) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) || n < 1 {
		return nil
	}
	step, mant := niceStep((hi - lo) / float64(n))
	first := math.Ceil(lo/step - 1e-9)
	last := math.Floor(hi/step + 1e-9)
	if last-first > 1000 {
		return nil
	}
	labels := make([]float64, 0, int(last-first)+1)
	for k := first; k <= last; k++ {
		labels = append(labels, k*step)
	}
	format := tickFormatter(labels, step, mant)
	ticks := make([]plot.Tick, 0, 5*len(labels)+5)
	for _, v := range labels {
		ticks = append(ticks, plot.Tick{Value: v, Label: format(v)})
	}
	if minor {
		div := 5.0
		if mant == 2 {
			div = 4
		}
		ms := step / div
		for k := math.Ceil(lo/ms - 1e-9); k <= math.Floor(hi/ms+1e-9); k++ {
			if math.Mod(math.Abs(k), div) < 0.5 || math.Mod(math.Abs(k), div) > div-0.5 {
				continue
			}
			ticks = append(ticks, plot.Tick{Value: k * ms})
		}
	}
	return ticks
}

// tickFormatter returns a formatter that writes all labels with the same number of decimals, or in
// scientific notation (m×10ᵏ) for very large or very small values.
func tickFormatter(values []float64, step, mant float64) func(float64) string {
	maxAbs := 0.0
	for _, v := range values {
		maxAbs = max(maxAbs, math.Abs(v))
	}
	if maxAbs >= 1e5 || (maxAbs > 0 && maxAbs < 1e-3) {
		exp := int(math.Floor(math.Log10(maxAbs)))
		dec := max(0, exp-int(math.Floor(math.Log10(step)+1e-9)))
		if mant == 2.5 {
			dec++
		}
		return func(v float64) string {
			if math.Abs(v) < step*1e-6 {
				return "0"
			}
			m := v / math.Pow(10, float64(exp))
			return minus(strconv.FormatFloat(m, 'f', dec, 64)) + "×10" + superscript(exp)
		}
	}
	extra := 0
	if mant == 2.5 {
		extra = 1
	}
	dec := max(0, -int(math.Floor(math.Log10(step)+1e-9))+extra)
	return func(v float64) string {
		if math.Abs(v) < step*1e-6 {
			v = 0
		}
		return minus(strconv.FormatFloat(v, 'f', dec, 64))
	}
}

// superscript writes an integer exponent in the rich-text markup: ^{−3}.
func superscript(k int) string {
	return "^{" + minus(strconv.Itoa(k)) + "}"
}

// minus replaces a leading hyphen by a typographic minus sign.
func minus(s string) string {
	if strings.HasPrefix(s, "-") {
		return "−" + s[1:]
	}
	return s
}

// logTicker places labelled ticks at powers of ten (10ᵏ) with minor ticks at 2..9 times them. When the
// range spans less than a decade it labels 1, 2 and 5 times powers of ten instead, and when it is
// too narrow for two of those, nice linear steps.
type logTicker struct{}

// Ticks implements plot.Ticker.
func (logTicker) Ticks(lo, hi float64) []plot.Tick { return logTicks(lo, hi) }

// logTicks returns the ticks of logTicker.
func logTicks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		return nil
	}
	const eps = 1e-9
	k0 := int(math.Floor(math.Log10(lo) + eps))
	k1 := int(math.Ceil(math.Log10(hi) - eps))
	if k1-k0 > 300 {
		return nil
	}
	in := func(v float64) bool { return v >= lo*(1-eps) && v <= hi*(1+eps) }
	decades := 0
	for k := k0; k <= k1; k++ {
		if in(math.Pow(10, float64(k))) {
			decades++
		}
	}
	var ticks []plot.Tick
	if decades < 2 {
		// Less than a decade: label 1, 2, 5 × 10ᵏ, or more multiples when that gives fewer than 3.
		labelled := func(i int) bool { return i == 1 || i == 2 || i == 5 }
		n := 0
		for k := k0; k <= k1; k++ {
			for i := 1; i <= 9; i++ {
				if labelled(i) && in(float64(i)*math.Pow(10, float64(k))) {
					n++
				}
			}
		}
		if n < 3 {
			// 7 and 9 would crowd their neighbours on a log axis.
			labelled = func(i int) bool { return i != 7 && i != 9 }
		}
		n = 0
		for k := k0; k <= k1; k++ {
			p := math.Pow(10, float64(k))
			for i := 1; i <= 9; i++ {
				v := float64(i) * p
				if !in(v) {
					continue
				}
				t := plot.Tick{Value: v}
				if labelled(i) {
					t.Label = minus(strconv.FormatFloat(v, 'g', 3, 64))
					n++
				}
				ticks = append(ticks, t)
			}
		}
		if n < 2 {
			// A range narrower than the gap between two multiples (e.g. 0.016 to 0.021): nice
			// linear steps, which a log axis places just as well.
			return linearTicks(lo, hi, 4, false)
		}
		return ticks
	}
	every := 1
	for _, e := range []int{1, 2, 3, 5, 10, 20, 25, 50, 100} {
		every = e
		if (decades+e-1)/e <= 6 {
			break
		}
	}
	for k := k0; k <= k1; k++ {
		p := math.Pow(10, float64(k))
		if in(p) {
			t := plot.Tick{Value: p}
			if ((k%every)+every)%every == 0 {
				t.Label = "10" + superscript(k)
			}
			ticks = append(ticks, t)
		}
		if every > 1 {
			continue
		}
		for i := 2; i <= 9; i++ {
			if v := float64(i) * p; in(v) {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// categoryTicks labels integer positions 0..n-1 with names, thinning the labels to every step-th.
func categoryTicks(names []string, step int) plot.ConstantTicks {
	step = max(step, 1)
	ticks := make(plot.ConstantTicks, len(names))
	for i, name := range names {
		ticks[i] = plot.Tick{Value: float64(i)}
		if i%step == 0 {
			ticks[i].Label = name
		}
	}
	return ticks
}
