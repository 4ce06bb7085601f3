package peerid

import "testing"

func TestOfClassifiesMarkedIDs(t *testing.T) {
	for _, c := range []struct {
		id   int64
		want Kind
		name string
	}{
		{777000, User, "user"},
		{0, 0, "invalid"},
		{-1, Chat, "chat"},
		{-999999999999, Chat, "chat"},
		{-1000000000000, Channel, "channel"},
		{-1001234567890, Channel, "channel"},
	} {
		if got := Of(c.id); got != c.want || got.String() != c.name {
			t.Errorf("Of(%d) = %v (%s), want %v (%s)", c.id, got, got, c.want, c.name)
		}
	}
}
