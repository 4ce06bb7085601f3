package safefile

// Reopen undoes Cleanup, for tests that run after one that called it.
func Reopen() {
	registry.Lock()
	registry.closed = false
	registry.Unlock()
}

// LiveCount returns the number of registered temporary files.
func LiveCount() int {
	registry.Lock()
	defer registry.Unlock()
	return len(registry.live)
}
