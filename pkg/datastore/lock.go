package datastore

import (
	"errors"
	"fmt"
)

// LockedError is returned by LockDir when another process holds the directory's lock: another
// generation writes the data-set cache, or another training the run directory.
type LockedError struct {
	Dir string
	// PID is the process holding the lock, 0 when the system does not say.
	PID int
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is in use by pid %d (another process is writing it); wait for it to end or use another directory", e.Dir, e.PID)
	}
	return fmt.Sprintf("%s is in use by another process (it is writing it); wait for it to end or use another directory", e.Dir)
}

// ErrWrongDir is wrapped by the error of Generate when the directory holds another data set,
// other settings, or files that are not a data-set cache: the output directory is the wrong one.
var ErrWrongDir = errors.New("the directory holds something else")
