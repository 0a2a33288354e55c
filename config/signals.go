package config

import (
	"github.com/tenure-dev/tenure/egress"
)

// Signals configures the tenant's security signals: the keys SETs and
// logout tokens are signed with, and where they may be sent.
type Signals struct {
	// KeyAlgorithm is the algorithm of new signing keys: RS256 (the
	// default, 2048-bit keys) or ES256.
	KeyAlgorithm string `yaml:"key_algorithm"`
	// KeyRetention is how long a key replaced by `tenure keys rotate` stays
	// published, so that tokens it signed still in flight verify; it should
	// exceed how long a receiver may be down. Default 14d.
	KeyRetention Duration `yaml:"key_retention"`
	// Deadline is the leaver clock's deadline for signals (a stream's
	// session-revoked SET, an app's back-channel logout). Default 15m.
	Deadline Duration `yaml:"deadline"`
	// DefaultSubjects is SSF's default_subjects: "none" (the default; a
	// stream hears about the subjects its receiver added) or "all".
	DefaultSubjects string `yaml:"default_subjects"`
	// AllowHTTP, AllowLoopback and AllowPrivate loosen the outbound URL
	// policy for push endpoints and back-channel logout URIs (see
	// egress.Policy): by default https to public addresses only.
	AllowHTTP     bool `yaml:"allow_http"`
	AllowLoopback bool `yaml:"allow_loopback"`
	AllowPrivate  bool `yaml:"allow_private"`
}

// Egress is the outbound URL policy the settings describe.
func (s *Signals) Egress() egress.Policy {
	return egress.Policy{AllowHTTP: s.AllowHTTP, AllowLoopback: s.AllowLoopback, AllowPrivate: s.AllowPrivate}
}

// Values of Signals.DefaultSubjects.
const (
	DefaultSubjectsNone = "none"
	DefaultSubjectsAll  = "all"
)

func (v *validator) signals(s *Signals, p string) {
	switch s.KeyAlgorithm {
	case "", "RS256", "ES256":
	default:
		v.at(p+".key_algorithm", "unknown algorithm %q (known: ES256, RS256)", s.KeyAlgorithm)
	}
	if s.KeyRetention.Duration < 0 || s.KeyRetention.Duration == 0 && v.ix.has(p+".key_retention") {
		v.at(p+".key_retention", "must be more than 0, got %s", s.KeyRetention)
	}
	if s.Deadline.Duration < 0 || s.Deadline.Duration == 0 && v.ix.has(p+".deadline") {
		v.at(p+".deadline", "must be more than 0, got %s", s.Deadline)
	}
	switch s.DefaultSubjects {
	case "", DefaultSubjectsNone, DefaultSubjectsAll:
	default:
		v.at(p+".default_subjects", "unknown value %q (known: all, none)", s.DefaultSubjects)
	}
}

// backchannel checks an app's OIDC back-channel logout settings against
// the tenant's outbound URL policy.
func (v *validator) backchannel(a *App, p string, pol egress.Policy) {
	switch {
	case a.BackchannelLogoutURI == "" && a.BackchannelClientID != "":
		v.at(p+".backchannel_logout_uri", "required with backchannel_client_id")
	case a.BackchannelLogoutURI != "" && a.BackchannelClientID == "":
		v.at(p+".backchannel_client_id", "required with backchannel_logout_uri: the client id the app's logout tokens are addressed to")
	}
	if a.BackchannelLogoutURI != "" {
		if _, err := pol.Check(a.BackchannelLogoutURI); err != nil {
			v.at(p+".backchannel_logout_uri", "%v (signals.allow_http, allow_loopback and allow_private loosen the policy)", err)
		}
	}
	switch a.BackchannelSubject {
	case "", "email", "employee_id":
		if a.BackchannelSubject != "" && a.BackchannelLogoutURI == "" {
			v.at(p+".backchannel_subject", "only allowed with backchannel_logout_uri")
		}
	default:
		v.at(p+".backchannel_subject", "unknown value %q (known: email, employee_id)", a.BackchannelSubject)
	}
}
