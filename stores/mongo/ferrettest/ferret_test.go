package ferrettest

import (
	"testing"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func TestPlaceholder(t *testing.T) { _ = ferretdb.Config{} }
