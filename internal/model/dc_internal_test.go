package model

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLookupDCTable: the DC table gives each DC's main address and port
// (docs/formats.md#dc-table), and nothing for a DC it does not list.
func TestLookupDCTable(t *testing.T) {
	for _, c := range []struct {
		id         int
		test, ipv6 bool
		addr       string
		port       uint16
	}{
		{2, false, false, "149.154.167.51", 443}, // agrees with Telethon 1.x's DC 2 default
		{2, false, true, "2001:67c:4e8:f002::a", 443},
		{4, false, false, "149.154.167.91", 443},
		{5, false, false, "91.108.56.130", 443},
		{1, true, false, "149.154.175.10", 80},
		{3, true, true, "2001:b28:f23d:f003::e", 80},
	} {
		addr, port, ok := LookupDC(c.id, c.test, c.ipv6)
		require.True(t, ok)
		require.Equal(t, c.addr, addr)
		require.Equal(t, c.port, port)
	}
	_, _, ok := LookupDC(4, true, false)
	require.False(t, ok, "there is no test DC 4")
}
