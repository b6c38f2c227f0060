package plots

import (
	"reflect"
	"testing"

	"gonum.org/v1/plot"
)

// labels returns the labelled ticks.
func labels(ts []plot.Tick) []string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestLinearTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		n      int
		want   []string
	}{
		{0, 1, 5, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{0, 100, 4, []string{"0", "25", "50", "75", "100"}},
		{0, 0.01, 4, []string{"0.0000", "0.0025", "0.0050", "0.0075", "0.0100"}},
		{-0.05, 0.05, 4, []string{"−0.050", "−0.025", "0.000", "0.025", "0.050"}},
		{0, 3e-4, 3, []string{"0", "1×10^{−4}", "2×10^{−4}", "3×10^{−4}"}},
		{0, 2e6, 4, []string{"0", "0.5×10^{6}", "1.0×10^{6}", "1.5×10^{6}", "2.0×10^{6}"}},
		{1, 1, 4, nil},
	}
	for _, tc := range tests {
		if got := labels(linearTicks(tc.lo, tc.hi, tc.n, false)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("linearTicks(%g, %g, %d) = %q, want %q", tc.lo, tc.hi, tc.n, got, tc.want)
		}
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []string
	}{
		{1e-3, 1, []string{"10^{−3}", "10^{−2}", "10^{−1}", "10^{0}"}},
		{0.15, 7, []string{"0.2", "0.5", "1", "2", "5"}},
		{0.011, 0.045, []string{"0.02", "0.03", "0.04"}},
		{0.0155, 0.0215, []string{"0.016", "0.018", "0.020"}},
		{0.41, 0.79, []string{"0.5", "0.6"}},
		{1e-30, 1, []string{"10^{−30}", "10^{−20}", "10^{−10}", "10^{0}"}},
		{-1, 1, nil},
	}
	for _, tc := range tests {
		if got := labels(logTicks(tc.lo, tc.hi)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("logTicks(%g, %g) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestExplicitTicks(t *testing.T) {
	tests := []struct {
		in   []float64
		want []string
	}{
		{[]float64{1, 5, 10, 15, 20}, []string{"1", "5", "10", "15", "20"}},
		{[]float64{0.25, 0.5, 0.75}, []string{"0.25", "0.50", "0.75"}},
		{[]float64{1.25, 2.5, 5, 12.5, 100}, []string{"1.25", "2.5", "5", "12.5", "100"}},
		{[]float64{-2, 0}, []string{"−2", "0"}},
	}
	for _, tc := range tests {
		if got := labels(explicitTicks(tc.in)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("explicitTicks(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRichText(t *testing.T) {
	tests := []struct {
		in   string
		want []segment
	}{
		{"plain 80S1_a6000_b1", []segment{{s: "plain 80S1_a6000_b1"}}},
		{"10^{−3}", []segment{{s: "10"}, {s: "−3", level: 1}}},
		{"R_{1} and x^{2}!", []segment{{s: "R"}, {s: "1", level: -1}, {s: " and x"}, {s: "2", level: 1}, {s: "!"}}},
		{"a^{unclosed", []segment{{s: "a^{unclosed"}}},
		{"x^2", []segment{{s: "x^2"}}},
	}
	for _, tc := range tests {
		if got := parseRich(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseRich(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	// A superscript is narrower than the same text written inline.
	th := DefaultTheme()
	sty := th.textStyle(10, false)
	if a, b := sty.Width("10^{5}"), sty.Width("105"); !(a < b) {
		t.Errorf("width of 10^{5} = %v, not less than width of 105 = %v", a, b)
	}
}
