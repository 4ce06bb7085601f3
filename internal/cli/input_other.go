//go:build !unix

package cli

import "os"

// openInput opens an input file, refusing anything but a regular file.
func openInput(path string) (*os.File, error) {
	if isInheritedFD(path) {
		return os.Open(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &specialInputError{path: path, mode: fi.Mode().Type()}
	}
	return f, nil
}
