package codec

// ChangeKind says what happens to a session field when it is encoded in a
// format.
type ChangeKind int

const (
	// Dropped: the source knows the field but the target format cannot
	// hold it.
	Dropped ChangeKind = iota + 1
	// Defaulted: the target format needs the field, the source does not
	// know it, and the encoder writes the format's neutral default.
	Defaulted
	// Supplied: the value was given by the caller (a CLI flag or option),
	// not read from the source.
	Supplied
)

func (k ChangeKind) String() string {
	switch k {
	case Dropped:
		return "dropped"
	case Defaulted:
		return "defaulted"
	case Supplied:
		return "supplied"
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (k ChangeKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Change describes one field that encoding in a format does not carry over
// as it is. Value is the (non-secret) value written or lost, as text; Reason
// is a short human explanation. Neither ever holds key material.
type Change struct {
	Field  string     `json:"field"`
	Kind   ChangeKind `json:"kind"`
	Value  string     `json:"value,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

func (c Change) String() string {
	s := c.Field + ": " + c.Kind.String()
	if c.Value != "" {
		s += " (" + c.Value + ")"
	}
	if c.Reason != "" {
		s += ": " + c.Reason
	}
	return s
}
