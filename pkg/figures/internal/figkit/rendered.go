package figkit

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
)

// CheckRendered checks the files a figure's render wrote (figures.Render's paths): one PNG that
// decodes to at least minW × minH pixels and one SVG. Tests of the figures call it.
func CheckRendered(paths []string, minW, minH int) error {
	var pngs, svgs int
	for _, p := range paths {
		switch filepath.Ext(p) {
		case ".png":
			pngs++
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if b := img.Bounds(); b.Dx() < minW || b.Dy() < minH {
				return fmt.Errorf("%s: %v, want at least %d × %d", p, b, minW, minH)
			}
		case ".svg":
			svgs++
		}
	}
	if pngs != 1 || svgs != 1 {
		return fmt.Errorf("rendered %v, want one PNG and one SVG", paths)
	}
	return nil
}
