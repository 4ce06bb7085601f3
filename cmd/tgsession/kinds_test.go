package main

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
