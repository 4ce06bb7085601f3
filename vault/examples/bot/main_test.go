package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/internal/testsecret"
	"github.com/tgsession/tgsession/vault"
)

func TestRunDemo(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(vault.EnvKey, "")
	var out strings.Builder
	require.NoError(t, run(&out, []string{"-demo", "-env", "DEMO_SESSION"}))
	got := out.String()
	require.Contains(t, got, `opened vault.Session{format=telethon dc=2 addr=149.154.167.51 port=443 labels=app="demo-bot" key=AuthKey(id=ad0e5169397d2b62)}`)
	require.Contains(t, got, "auth_key_id 7073885325249023661 (computed inside WithKey)")
	require.Contains(t, got, "DEMO_SESSION in environment: false, TGSESSION_AGE_KEY in environment: false")
	testsecret.RequireNotContains(t, got, "6161616161", "the demo key")
}

func TestRunWithoutSession(t *testing.T) {
	require.ErrorIs(t, run(&strings.Builder{}, []string{"-env", "DEMO_UNSET"}), vault.ErrNotFound)
}
