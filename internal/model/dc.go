package model

import (
	"net/netip"
)

// dcEntry is one entry of the data-centre table: the address a client connects
// to for a DC id in production or test, over IPv4 or IPv6.
type dcEntry struct {
	ID    int
	Test  bool
	IPv6  bool
	Media bool
	Addr  string
	Port  uint16
}

// dcTable is the one DC table this package uses when a target needs an address
// the source does not hold. The DC id is what a session belongs to; the
// address is only the bootstrap endpoint, and libraries disagree on it
// (docs/formats.md#dc-table).
//
// Every address is Pyrogram's, from pyrogram/session/internals/data_center.py
// (pyrogram/pyrogram master 30de1e21: TEST, PROD, PROD_MEDIA, TEST_IPV6,
// PROD_IPV6, PROD_IPV6_MEDIA), with its ports: 443 in production, 80 on the
// test DCs. Kurigram and irenogram copy the same PROD/TEST tables into their
// sqlite_storage.py (plus DC 203, a CDN DC, listed here too), and fill their
// schema-7 server_address/port columns from them. Telethon v1
// (telethon/client/telegrambaseclient.py, 1.25.1) hard-codes only DC 2,
// 149.154.167.51:443 and 2001:67c:4e8:f002::a, which agrees with this table.
// Telethon v2 (DC 4 149.154.167.92, DC 5 91.108.56.190), mtcute, gotd and
// GramJS use other addresses for some DCs; any of them reaches the right DC.
var dcTable = []dcEntry{
	{ID: 1, Addr: "149.154.175.53", Port: 443},
	{ID: 2, Addr: "149.154.167.51", Port: 443},
	{ID: 3, Addr: "149.154.175.100", Port: 443},
	{ID: 4, Addr: "149.154.167.91", Port: 443},
	{ID: 5, Addr: "91.108.56.130", Port: 443},
	{ID: 203, Addr: "91.105.192.100", Port: 443},

	{ID: 1, IPv6: true, Addr: "2001:b28:f23d:f001::a", Port: 443},
	{ID: 2, IPv6: true, Addr: "2001:67c:4e8:f002::a", Port: 443},
	{ID: 3, IPv6: true, Addr: "2001:b28:f23d:f003::a", Port: 443},
	{ID: 4, IPv6: true, Addr: "2001:67c:4e8:f004::a", Port: 443},
	{ID: 5, IPv6: true, Addr: "2001:b28:f23f:f005::a", Port: 443},
	// DC 203 (a CDN DC) as the forks list it (docs/formats.md#dc-table).
	{ID: 203, IPv6: true, Addr: "2a0a:f280:203:a:5000::100", Port: 443},

	{ID: 2, Media: true, Addr: "149.154.167.151", Port: 443},
	{ID: 4, Media: true, Addr: "149.154.164.250", Port: 443},
	// Pyrogram writes these two expanded (2001:067c:04e8:f002:0000:…:000b).
	{ID: 2, Media: true, IPv6: true, Addr: "2001:67c:4e8:f002::b", Port: 443},
	{ID: 4, Media: true, IPv6: true, Addr: "2001:67c:4e8:f004::b", Port: 443},

	{ID: 1, Test: true, Addr: "149.154.175.10", Port: 80},
	{ID: 2, Test: true, Addr: "149.154.167.40", Port: 80},
	{ID: 3, Test: true, Addr: "149.154.175.117", Port: 80},
	{ID: 1, Test: true, IPv6: true, Addr: "2001:b28:f23d:f001::e", Port: 80},
	{ID: 2, Test: true, IPv6: true, Addr: "2001:67c:4e8:f002::e", Port: 80},
	{ID: 3, Test: true, IPv6: true, Addr: "2001:b28:f23d:f003::e", Port: 80},
}

// LookupDC returns the main (non-media) address and port of DC id from
// [dcTable], and ok = false if the table has no such entry.
func LookupDC(id int, test, ipv6 bool) (addr string, port uint16, ok bool) {
	for _, d := range dcTable {
		if d.ID == id && d.Test == test && d.IPv6 == ipv6 && !d.Media {
			return d.Addr, d.Port, true
		}
	}
	return "", 0, false
}

// dcOfAddress finds the table entry whose address is addr (compared as IP
// addresses, so expanded and compressed IPv6 forms match). It is how a
// session without a test-mode flag is recognised as a test-DC session.
func dcOfAddress(addr string) (dcEntry, bool) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return dcEntry{}, false
	}
	for _, d := range dcTable {
		if dip, err := netip.ParseAddr(d.Addr); err == nil && dip == ip {
			return d, true
		}
	}
	return dcEntry{}, false
}
