package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/vault"
)

// hintsOf returns the message and hints of a CLI error.
func hintsOf(t *testing.T, err error) (string, string) {
	t.Helper()
	var ce *cliError
	require.True(t, errors.As(err, &ce))
	return ce.Error(), strings.Join(ce.hints, "\n")
}

func TestMemlockErrorGetsTheContainerHintFromTheCLI(t *testing.T) {
	err := vaultError(fmt.Errorf("wrapped: %w", &vault.MemlockError{Limit: 64 << 10, Locked: 8 << 10, Need: 56 << 10}))
	msg, hints := hintsOf(t, err)
	require.Contains(t, msg, "ulimit -l 64")
	require.Contains(t, msg, "TGSESSION_ALLOW_NO_MLOCK=1")
	require.Contains(t, hints, "--ulimit memlock=65536:65536")
	require.Contains(t, hints, "--cap-add IPC_LOCK")
}

func TestRefusedSSHKeyGetsTheSSHFlagHintFromTheCLI(t *testing.T) {
	_, err := parseRecipients("seal", []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host"}, nil, nil)
	msg, hints := hintsOf(t, err)
	require.Contains(t, msg, "SSH recipients must be enabled explicitly")
	require.NotContains(t, msg, "--ssh")
	require.Contains(t, hints, "--ssh")

	_, err = (&vault.KeySearch{}).ParseIdentities(strings.NewReader("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"))
	require.ErrorIs(t, err, vault.ErrUnsupported)
	_, hints = hintsOf(t, vaultError(err))
	require.Contains(t, hints, "--ssh")
}

func TestNoIdentityErrorGetsTheIdentityFlagHintFromTheCLI(t *testing.T) {
	err := vaultError(&vault.NoIdentityError{Tried: []string{"$TGSESSION_AGE_KEY (not set)"}})
	msg, hints := hintsOf(t, err)
	require.NotContains(t, msg, "-i FILE")
	require.Contains(t, hints, "pass -i FILE")
}
