//go:build unix

package datastore

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// LockDir takes an exclusive advisory lock (flock) on the directory dir itself, so that two
// processes cannot write the same directory at once: the data-set caches of Generate and the
// run directories of package training share it. The lock goes with the process, so a killed
// writer leaves nothing to clean up, and no file is added to the directory. When another process
// holds the lock, the error is a *LockedError naming it.
func LockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Dir: dir, PID: lockHolder(f)}
		}
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// LockedBy reports whether another process holds the lock of LockDir on dir, and its process
// id when the system says (0 otherwise). It takes no lock that outlives the call.
func LockedBy(dir string) (pid int, locked bool) {
	f, err := os.Open(dir)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return lockHolder(f), true
		}
		return 0, false
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return 0, false
}

// lockHolder returns the process holding a flock on f, read from /proc/locks (Linux), or 0.
func lockHolder(f *os.File) int {
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	dev := uint64(st.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^0xfff
	minor := dev&0xff | (dev>>12)&^0xff
	id := fmt.Sprintf("%02x:%02x:%d", major, minor, st.Ino)
	inode := ":" + strconv.FormatUint(uint64(st.Ino), 10)
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer locks.Close()
	pid := 0
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 17738 fe:00:9978690 0 EOF"
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" || fields[0] == "->" {
			continue
		}
		p, err := strconv.Atoi(fields[4])
		if err != nil || p == os.Getpid() && fields[3] == "READ" {
			continue
		}
		switch {
		case fields[5] == id:
			return p
		case strings.HasSuffix(fields[5], inode) && pid == 0:
			pid = p // the device numbers may be written differently (overlay file systems)
		}
	}
	return pid
}
