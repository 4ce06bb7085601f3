package vault

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// scrubEnviron overwrites every "name=value" entry of the process's initial
// environment block (the memory /proc/self/environ shows, between env_start
// and env_end, fields 50 and 51 of /proc/self/stat) with NUL bytes, through
// /proc/self/mem. Entries are zeroed in place rather than removed, because
// libc's environ array (with cgo) points into this block.
func scrubEnviron(name string) error {
	start, end, err := envBounds()
	if err != nil {
		return err
	}
	if end <= start || end-start > 1<<30 {
		return fmt.Errorf("implausible environment bounds")
	}
	mem, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer mem.Close()
	block := make([]byte, end-start)
	if _, err := mem.ReadAt(block, int64(start)); err != nil {
		return err
	}
	defer clear(block)
	prefix := []byte(name + "=")
	for off := 0; off < len(block); {
		n := bytes.IndexByte(block[off:], 0)
		if n < 0 {
			n = len(block) - off
		}
		if bytes.HasPrefix(block[off:off+n], prefix) {
			if _, err := mem.WriteAt(make([]byte, n), int64(start)+int64(off)); err != nil {
				return err
			}
		}
		off += n + 1
	}
	return nil
}

// envBounds returns env_start and env_end from /proc/self/stat.
func envBounds() (uint64, uint64, error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, 0, err
	}
	// Field 2, comm, is in parentheses and may contain spaces and ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, errors.New("unexpected /proc/self/stat format")
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3
	if len(f) < 51-2 {
		return 0, 0, errors.New("/proc/self/stat has no env_start/env_end (kernel older than 3.5)")
	}
	start, err1 := strconv.ParseUint(string(f[50-3]), 10, 64)
	end, err2 := strconv.ParseUint(string(f[51-3]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, errors.New("unexpected /proc/self/stat format")
	}
	return start, end, nil
}

func setUndumpable() error { return unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) }
