package plots

import (
	"encoding/base64"
	"fmt"

	"github.com/janpfeifer/gonb/gonbui"
)

// Display shows the figure inline in a GoNB notebook, as a PNG drawn at its physical size (96 CSS
// pixels per inch, shrunk to the cell width when wider). Outside a notebook it only renders the
// figure (so the same code runs in go test) and reports rendering errors.
func (f *Figure) Display() error {
	b, err := f.Render("png")
	if err != nil {
		return err
	}
	w, _ := f.Size()
	gonbui.DisplayHTML(fmt.Sprintf(`<img src="data:image/png;base64,%s" style="width:%.0fpx;max-width:100%%"/>`,
		base64.StdEncoding.EncodeToString(b), w.Points()*96/72))
	syncNotebook()
	return nil
}

// DisplaySVG shows the figure inline in a GoNB notebook as SVG (vector; heavier for large images).
// Outside a notebook it only renders the figure and reports rendering errors.
func (f *Figure) DisplaySVG() error {
	b, err := f.Render("svg")
	if err != nil {
		return err
	}
	gonbui.DisplaySVG(string(b))
	syncNotebook()
	return nil
}

// syncNotebook waits until GoNB has received what was displayed, so that an image is not lost when
// the cell's program ends right after displaying it.
func syncNotebook() {
	if gonbui.IsNotebook {
		gonbui.Sync()
	}
}

// Display shows a single panel inline in a GoNB notebook (see Figure.Display).
func Display(p Panel) error { return Single(p).Display() }
