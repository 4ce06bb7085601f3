package model

import (
	"strings"
	"testing"
)

func TestQuoteText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"sessions", "sessions"},
		{"", ""},
		{"a b c", "a b c"},
		{"naïve", "naïve"},
		{`C:\x`, `C:\x`},
		{"\x1b]0;t\x07", `\x1b]0;t\x07`},
		{"tab\there", `tab\there`},
		{"\u202eevil", `\u202eevil`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"nl\n\r\x7f\u0085", `nl\n\r\x7f\u0085`},
		{"\U000e0001", `\U000e0001`},
		{strings.Repeat("a", 10), "aaaaaaaa…"},
		{strings.Repeat("é", 10), "éééééééé…"},
		{"\x1b" + strings.Repeat("é", 10), `\x1b` + strings.Repeat("é", 7) + "…"}, // the cut counts input runes
	}
	for _, c := range cases {
		if got := QuoteText(c.in, 8); got != c.want {
			t.Errorf("QuoteText(%q, 8) = %q, want %q", c.in, got, c.want)
		}
	}
}
