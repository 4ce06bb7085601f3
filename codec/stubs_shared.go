package codec

import "errors"

var errNotImplemented = errors.New("not implemented yet")
