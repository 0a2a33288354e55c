package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A scim token is given to one identity provider, its source.
func TestTokenCreateSource(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.must(t, "tenant", "create", "acme")
	_, stderr, err := b.run(t, "token", "create", "--tenant", "acme", "--scope", "scim", "--source", "okta")
	require.NoError(t, err)
	require.Contains(t, stderr, "SCIM source okta")
	_, stderr, err = b.run(t, "token", "create", "--tenant", "acme", "--scope", "scim", "--description", "plain")
	require.NoError(t, err)
	require.Contains(t, stderr, "SCIM source default", "no --source: the default source")
	b.must(t, "token", "create", "--tenant", "acme", "--scope", "hr:write", "--description", "hr")

	lines := strings.Split(strings.TrimSpace(b.must(t, "token", "list", "--tenant", "acme")), "\n")
	require.Len(t, lines, 4)
	require.Regexp(t, `^ID\s+SCOPES\s+SOURCE\s`, lines[0])
	require.Regexp(t, `\sscim\s+okta\s`, lines[1])
	require.Regexp(t, `\sscim\s+default\s.*plain$`, lines[2])
	require.Regexp(t, `\shr:write\s+-\s.*hr$`, lines[3])

	for args, want := range map[string]string{
		"--scope scim --source Okta_Prod": `source "Okta_Prod": use 1–63 lower-case letters`,
		"--scope scim --source ":          `source "": use`,
		"--scope hr:write --source okta":  "a source applies only to a token of scope scim",
	} {
		_, _, err := b.run(t, append([]string{"token", "create", "--tenant", "acme"}, strings.Split(args, " ")...)...)
		require.ErrorContains(t, err, want, args)
	}
	require.Len(t, strings.Split(strings.TrimSpace(b.must(t, "token", "list", "--tenant", "acme")), "\n"), 4, "a refused token is not created")
	help := b.must(t, "token", "create", "--help")
	require.Contains(t, help, "--source")
	require.Contains(t, help, `person.sourceGroups["okta"]`)
}
