//go:build unix

package baseline

import (
	"os"
	"syscall"
	"time"
)

// lockShared takes a shared lock on f, as bbolt's readers do, so that the
// check does not read a file a writer is in the middle of changing. It
// waits as long as Open would for bbolt's lock.
func lockShared(f *os.File, wait time.Duration) (func(), error) {
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if err == nil {
			return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }, nil
		}
		if err != syscall.EWOULDBLOCK {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, ErrLocked
		}
		time.Sleep(50 * time.Millisecond)
	}
}
