package cli

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

// TestKindsRegistryCoversEveryKind: the registry names every string format
// codec decodes and every kind compat writes, each once, under the name
// the library itself gives it, and nothing else.
func TestKindsRegistryCoversEveryKind(t *testing.T) {
	var want []string
	for _, f := range codec.Formats() {
		want = append(want, f.String())
	}
	for _, k := range compat.Kinds() {
		want = append(want, k.String())
	}
	require.Equal(t, want, targetNames())
	for _, k := range kinds {
		got, err := compat.ParseTarget(k.name)
		require.NoError(t, err, k.name)
		require.Equal(t, got, k.target, k.name)
		require.NotEmpty(t, k.library, k.name)
		require.Contains(t, k.holds, "auth_key", k.name)
		require.Contains(t, k.holds, "dc_id", k.name)
	}
	require.Equal(t, codec.Formats(), stringFormats())
}

// TestConvertNamesFlagsForLibraryData: compat reports values in data; the
// CLI names its flags: every missing value at once, the flag that supplied
// a value, the flag that would have given a defaulted one, and the flag of
// a contradicting value.
func TestConvertNamesFlagsForLibraryData(t *testing.T) {
	s, err := codec.Decode(fakeSession)
	require.NoError(t, err)
	defer s.Wipe()
	in := storedOf(s)

	_, _, err = convertStored(source{path: "x"}, in, false, &convertOpts{to: target{Format: codec.Pyrogram}})
	require.Error(t, err)
	require.Equal(t, "x: pyrogram needs user_id and api_id, which the source does not hold: pass --user-id N and --api-id N", err.Error())

	// Without an address, test mode cannot come from the DC table.
	noAddr := s.Clone()
	defer noAddr.Wipe()
	noAddr.ServerAddress, noAddr.Port = "", 0
	o := &convertOpts{to: target{Kind: compat.PyrogramSQLite}}
	o.ov.set = map[string]bool{"user-id": true}
	o.ov.userID = 5
	data, rep, err := convertStored(source{path: "x"}, storedOf(noAddr), false, o)
	require.NoError(t, err)
	clear(data)
	reasons := map[string]string{}
	for _, ch := range rep.Changes {
		reasons[ch.Kind.String()+" "+ch.Field] = ch.Reason
	}
	require.Equal(t, "given with --user-id", reasons["supplied user_id"])
	require.Contains(t, reasons["defaulted test_mode"], "(pass --test-mode for a test DC session)")
	require.Contains(t, reasons["defaulted is_bot"], "(pass --bot for a bot)")

	s2, err := codec.Decode(fakeSession)
	require.NoError(t, err)
	defer s2.Wipe()
	s2.UserID = codec.Some[int64](7)
	o.ov.userID = 5
	_, _, err = convertStored(source{path: "x"}, storedOf(s2), false, o)
	require.Error(t, err)
	require.Contains(t, err.Error(), "x: compat: --user-id 5 contradicts the source's user_id 7")
}
