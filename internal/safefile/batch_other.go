//go:build !linux

package safefile

import "os"

func syncFiles(_ map[string]*os.File, files []batchFile) error { return syncEach(files) }
