package metrics

import (
	"fmt"
	"math"
)

// Region is a part of the lattice in which the 2023 paper measures errors (Fig. 3).
type Region int

const (
	// Whole is the whole lattice.
	Whole Region = iota
	// Sources are the pixels where the input is > 0 (the source disks).
	Sources
	// Field is the rest of the lattice: input <= 0 (== 0 for the paper's inputs).
	Field
	// R1 holds the non-source pixels with target >= R1Min.
	R1
	// R2 holds the non-source pixels with R2Min <= target < R1Min.
	R2
	// R3 holds the non-source pixels with R3Min <= target < R2Min.
	R3
)

// NumRegions is the number of regions.
const NumRegions = 6

// Lower bounds of the target in regions R1, R2 and R3: [0.2, 1], [0.1, 0.2] and [0.05, 0.1].
const (
	R1Min = 0.2  // lower bound of R1
	R2Min = 0.1  // lower bound of R2 (R1Min, excluded, is its upper bound)
	R3Min = 0.05 // lower bound of R3 (R2Min, excluded, is its upper bound)
)

// Regions lists all regions in order.
var Regions = []Region{Whole, Sources, Field, R1, R2, R3}

// String returns "whole", "sources", "field", "R1", "R2" or "R3".
func (r Region) String() string {
	switch r {
	case Whole:
		return "whole"
	case Sources:
		return "sources"
	case Field:
		return "field"
	case R1:
		return "R1"
	case R2:
		return "R2"
	case R3:
		return "R3"
	}
	return fmt.Sprintf("Region(%d)", int(r))
}

// ring returns R1, R2, R3 or -1 for a non-source pixel of target value y.
func ring(y float64) Region {
	switch {
	case y >= R1Min:
		return R1
	case y >= R2Min:
		return R2
	case y >= R3Min:
		return R3
	}
	return -1
}

// Contains reports whether the pixel with the given input and target values is in region r.
func (r Region) Contains(input, target float64) bool {
	switch r {
	case Whole:
		return true
	case Sources:
		return input > 0
	case Field:
		return !(input > 0)
	case R1, R2, R3:
		return !(input > 0) && ring(target) == r
	}
	return false
}

// Mask returns, for every pixel, whether it belongs to region r (the panels of Fig. 3).
func Mask(r Region, input, target []float32) ([]bool, error) {
	if r < 0 || r >= NumRegions {
		return nil, fmt.Errorf("metrics: unknown region %d", int(r))
	}
	if err := checkSlices([]string{"input", "target"}, input, target); err != nil {
		return nil, err
	}
	m := make([]bool, len(input))
	for i := range m {
		m[i] = r.Contains(float64(input[i]), float64(target[i]))
	}
	return m, nil
}

// regionCell accumulates one region for one number of sources.
type regionCell struct {
	absSum    float64 // sum of |target - prediction| over the region's pixels
	pixels    int64   // pixels in the region
	imageSum  float64 // sum over images of the image's mean |error| in the region
	imagesHit int64   // images with at least one pixel in the region
}

// RegionAccumulator accumulates, for each number of sources 1..MaxSources and each region,
// the mean absolute error |target - prediction| and the area of the region, image by image.
type RegionAccumulator struct {
	maxSources int
	cells      [][NumRegions]regionCell // index nSources-1
	images     []int64
	pixels     []int64 // all pixels of the images, per number of sources
}

// NewRegionAccumulator returns an empty accumulator for 1 to maxSources sources (20 in the paper).
func NewRegionAccumulator(maxSources int) (*RegionAccumulator, error) {
	if maxSources < 1 {
		return nil, fmt.Errorf("metrics: maxSources must be >= 1 (got %d)", maxSources)
	}
	return &RegionAccumulator{
		maxSources: maxSources,
		cells:      make([][NumRegions]regionCell, maxSources),
		images:     make([]int64, maxSources),
		pixels:     make([]int64, maxSources),
	}, nil
}

// MaxSources returns the largest number of sources the accumulator takes.
func (a *RegionAccumulator) MaxSources() int { return a.maxSources }

// Add accumulates one image: its input (source values on the disks, 0 elsewhere), target
// and prediction, all in field units (after undoing any training transform), and its number
// of sources.
func (a *RegionAccumulator) Add(input, target, prediction []float32, nSources int) error {
	return addRegions(a, input, target, prediction, nSources)
}

// Add64 is Add for float64 slices.
func (a *RegionAccumulator) Add64(input, target, prediction []float64, nSources int) error {
	return addRegions(a, input, target, prediction, nSources)
}

func addRegions[F float](a *RegionAccumulator, input, target, prediction []F, nSources int) error {
	if nSources < 1 || nSources > a.maxSources {
		return fmt.Errorf("metrics: number of sources %d is not in [1, %d]", nSources, a.maxSources)
	}
	if err := checkSlices([]string{"input", "target", "prediction"}, input, target, prediction); err != nil {
		return err
	}
	if len(input) == 0 {
		return fmt.Errorf("metrics: empty image")
	}
	var sum [NumRegions]float64
	var cnt [NumRegions]int64
	for i, x := range input {
		y := float64(target[i])
		e := math.Abs(y - float64(prediction[i]))
		if x > 0 {
			sum[Sources] += e
			cnt[Sources]++
		} else {
			sum[Field] += e
			cnt[Field]++
			if r := ring(y); r >= 0 {
				sum[r] += e
				cnt[r]++
			}
		}
	}
	sum[Whole] = sum[Sources] + sum[Field]
	cnt[Whole] = int64(len(input))
	cells := &a.cells[nSources-1]
	for r := range cells {
		c := &cells[r]
		c.absSum += sum[r]
		c.pixels += cnt[r]
		if cnt[r] > 0 {
			c.imageSum += sum[r] / float64(cnt[r])
			c.imagesHit++
		}
	}
	a.images[nSources-1]++
	a.pixels[nSources-1] += int64(len(input))
	return nil
}

// Merge adds the images accumulated by o, which must have the same MaxSources.
func (a *RegionAccumulator) Merge(o *RegionAccumulator) error {
	if o.maxSources != a.maxSources {
		return fmt.Errorf("metrics: cannot merge accumulators for %d and %d sources", a.maxSources, o.maxSources)
	}
	for s := range a.cells {
		for r := range a.cells[s] {
			c, oc := &a.cells[s][r], o.cells[s][r]
			c.absSum += oc.absSum
			c.pixels += oc.pixels
			c.imageSum += oc.imageSum
			c.imagesHit += oc.imagesHit
		}
		a.images[s] += o.images[s]
		a.pixels[s] += o.pixels[s]
	}
	return nil
}

// RegionStat is the error of one region for one number of sources.
type RegionStat struct {
	Region           Region `json:"region"`             // the region
	NSources         int    `json:"n_sources"`          // the number of sources of the images
	Images           int64  `json:"images"`             // images with NSources sources
	ImagesWithRegion int64  `json:"images_with_region"` // images with pixels in the region
	// Pixels is the number of pixels in the region, over all images.
	Pixels int64 `json:"pixels"`
	// MAE is the mean |target - prediction| over all the region's pixels of all images (each
	// pixel weighs the same). NaN when the region is empty.
	MAE float64 `json:"mae"`
	// ImageMAE is the mean over images of each image's MAE in the region (each image weighs
	// the same; images without pixels in the region are left out). The authors' code averages
	// per-batch pooled means over batches, a weighting between those of MAE and ImageMAE.
	ImageMAE float64 `json:"image_mae"`
	// AreaFraction is the fraction of the lattice covered by the region (Fig. 3h): region
	// pixels over all pixels of the images.
	AreaFraction float64 `json:"area_fraction"`
}

// Stat returns the statistics of region r for images with nSources sources.
func (a *RegionAccumulator) Stat(r Region, nSources int) (RegionStat, error) {
	if r < 0 || r >= NumRegions {
		return RegionStat{}, fmt.Errorf("metrics: unknown region %d", int(r))
	}
	if nSources < 1 || nSources > a.maxSources {
		return RegionStat{}, fmt.Errorf("metrics: number of sources %d is not in [1, %d]", nSources, a.maxSources)
	}
	c := a.cells[nSources-1][r]
	s := RegionStat{Region: r, NSources: nSources, Images: a.images[nSources-1],
		ImagesWithRegion: c.imagesHit, Pixels: c.pixels,
		MAE: math.NaN(), ImageMAE: math.NaN(), AreaFraction: math.NaN()}
	if c.pixels > 0 {
		s.MAE = c.absSum / float64(c.pixels)
	}
	if c.imagesHit > 0 {
		s.ImageMAE = c.imageSum / float64(c.imagesHit)
	}
	if px := a.pixels[nSources-1]; px > 0 {
		s.AreaFraction = float64(c.pixels) / float64(px)
	}
	return s, nil
}

// Results returns the statistics of every region for every number of sources that has
// images, ordered by number of sources, then region.
func (a *RegionAccumulator) Results() []RegionStat {
	var out []RegionStat
	for s := 1; s <= a.maxSources; s++ {
		if a.images[s-1] == 0 {
			continue
		}
		for _, r := range Regions {
			st, _ := a.Stat(r, s)
			out = append(out, st)
		}
	}
	return out
}

// MeanOverCounts returns the MAE of region r averaged over the numbers of sources, each
// count weighing the same (Fig. 14: "MAE averaged over number of sources"; Fig. 17), and
// how many counts entered: those with at least one pixel in the region.
func (a *RegionAccumulator) MeanOverCounts(r Region) (mean float64, counts int, err error) {
	if r < 0 || r >= NumRegions {
		return 0, 0, fmt.Errorf("metrics: unknown region %d", int(r))
	}
	var sum float64
	for s := range a.cells {
		if c := a.cells[s][r]; c.pixels > 0 {
			sum += c.absSum / float64(c.pixels)
			counts++
		}
	}
	if counts == 0 {
		return math.NaN(), 0, nil
	}
	return sum / float64(counts), counts, nil
}
