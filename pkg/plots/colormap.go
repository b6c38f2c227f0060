package plots

import (
	"encoding/hex"
	"errors"
	"fmt"
	"image/color"
	"math"
)

// Colormap maps a normalised value t in [0, 1] to a colour by linear interpolation in a table of colours.
// The package's colormaps are immutable and safe for concurrent use.
type Colormap struct {
	name      string
	lut       []color.NRGBA
	diverging bool
}

// Perceptually uniform colormaps (matplotlib's tables) and a diverging one for signed data.
var (
	// Viridis is the perceptually uniform blue–green–yellow colormap, the default for fields.
	Viridis = mustHexColormap("viridis", viridisHex, false)
	// Magma is the perceptually uniform black–purple–orange–white colormap.
	Magma = mustHexColormap("magma", magmaHex, false)
	// Inferno is the perceptually uniform black–red–yellow colormap.
	Inferno = mustHexColormap("inferno", infernoHex, false)
	// Cividis is a perceptually uniform blue–yellow colormap designed for colour-vision deficiency.
	Cividis = mustHexColormap("cividis", cividisHex, false)
	// BlueWhiteRed is ColorBrewer's RdBu reversed (blue low, white centre, red high), interpolated to
	// 256 colours: the default for signed residuals.
	BlueWhiteRed = mustDiverging()
	// Grays runs from black to white.
	Grays = &Colormap{name: "grays", lut: []color.NRGBA{{0, 0, 0, 255}, {255, 255, 255, 255}}}
)

// NewColormap returns a colormap that interpolates linearly between the given colours (at least two),
// evenly spaced over [0, 1]. Diverging marks maps whose centre colour stands for zero.
func NewColormap(name string, colors []color.Color, diverging bool) (*Colormap, error) {
	if len(colors) < 2 {
		return nil, fmt.Errorf("plots: colormap %q needs at least 2 colours, got %d", name, len(colors))
	}
	lut := make([]color.NRGBA, len(colors))
	for i, c := range colors {
		if c == nil {
			return nil, fmt.Errorf("plots: colormap %q: colour %d is nil", name, i)
		}
		lut[i] = color.NRGBAModel.Convert(c).(color.NRGBA)
	}
	return &Colormap{name: name, lut: lut, diverging: diverging}, nil
}

// Name returns the colormap's name.
func (m *Colormap) Name() string { return m.name }

// Diverging reports whether the colormap's centre stands for zero (used for signed data).
func (m *Colormap) Diverging() bool { return m.diverging }

// At returns the colour at t, clamped to [0, 1]. NaN gives the colour at 0.
func (m *Colormap) At(t float64) color.NRGBA {
	n := len(m.lut)
	if !(t > 0) {
		return m.lut[0]
	}
	if t >= 1 {
		return m.lut[n-1]
	}
	x := t * float64(n-1)
	i := int(x)
	f := x - float64(i)
	a, b := m.lut[i], m.lut[min(i+1, n-1)]
	lerp := func(p, q uint8) uint8 { return uint8(float64(p) + f*(float64(q)-float64(p)) + 0.5) }
	return color.NRGBA{lerp(a.R, b.R), lerp(a.G, b.G), lerp(a.B, b.B), lerp(a.A, b.A)}
}

// Reversed returns the colormap read backwards (named with a "_r" suffix).
func (m *Colormap) Reversed() *Colormap {
	lut := make([]color.NRGBA, len(m.lut))
	for i, c := range m.lut {
		lut[len(lut)-1-i] = c
	}
	return &Colormap{name: m.name + "_r", lut: lut, diverging: m.diverging}
}

// mustHexColormap decodes a table of RGB triplets written in hex.
func mustHexColormap(name, h string, diverging bool) *Colormap {
	b, err := hex.DecodeString(h)
	if err != nil || len(b)%3 != 0 {
		panic(fmt.Sprintf("plots: corrupt built-in colormap table %q", name))
	}
	lut := make([]color.NRGBA, len(b)/3)
	for i := range lut {
		lut[i] = color.NRGBA{b[3*i], b[3*i+1], b[3*i+2], 255}
	}
	return &Colormap{name: name, lut: lut, diverging: diverging}
}

// mustDiverging builds BlueWhiteRed from the 11 ColorBrewer anchors, resampled to 256 colours like
// matplotlib's LinearSegmentedColormap.
func mustDiverging() *Colormap {
	anchors := mustHexColormap("rdbu", rdbuHex, true).Reversed()
	lut := make([]color.NRGBA, 256)
	for i := range lut {
		lut[i] = anchors.At(float64(i) / 255)
	}
	return &Colormap{name: "bluewhitered", lut: lut, diverging: true}
}

// ColorScale maps data values to colours: a colormap, a range (fixed or taken from the data), linear or
// logarithmic. The zero value is viridis over the data's range.
type ColorScale struct {
	// Map is the colormap; nil means Viridis, or BlueWhiteRed when Symmetric is set.
	Map *Colormap
	// Min and Max fix the range when Min < Max. When both are zero the range is the data's
	// (for Log, the positive data's). Values outside the range get the end colours.
	Min, Max float64
	// Log maps log10(value); values <= 0 get the lowest colour.
	Log bool
	// Symmetric makes an automatic range symmetric about zero, [-m, m] with m = max |value|.
	Symmetric bool
	// NaN is the colour of NaN values; nil means the theme's NaNColor.
	NaN color.Color
	// NoNaNKey leaves the NaN swatch (drawn when the data hold NaN) out of the colour bar.
	NoNaNKey bool
	// Label is written along the colour bar.
	Label string
}

// Fixed returns a copy of s with the fixed range [lo, hi].
func (s ColorScale) Fixed(lo, hi float64) ColorScale {
	s.Min, s.Max = lo, hi
	return s
}

// validate checks the scale's own settings (not the data).
func (s *ColorScale) validate() error {
	if math.IsNaN(s.Min) || math.IsNaN(s.Max) {
		return fmt.Errorf("colour range [%g, %g] contains NaN", s.Min, s.Max)
	}
	if math.IsInf(s.Min, 0) || math.IsInf(s.Max, 0) {
		return fmt.Errorf("colour range [%g, %g] is not finite", s.Min, s.Max)
	}
	fixed := s.Min != 0 || s.Max != 0
	if fixed && !(s.Min < s.Max) {
		return fmt.Errorf("colour range [%g, %g]: Min must be < Max (or both 0 for automatic)", s.Min, s.Max)
	}
	if s.Log && fixed && s.Min <= 0 {
		return fmt.Errorf("log colour range [%g, %g] must be positive", s.Min, s.Max)
	}
	if s.Log && s.Symmetric {
		return errors.New("colour scale cannot be both Log and Symmetric")
	}
	return nil
}

// scaleRange holds the finite extremes of data for colour scaling.
type scaleRange struct {
	lo, hi      float64 // finite extremes
	posLo       float64 // smallest positive finite value
	absMax      float64
	any, anyPos bool
	nans        bool
}

// scan updates r with the values of data.
func (r *scaleRange) scan(data []float64) {
	for _, v := range data {
		if math.IsNaN(v) {
			r.nans = true
			continue
		}
		if math.IsInf(v, 0) {
			continue
		}
		if !r.any {
			r.lo, r.hi, r.any = v, v, true
		} else {
			r.lo, r.hi = min(r.lo, v), max(r.hi, v)
		}
		if v > 0 && (!r.anyPos || v < r.posLo) {
			r.posLo, r.anyPos = v, true
		}
		r.absMax = max(r.absMax, math.Abs(v))
	}
}

// resolvedScale is a ColorScale with its range fixed.
type resolvedScale struct {
	cmap   *Colormap
	lo, hi float64
	log    bool
	nan    color.NRGBA
	label  string
	hasNaN bool
}

// resolve fixes the range of s for data described by r.
func (s *ColorScale) resolve(r scaleRange, th *Theme) (resolvedScale, error) {
	if err := s.validate(); err != nil {
		return resolvedScale{}, err
	}
	out := resolvedScale{cmap: s.Map, log: s.Log, label: s.Label, hasNaN: r.nans && !s.NoNaNKey}
	if out.cmap == nil {
		out.cmap = Viridis
		if s.Symmetric {
			out.cmap = BlueWhiteRed
		}
	}
	nan := s.NaN
	if nan == nil {
		nan = th.NaNColor
	}
	out.nan = color.NRGBAModel.Convert(nan).(color.NRGBA)
	switch {
	case s.Min != 0 || s.Max != 0:
		out.lo, out.hi = s.Min, s.Max
	case s.Log:
		if !r.anyPos {
			return out, errors.New("log colour scale: data has no positive finite value")
		}
		out.lo, out.hi = r.posLo, r.hi
		if out.lo == out.hi {
			out.lo, out.hi = out.lo/10, out.hi*10
		}
	case s.Symmetric:
		if !r.any {
			return out, errors.New("colour scale: data has no finite value")
		}
		m := r.absMax
		if m == 0 {
			m = 1
		}
		out.lo, out.hi = -m, m
	default:
		if !r.any {
			return out, errors.New("colour scale: data has no finite value")
		}
		out.lo, out.hi = r.lo, r.hi
		if out.lo == out.hi {
			if out.lo == 0 {
				out.hi = 1
			} else {
				d := math.Abs(out.lo) * 0.5
				out.lo, out.hi = out.lo-d, out.hi+d
			}
		}
	}
	return out, nil
}

// norm maps v to [0, 1] (clamped); NaN stays NaN.
func (s *resolvedScale) norm(v float64) float64 {
	if math.IsNaN(v) {
		return v
	}
	var t float64
	if s.log {
		if v <= 0 {
			return 0
		}
		t = (math.Log10(v) - math.Log10(s.lo)) / (math.Log10(s.hi) - math.Log10(s.lo))
	} else {
		t = (v - s.lo) / (s.hi - s.lo)
	}
	return math.Max(0, math.Min(1, t))
}

// color maps v to its colour.
func (s *resolvedScale) color(v float64) color.NRGBA {
	if math.IsNaN(v) {
		return s.nan
	}
	return s.cmap.At(s.norm(v))
}
