package vault

// testHook, when set (by tests only), is called at named points of a vault
// write: "entry:created", "entry:partial", "entry:synced",
// "entry:committed", "index:writing", "index:committed". Fault tests kill
// the process at each point and check that the vault holds the old or the
// new entry, never a torn one.
var testHook func(point string)

func hook(point string) {
	if testHook != nil {
		testHook(point)
	}
}
