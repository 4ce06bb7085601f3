package safefile

import "os"

// syncEach fsyncs every temporary file (reopened by name).
func syncEach(files []batchFile) error {
	for _, f := range files {
		h, err := os.OpenFile(f.tmp, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		err = h.Sync()
		h.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
