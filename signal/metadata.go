package signal

// SpecVersion is the SSF version Tenure implements.
const SpecVersion = "1_0"

// Metadata is the transmitter configuration metadata (SSF 1.0 §7.1),
// served at /.well-known/ssf-configuration/t/{tenant}.
type Metadata struct {
	SpecVersion              string                `json:"spec_version"`
	Issuer                   string                `json:"issuer"`
	JWKSURI                  string                `json:"jwks_uri"`
	DeliveryMethodsSupported []string              `json:"delivery_methods_supported"`
	ConfigurationEndpoint    string                `json:"configuration_endpoint"`
	StatusEndpoint           string                `json:"status_endpoint"`
	AddSubjectEndpoint       string                `json:"add_subject_endpoint"`
	RemoveSubjectEndpoint    string                `json:"remove_subject_endpoint"`
	VerificationEndpoint     string                `json:"verification_endpoint"`
	CriticalSubjectMembers   []string              `json:"critical_subject_members,omitempty"`
	AuthorizationSchemes     []AuthorizationScheme `json:"authorization_schemes"`
	DefaultSubjects          string                `json:"default_subjects"`
}

// AuthorizationScheme names how receivers authenticate: an OAuth bearer
// token (RFC 6750), here a Tenure API token of scope ssf.
type AuthorizationScheme struct {
	SpecURN string `json:"spec_urn"`
}

// Metadata describes the tenant's transmitter.
func (s *Service) Metadata(tenant string) (Metadata, error) {
	set, err := s.settings(tenant)
	if err != nil {
		return Metadata{}, notFound("no tenant %q", tenant)
	}
	iss := s.Issuer(tenant)
	def := "NONE"
	if set.AllSubjects {
		def = "ALL"
	}
	return Metadata{
		SpecVersion:              SpecVersion,
		Issuer:                   iss,
		JWKSURI:                  iss + "/jwks.json",
		DeliveryMethodsSupported: []string{MethodPush, MethodPoll},
		ConfigurationEndpoint:    iss + "/ssf/streams",
		StatusEndpoint:           iss + "/ssf/status",
		AddSubjectEndpoint:       iss + "/ssf/subjects:add",
		RemoveSubjectEndpoint:    iss + "/ssf/subjects:remove",
		VerificationEndpoint:     iss + "/ssf/verify",
		AuthorizationSchemes:     []AuthorizationScheme{{SpecURN: "urn:ietf:rfc:6750"}},
		DefaultSubjects:          def,
	}, nil
}
