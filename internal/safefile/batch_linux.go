package safefile

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// syncFiles makes the data of every temporary file durable with one
// syncfs(2) per file system (told apart by device number), through the
// directory descriptors the batch opened before writing: syncfs reports
// the write-back errors of its file system since its descriptor was opened
// (Linux 5.8 and later). Where syncfs is not available, every file is
// fsynced instead.
func syncFiles(dirs map[string]*os.File, files []batchFile) error {
	devs := make(map[uint64]struct{})
	for _, d := range dirs {
		fi, err := d.Stat()
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if _, done := devs[uint64(st.Dev)]; done {
				continue
			}
			devs[uint64(st.Dev)] = struct{}{}
		}
		if err := unix.Syncfs(int(d.Fd())); err != nil {
			if errors.Is(err, unix.ENOSYS) {
				return syncEach(files)
			}
			return err
		}
	}
	return nil
}
