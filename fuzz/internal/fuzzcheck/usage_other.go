//go:build !linux

package fuzzcheck

import "time"

func memStatus() (rss, hwm int64, ok bool) { return 0, 0, false }

func resetPeak() {}

// cpuTime is not measured here: the CPU check never fires.
func cpuTime() time.Duration { return 0 }
