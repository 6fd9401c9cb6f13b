//go:build unix

package source

import (
	"io/fs"
	"syscall"
)

// idOf returns the device and inode of a file, which name it whatever
// links lead to it.
func idOf(info fs.FileInfo) (fileID, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}, true
}
