package npy

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestNumPyInterop checks files against NumPy itself. It runs only when SURROGO_PYTHON names a
// Python interpreter with numpy (for example SURROGO_PYTHON=/usr/bin/python3).
func TestNumPyInterop(t *testing.T) {
	python := os.Getenv("SURROGO_PYTHON")
	if python == "" {
		t.Skip("set SURROGO_PYTHON to a Python with numpy to run this test")
	}
	dir := t.TempDir()
	// NumPy writes one file per dtype; Go reads them, then writes them back, byte-identical.
	script := `
import numpy as np, sys, os
d = sys.argv[1]
x = np.arange(-3, 9).reshape(3, 4)
for name, dt in [("f8", "<f8"), ("f4", "<f4"), ("f2", "<f2"), ("i8", "<i8"), ("i4", "<i4"), ("u1", "|u1")]:
    a = (x * 0.75).astype(dt) if name[0] == "f" else (x % 256).astype(dt) if name == "u1" else x.astype(dt)
    np.save(os.path.join(d, name + ".npy"), a)
np.save(os.path.join(d, "scalar.npy"), np.float32(2.5))
np.save(os.path.join(d, "empty.npy"), np.zeros((0, 5), dtype="<f8"))
`
	if out, err := exec.Command(python, "-c", script, dir).CombinedOutput(); err != nil {
		t.Fatalf("numpy failed: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.npy"))
	if len(files) != 8 {
		t.Fatalf("numpy wrote %d files", len(files))
	}
	for _, path := range files {
		a, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(path)
		out := filepath.Join(dir, "go-"+filepath.Base(path))
		if err := WriteFile(out, a.Shape, a.Data); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(out)
		if string(got) != string(want) {
			t.Errorf("%s: Go's bytes differ from numpy's:\n got %q\nwant %q", filepath.Base(path), got, want)
		}
		if strings.HasPrefix(filepath.Base(path), "f") {
			f64 := a.AsFloat64()
			for i, v := range f64 {
				if v != float64(i-3)*0.75 {
					t.Errorf("%s[%d] = %v", filepath.Base(path), i, v)
				}
			}
		}
	}
	// Go writes float16 with every bit pattern; numpy must read the same values.
	all := make([]Float16, 1<<16)
	for i := range all {
		all[i] = Float16(i)
	}
	path := filepath.Join(dir, "all-f2.npy")
	if err := WriteFile(path, []int{256, 256}, all); err != nil {
		t.Fatal(err)
	}
	check := `
import numpy as np, sys
a = np.load(sys.argv[1])
assert a.dtype == np.float16 and a.shape == (256, 256), (a.dtype, a.shape)
assert (a.reshape(-1).view(np.uint16) == np.arange(65536, dtype=np.uint16)).all()
f = a.astype(np.float32).reshape(-1)
print(" ".join(str(v) for v in f.view(np.uint32)[:65536:4099]))
`
	out, err := exec.Command(python, "-c", check, path).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy failed: %v\n%s", err, out)
	}
	var want []string
	for i := 0; i < 65536; i += 4099 {
		want = append(want, strconv.FormatUint(uint64(math.Float32bits(all[i].Float32())), 10))
	}
	if got := strings.Fields(string(out)); !reflect.DeepEqual(got, want) {
		t.Errorf("numpy's float16->float32 bits %v, Go's %v", got, want)
	}
}
