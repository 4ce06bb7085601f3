package cli

import (
	"errors"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
)

// maxUserIDsFile caps the --user-ids file.
const maxUserIDsFile = 4 << 20

// userIDLine is one "INPUT USER_ID" line of a --user-ids file.
type userIDLine struct {
	line int
	name string
	id   int64
}

// userIDMap is a --user-ids file: a user id per batch input.
type userIDMap struct {
	path    string
	lines   []userIDLine
	byInput map[int]int64 // input index → user id, after resolve
}

// readUserIDs reads a --user-ids file: one "INPUT USER_ID" per line, the
// id after the last run of spaces or tabs (so INPUT may hold spaces);
// blank lines and lines starting with "#" are skipped. User ids are not
// secret, but the file's text is never echoed except the names.
func readUserIDs(path string) (*userIDMap, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, usageFileError("--user-ids", path, err)
	}
	data, err := readCapped(f, maxUserIDsFile)
	f.Close()
	if err != nil {
		return nil, usageErrorf("--user-ids %s: %v", path, err)
	}
	m := &userIDMap{path: path}
	seen := map[string]int{}
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cut := strings.LastIndexAny(line, " \t")
		if cut < 0 {
			return nil, usageErrorf("--user-ids %s: line %d: want INPUT USER_ID", path, n)
		}
		name, idText := strings.TrimSpace(line[:cut]), line[cut+1:]
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || id <= 0 {
			return nil, usageErrorf("--user-ids %s: line %d: the user id is not a positive 64-bit number", path, n)
		}
		if prev, dup := seen[name]; dup {
			return nil, usageErrorf("--user-ids %s: line %d: %s was already given on line %d", path, n, name, prev)
		}
		seen[name] = n
		m.lines = append(m.lines, userIDLine{line: n, name: name, id: id})
	}
	return m, nil
}

// usageFileError is a usage error for a file given to a flag.
func usageFileError(flagName, path string, err error) error {
	var se *specialInputError
	if errors.As(err, &se) {
		return usageErrorf("%s %v", flagName, se)
	}
	return usageErrorf("%s %s: %v", flagName, path, unwrapPath(err))
}

// resolve matches every line to one input: by the input's name as the
// batch prints it ("-" or "standard input" for standard input), else by
// its file name if no other input has the same one. A line that matches
// no input, or several, is a usage error: nothing is converted. An input
// without a line gets no user id (it fails only if its target needs one).
func (m *userIDMap) resolve(inputs []source) error {
	bases := map[string]int{}
	for _, s := range inputs {
		if s.path != "" {
			bases[filepath.Base(s.path)]++
		}
	}
	m.byInput = map[int]int64{}
	owner := map[int]int{}
	for _, l := range m.lines {
		match := -1
		for i, s := range inputs {
			if l.name == s.String() || (s.path == "" && l.name == "-") ||
				(s.path != "" && filepath.Clean(l.name) == filepath.Clean(s.path)) {
				match = i
				break
			}
		}
		if match < 0 && !strings.ContainsRune(l.name, filepath.Separator) {
			switch bases[l.name] {
			case 0:
			case 1:
				for i, s := range inputs {
					if s.path != "" && filepath.Base(s.path) == l.name {
						match = i
					}
				}
			default:
				return withHints(usageErrorf("--user-ids %s: line %d: %s is the file name of several inputs", m.path, l.line, l.name),
					"use the input's name as the batch prints it (with its directory)")
			}
		}
		if match < 0 {
			return withHints(usageErrorf("--user-ids %s: line %d: %s is not one of the inputs", m.path, l.line, l.name),
				"name each input as the batch prints it (\"sessions/a.session: written to …\") or by its file name")
		}
		if prev, dup := owner[match]; dup {
			return usageErrorf("--user-ids %s: lines %d and %d both name %s", m.path, prev, l.line, inputs[match])
		}
		owner[match] = l.line
		m.byInput[match] = l.id
	}
	return nil
}

// apply returns ov with input i's user id, if the file gives one.
func (m *userIDMap) apply(ov overrides, i int) overrides {
	id, ok := m.byInput[i]
	if !ok {
		return ov
	}
	ov.set = maps.Clone(ov.set)
	ov.set["user-id"] = true
	ov.userID = id
	return ov
}
