package fuzzcheck

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// TestLeakChecker proves that the checks can fail: each rule fires on a
// text that echoes material, and none fires on ordinary error prose.
func TestLeakChecker(t *testing.T) {
	// The data part of a test identity (the secret after AGE-SECRET-KEY-1).
	const identityData = "9N9XFAQH32NXR02E7U9SADVS5KMAQ86T0HHSZRCFQPNRSFFP5V9S7X44TV"
	key := make([]byte, 256)
	for i := range key {
		key[i] = byte(i*37 + 11)
	}
	session := "1" + base64.URLEncoding.EncodeToString(append([]byte{2, 149, 154, 167, 51, 1, 187}, key...))
	c := NewLeak(session).Secret(key).SecretString(identityData)

	fires := map[string]string{
		"whole input":       "codec: bad " + session,
		"input window":      "codec: near " + session[100:125] + " here",
		"key hex":           "key " + hex.EncodeToString(key[40:50]),
		"key hex upper":     "key " + strings.ToUpper(hex.EncodeToString(key[40:50])),
		"key base64 std":    "key " + base64.StdEncoding.EncodeToString(key[1:20]),
		"key base64 url":    "key " + base64.RawURLEncoding.EncodeToString(key[2:40]),
		"key raw":           "key " + string(key[100:120]),
		"identity":          "vault: " + strings.ToLower("AGE-SECRET-KEY-1"+identityData[:24]),
		"input sub, no pad": "x" + session[1:30],
	}
	for name, text := range fires {
		if c.Check(text) == "" {
			t.Errorf("%s: leak not detected", name)
		}
	}
	quiet := []string{
		"codec: telethon: invalid character: whitespace inside the text (at character 12)",
		"vault: no age identity found; tried: TGSESSION_AGE_KEY (not set); TGSESSION_AGE_KEY_FILE (not set)",
		"codec: gotd: Data.Config.DCTxtDomainName: JSON number where string was expected",
		"vault: identity is not AGE-SECRET-KEY-1 or AGE-SECRET-KEY-PQ-1: malformed input",
		"codec: ambiguous format: the text fits telethon and gramjs; name the format explicitly",
	}
	for _, text := range quiet {
		// The input here is the error text itself, the worst case for the
		// whole-input rule: prose made of lowercase words never fires.
		if rule := NewLeak("invalid character").Check(text); rule != "" {
			t.Errorf("false positive (%s) on %q", rule, text)
		}
		if rule := c.Check(text); rule != "" {
			t.Errorf("false positive (%s) on %q", rule, text)
		}
	}
	if c := NewLeak("TGSESSION_AGE_KEY_FILE=/x"); c.Check(quiet[1]) != "" {
		t.Errorf("constant variable names must not count as input echo")
	}
	// A constant prefix quoted by an error is not an echo of an input that
	// starts with it, even through the lenient payload decoding.
	prefixed := "tgsession-age-v1:" + base64.RawURLEncoding.EncodeToString(key)
	pc := NewLeak(prefixed)
	for _, p := range LenientPayloads(" " + prefixed) {
		pc.Secret(p)
	}
	if rule := pc.Check("vault: not sealed (want tgsession-age-v1:…)"); rule != "" {
		t.Errorf("false positive (%s) on a quoted prefix", rule)
	}
	if NewLeak("tgsession-age-v1:").Check("want tgsession-age-v1:…") != "" {
		t.Errorf("false positive on an input that is only a public constant")
	}
	if pc.Check("vault: bad value "+prefixed[:40]) == "" {
		t.Errorf("an echo that starts with a public constant must still be caught")
	}
	if len(LenientPayloads(session)) != 2 {
		t.Errorf("LenientPayloads: want two candidate payloads")
	}
}

// TestLeakCheckerPublic: a public value that shares bytes with a key (a
// user id copied out of it) does not count where it is quoted, while the
// same bytes anywhere else, and any other window of the key, still do.
func TestLeakCheckerPublic(t *testing.T) {
	key := make([]byte, 256)
	for i := range key {
		key[i] = byte(i*37 + 11)
	}
	uid := hex.EncodeToString(key[16:24]) // 16 hex digits of the key
	c := NewLeak("").Secret(key)
	text := "{0 " + uid + " 2 []}"
	if c.Check(text) == "" {
		t.Fatal("without Public the user id's rendering fires (the case Public is for)")
	}
	c.Public(uid)
	if rule := c.Check(text); rule != "" {
		t.Errorf("false positive (%s) on a public value", rule)
	}
	if c.Check(text+" key "+hex.EncodeToString(key[15:25])) == "" {
		t.Error("a window of the key that straddles the public value must still be caught")
	}
	if c.Check("key "+hex.EncodeToString(key[100:110])) == "" {
		t.Error("another window of the key must still be caught")
	}
}
