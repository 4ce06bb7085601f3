package vault

// testHook, when set (by tests only), is called at named points of a vault
// write: "index:pending" (the pending index record is written),
// "entry:created", "entry:partial", "entry:synced", "entry:committed",
// "entry:removed", "index:writing", "index:committed". Fault tests kill the
// process at each point and check that the vault holds the old or the new
// entry, never a torn one, and an index that matches it.
var testHook func(point string)

// testFault, when set (by tests only), is called before the write at named
// points: "index:pending" (writing the pending index record),
// "entry:write" (writing an entry), "entry:remove" (removing one),
// "index:write" (writing exports.json). A non-nil result is returned as
// that write's I/O error, as a full disk would.
var testFault func(point string) error

func fault(point string) error {
	if testFault != nil {
		return testFault(point)
	}
	return nil
}

func hook(point string) {
	if testHook != nil {
		testHook(point)
	}
}
