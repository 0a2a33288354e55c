package token

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
)

// DefaultSource is the SCIM source of a token that names none: every token
// made before sources existed, and every one made without --source.
const DefaultSource = "default"

// source has the syntax of a tenant id: it names a namespace in URLs, logs
// and rules (person.sourceGroups["okta"]), so it stays plain.
var source = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidSource reports whether s can name a SCIM source.
func ValidSource(s string) error {
	if !source.MatchString(s) {
		return fmt.Errorf("source %q: use 1–63 lower-case letters, digits and dashes, starting with a letter or digit", s)
	}
	return nil
}

// Option refines a token being made.
type Option func(*Token) error

// WithSource binds a SCIM token to the identity provider it is given to.
// Each source has its own SCIM namespace in the tenant, so two providers
// can both push a group "Engineering" or a user "ann@acme" without
// colliding or seeing each other's resources. Only a token that can reach
// the SCIM endpoint (scope scim or admin) takes a source.
func WithSource(s string) Option {
	return func(t *Token) error {
		if err := ValidSource(s); err != nil {
			return err
		}
		if !t.reachesSCIM() {
			return errors.New("a source applies only to a token of scope scim (or admin)")
		}
		t.Source = s
		return nil
	}
}

// SCIMSource is the source the token writes to at the SCIM endpoint.
func (t Token) SCIMSource() string {
	if t.Source == "" {
		return DefaultSource
	}
	return t.Source
}

func (t Token) reachesSCIM() bool {
	return slices.Contains(t.Scopes, "scim") || slices.Contains(t.Scopes, "admin")
}
