//go:build !unix

package datastore

// LockDir does nothing where flock is not available: do not run two writers on the same
// directory at once.
func LockDir(dir string) (unlock func(), err error) { return func() {}, nil }

// LockedBy always reports false where flock is not available.
func LockedBy(dir string) (pid int, locked bool) { return 0, false }
