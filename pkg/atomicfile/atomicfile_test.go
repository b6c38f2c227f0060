package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.bin")
	for _, data := range [][]byte{[]byte("first version"), []byte("second"), {}} {
		if err := WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("content %q, want %q", got, data)
		}
		if names := entries(t, dir); len(names) != 1 || names[0] != "a.bin" {
			t.Fatalf("directory holds %v, want only a.bin", names)
		}
	}
	if runtime.GOOS != "windows" {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("permission %v, want 0600", st.Mode().Perm())
		}
	}
}

func TestCreateCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if f.Name() != path {
		t.Errorf("Name() = %q, want %q", f.Name(), path)
	}
	if filepath.Dir(f.TempName()) != dir {
		t.Errorf("temporary file %q is not in %q", f.TempName(), dir)
	}
	if _, err := io.WriteString(f, "hello "); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, "world"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("destination visible before Commit (stat error %v)", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "hello world" {
		t.Fatalf("content %q", got)
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(path)
		if st.Mode().Perm() != DefaultPerm {
			t.Errorf("permission %v, want %v", st.Mode().Perm(), DefaultPerm)
		}
	}
	if err := f.Commit(); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("second Commit: got %v, want fs.ErrClosed", err)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Write after Commit: got %v, want fs.ErrClosed", err)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only out.txt", names)
	}
}

func TestAbortKeepsOldContent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("new content"))
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("content %q after Abort, want %q", got, "old")
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v after Abort", names)
	}
	if err := f.Commit(); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Commit after Abort: got %v, want fs.ErrClosed", err)
	}
}

// TestSimulatedFailures makes each step of Commit fail and checks that the destination keeps
// its old content and that no temporary file is left.
func TestSimulatedFailures(t *testing.T) {
	boom := errors.New("simulated failure")
	cases := []struct {
		name string
		set  func()
	}{
		{"sync", func() { syncFile = func(*os.File) error { return boom } }},
		{"rename", func() { rename = func(string, string) error { return boom } }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			oldSync, oldRename := syncFile, rename
			defer func() { syncFile, rename = oldSync, oldRename }()
			c.set()
			dir := t.TempDir()
			path := filepath.Join(dir, "x")
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := WriteFile(path, []byte("new"), 0o644)
			if !errors.Is(err, boom) {
				t.Fatalf("got error %v, want the simulated failure", err)
			}
			if got, _ := os.ReadFile(path); string(got) != "old" {
				t.Errorf("destination %q, want the old content", got)
			}
			if names := entries(t, dir); len(names) != 1 {
				t.Errorf("directory holds %v, want no temporary file", names)
			}
		})
	}
}

// failingWriter stands for an encoder that fails halfway.
type failingWriter struct{ w io.Writer }

func (fw failingWriter) Write(p []byte) (int, error) {
	fw.w.Write(p[:len(p)/2])
	return len(p) / 2, errors.New("encoder failed")
}

func TestWriteErrorMakesCommitFail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "y")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A real write error: the file descriptor is closed under the File.
	f.f.Close()
	if _, err := f.Write([]byte("data")); err == nil {
		t.Fatal("Write on a closed descriptor succeeded")
	}
	if err := f.Commit(); err == nil {
		t.Fatal("Commit succeeded after a failed Write")
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("directory holds %v, want nothing", names)
	}

	// An upstream failure: the caller aborts.
	f, err = Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(failingWriter{f}, bytes.NewReader([]byte("payload"))); err == nil {
		t.Fatal("want the encoder's error")
	}
	f.Abort()
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("directory holds %v after Abort, want nothing", names)
	}
}

func TestRealRenameFailure(t *testing.T) {
	// Renaming a file over a non-empty directory fails on every platform.
	dir := t.TempDir()
	path := filepath.Join(dir, "d")
	if err := os.MkdirAll(filepath.Join(path, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("z"), 0o644); err == nil {
		t.Fatal("WriteFile over a non-empty directory succeeded")
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "d" {
		t.Errorf("directory holds %v, want only d", names)
	}
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"", filepath.Join(dir, "missing", "f"), dir + string(filepath.Separator)} {
		if _, err := Create(path); err == nil {
			t.Errorf("Create(%q) succeeded", path)
		}
	}
}

func TestSyncDirFailureKeepsFile(t *testing.T) {
	boom := errors.New("simulated directory sync failure")
	old := syncDir
	defer func() { syncDir = old }()
	syncDir = func(string) error { return boom }
	dir := t.TempDir()
	path := filepath.Join(dir, "z")
	if err := WriteFile(path, []byte("new"), 0o644); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the simulated failure", err)
	}
	// The rename happened: the new content is in place and nothing else is left.
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("content %q", got)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v", names)
	}
}

func ExampleCreate() {
	dir, _ := os.MkdirTemp("", "atomicfile-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "result.txt")

	f, err := Create(path)
	if err != nil {
		panic(err)
	}
	defer f.Abort() // does nothing once Commit succeeded
	io.WriteString(f, "all or nothing\n")
	if err := f.Commit(); err != nil {
		panic(err)
	}
	data, _ := os.ReadFile(path)
	os.Stdout.Write(data)
	// Output: all or nothing
}
