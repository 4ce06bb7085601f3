package cli

import "strings"

// suggest returns the candidate that s was probably meant to be: the
// closest by edit distance (insertions, deletions, substitutions and
// transpositions of adjacent characters), if it is within 1 edit for
// names of up to 4 characters and 2 for longer ones, or the only
// candidate that s is a prefix of (3 characters at least). It returns ""
// when nothing is close or s looks like secret material (which is never
// echoed, not even as a correction).
func suggest(s string, candidates []string) string {
	if s == "" || looksLikeSecret(s) {
		return ""
	}
	ls := strings.ToLower(s)
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if c == s {
			return ""
		}
		d := editDistance(ls, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(s) <= 4 {
		limit = 1
	}
	if bestD <= limit {
		return best
	}
	if len(s) >= 3 {
		var match string
		for _, c := range candidates {
			if strings.HasPrefix(c, ls) {
				if match != "" {
					return ""
				}
				match = c
			}
		}
		return match
	}
	return ""
}

// editDistance is the optimal string alignment distance between a and b
// (Levenshtein plus adjacent transpositions), by bytes.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20 // not a mistyped name
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
