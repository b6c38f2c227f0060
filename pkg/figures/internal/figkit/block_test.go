package figkit

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReplaceBlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	os.WriteFile(path, []byte("intro\n<!-- B -->\nold\n<!-- E -->\nafter\n"), 0o644)
	have, want, err := ReplaceBlock(path, "<!-- B -->", "<!-- E -->", "new table\n")
	if err != nil {
		t.Fatal(err)
	}
	if have != "intro\n<!-- B -->\nold\n<!-- E -->\nafter\n" || want != "intro\n<!-- B -->\n\nnew table\n\n<!-- E -->\nafter\n" {
		t.Errorf("have %q, want %q", have, want)
	}
	for _, markers := range [][2]string{{"<!-- X -->", "<!-- E -->"}, {"<!-- E -->", "<!-- B -->"}} {
		if _, _, err := ReplaceBlock(path, markers[0], markers[1], "x"); err == nil {
			t.Errorf("markers %q: want an error", markers)
		}
	}
}
