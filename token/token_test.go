package token

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Now()
	secret, tok, err := New("acme", []string{"hr:write", "hr:write"}, "workday push", now)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(secret, "tnr_"+tok.ID+"_"))
	require.NotContains(t, string(tok.Hash), secret, "only the hash is kept")
	require.Equal(t, []string{"hr:write"}, tok.Scopes)

	id, sec, err := Parse(secret)
	require.NoError(t, err)
	require.Equal(t, tok.ID, id)
	require.NoError(t, Check(tok, sec, "acme", "hr:write"))

	require.ErrorIs(t, Check(tok, sec+"x", "acme", "hr:write"), ErrInvalid, "wrong secret")
	require.ErrorIs(t, Check(tok, sec, "globex", "hr:write"), ErrInvalid, "token of another tenant")
	require.ErrorIs(t, Check(tok, sec, "acme", "scim"), ErrForbidden, "missing scope")
	tok.RevokedAt = now
	require.ErrorIs(t, Check(tok, sec, "acme", "hr:write"), ErrInvalid, "revoked")
}

func TestTokenRejects(t *testing.T) {
	t.Parallel()
	_, _, err := New("acme", nil, "", time.Now())
	require.Error(t, err)
	_, _, err = New("acme", []string{"hr:wrte"}, "", time.Now())
	require.ErrorContains(t, err, `unknown scope "hr:wrte"`)
	for _, bad := range []string{"", "tnr_", "tnr_abc_def", "xyz_0123456789ab_secret", "tnr_0123456789ab_"} {
		_, _, err := Parse(bad)
		require.True(t, errors.Is(err, ErrInvalid), bad)
	}
}

func TestTokenSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		scopes []string
		opts   []Option
		want   string
		err    string
	}{
		{"scim without a source is default", []string{"scim"}, nil, "default", ""},
		{"scim with a source", []string{"scim"}, []Option{WithSource("okta")}, "okta", ""},
		{"admin takes a source", []string{"admin"}, []Option{WithSource("entra-id")}, "entra-id", ""},
		{"hr token has none", []string{"hr:write"}, nil, "", ""},
		{"hr token refuses one", []string{"hr:write"}, []Option{WithSource("okta")}, "", "applies only to a token of scope scim"},
		{"bad syntax", []string{"scim"}, []Option{WithSource("Okta_Prod")}, "", `source "Okta_Prod": use 1–63 lower-case`},
		{"empty", []string{"scim"}, []Option{WithSource("")}, "", `source "": use`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, tok, err := New("acme", tt.scopes, "", time.Now(), tt.opts...)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, tok.Source)
		})
	}
	require.Equal(t, "default", Token{}.SCIMSource(), "a token stored before sources")
	require.Equal(t, "okta", Token{Source: "okta"}.SCIMSource())
}
