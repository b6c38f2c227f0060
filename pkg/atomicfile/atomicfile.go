// Package atomicfile writes files so that readers see either the old content or the complete
// new content, never a partial file.
//
// Data goes to a temporary file in the destination's directory. Commit flushes it to stable
// storage (fsync), gives it its permissions, renames it over the destination and syncs the
// directory; on any failure, and on Abort, the temporary file is removed, so an interrupted
// or failed write leaves the destination untouched and no litter behind. (A process killed
// between creating and removing the temporary file can still leave one: its name starts with
// "." and contains ".tmp-".)
//
// The usual pattern:
//
//	f, err := atomicfile.Create(path)
//	if err != nil {
//		return err
//	}
//	defer f.Abort() // no-op after a successful Commit
//	if _, err := f.Write(data); err != nil {
//		return err
//	}
//	return f.Commit()
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultPerm is the permission that Create gives the files it writes.
const DefaultPerm fs.FileMode = 0o644

// Hooks for tests: they simulate failures of the file-system calls that Commit makes.
var (
	syncFile = func(f *os.File) error { return f.Sync() }
	rename   = os.Rename
	syncDir  = syncDirectory
)

// File is a pending atomic write of one file. Its Write method records the first error,
// and Commit reports it. A File is not safe for concurrent use.
type File struct {
	f    *os.File
	path string
	perm fs.FileMode
	err  error // first write error
	done bool  // committed, aborted or failed
}

// Create starts an atomic write of path with permission DefaultPerm. The directory of path
// must exist. Nothing is visible at path until Commit (or Close) succeeds.
func Create(path string) (*File, error) {
	return CreatePerm(path, DefaultPerm)
}

// CreatePerm is Create with the permission bits perm, which are set exactly (the process
// umask does not apply).
func CreatePerm(path string, perm fs.FileMode) (*File, error) {
	if path == "" {
		return nil, errors.New("atomicfile: empty path")
	}
	dir, base := filepath.Split(path)
	if base == "" {
		return nil, fmt.Errorf("atomicfile: %s: path names a directory", path)
	}
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: %s: creating temporary file: %w", path, err)
	}
	return &File{f: f, path: path, perm: perm.Perm()}, nil
}

// Name returns the destination path.
func (a *File) Name() string { return a.path }

// TempName returns the path of the temporary file that holds the data until Commit.
func (a *File) TempName() string { return a.f.Name() }

// Write writes p to the temporary file. After an error, later writes do nothing and return
// the same error, and Commit fails with it.
func (a *File) Write(p []byte) (int, error) {
	if a.done {
		return 0, fmt.Errorf("atomicfile: %s: write after Commit or Abort: %w", a.path, fs.ErrClosed)
	}
	if a.err != nil {
		return 0, a.err
	}
	n, err := a.f.Write(p)
	if err != nil {
		a.err = fmt.Errorf("atomicfile: %s: %w", a.path, err)
		return n, a.err
	}
	return n, nil
}

// Commit syncs the temporary file, sets its permissions, renames it to the destination and
// syncs the directory. On failure, or if a Write failed, it removes the temporary file and
// returns the error; the destination is then as it was. Calling Commit after Commit or Abort
// returns an error wrapping fs.ErrClosed.
func (a *File) Commit() error {
	if a.done {
		return fmt.Errorf("atomicfile: %s: Commit after Commit or Abort: %w", a.path, fs.ErrClosed)
	}
	if err := a.commit(); err != nil {
		a.Abort()
		return err
	}
	return nil
}

func (a *File) commit() error {
	if a.err != nil {
		return a.err
	}
	if err := syncFile(a.f); err != nil {
		return fmt.Errorf("atomicfile: %s: sync: %w", a.path, err)
	}
	if err := a.f.Chmod(a.perm); err != nil {
		return fmt.Errorf("atomicfile: %s: chmod: %w", a.path, err)
	}
	if err := a.f.Close(); err != nil {
		return fmt.Errorf("atomicfile: %s: close: %w", a.path, err)
	}
	if err := rename(a.f.Name(), a.path); err != nil {
		return fmt.Errorf("atomicfile: %s: rename: %w", a.path, err)
	}
	a.done = true
	if err := syncDir(filepath.Dir(a.path)); err != nil {
		// The file is in place; only the durability of the rename is in doubt.
		return fmt.Errorf("atomicfile: %s: sync directory: %w", a.path, err)
	}
	return nil
}

// Close is Commit: it makes File an io.WriteCloser whose Close publishes the file.
func (a *File) Close() error { return a.Commit() }

// Abort discards the write: it closes and removes the temporary file. It does nothing after
// Commit or a previous Abort, so it can be deferred unconditionally.
func (a *File) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	a.f.Close() // may already be closed by a failed commit
	if err := os.Remove(a.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("atomicfile: %s: removing temporary file: %w", a.path, err)
	}
	return nil
}

// WriteFile writes data to path atomically with permission perm (set exactly, without the
// umask), like os.WriteFile but never leaving a partial file.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := CreatePerm(path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// syncDirectory fsyncs a directory so that a rename in it is durable. Windows cannot open
// directories for syncing; there it does nothing.
func syncDirectory(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
