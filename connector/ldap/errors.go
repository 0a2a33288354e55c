package ldap

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/tenure-dev/tenure/connector"
)

// retryableCodes are result codes that say "not now": the server is busy,
// shutting down or slow, or the connection failed. Everything the server
// rejects on its merits is Permanent.
var retryableCodes = map[uint16]bool{
	goldap.LDAPResultTimeLimitExceeded:  true,
	goldap.LDAPResultAdminLimitExceeded: true,
	goldap.LDAPResultBusy:               true,
	goldap.LDAPResultUnavailable:        true,
	goldap.LDAPResultLoopDetect:         true,
	goldap.LDAPResultOther:              true,
	goldap.ErrorNetwork:                 true,
	goldap.LDAPResultTimeout:            true,
	goldap.LDAPResultServerDown:         true,
	goldap.LDAPResultConnectError:       true,
}

// permanentCodes are the server's refusals: retrying sends the same
// request and gets the same answer, so a human must look.
var permanentCodes = map[uint16]bool{
	goldap.LDAPResultProtocolError:                true,
	goldap.LDAPResultSizeLimitExceeded:            true,
	goldap.LDAPResultAuthMethodNotSupported:       true,
	goldap.LDAPResultStrongAuthRequired:           true,
	goldap.LDAPResultConfidentialityRequired:      true,
	goldap.LDAPResultUnavailableCriticalExtension: true,
	goldap.LDAPResultNoSuchAttribute:              true,
	goldap.LDAPResultUndefinedAttributeType:       true,
	goldap.LDAPResultInappropriateMatching:        true,
	goldap.LDAPResultConstraintViolation:          true,
	goldap.LDAPResultAttributeOrValueExists:       true,
	goldap.LDAPResultInvalidAttributeSyntax:       true,
	goldap.LDAPResultNoSuchObject:                 true,
	goldap.LDAPResultAliasProblem:                 true,
	goldap.LDAPResultInvalidDNSyntax:              true,
	goldap.LDAPResultInappropriateAuthentication:  true,
	goldap.LDAPResultInvalidCredentials:           true,
	goldap.LDAPResultInsufficientAccessRights:     true,
	goldap.LDAPResultUnwillingToPerform:           true,
	goldap.LDAPResultNamingViolation:              true,
	goldap.LDAPResultObjectClassViolation:         true,
	goldap.LDAPResultNotAllowedOnNonLeaf:          true,
	goldap.LDAPResultNotAllowedOnRDN:              true,
	goldap.LDAPResultEntryAlreadyExists:           true,
	goldap.LDAPResultObjectClassModsProhibited:    true,
	goldap.LDAPResultAffectsMultipleDSAs:          true,
	goldap.ErrorFilterCompile:                     true,
}

// classify turns an error from go-ldap into a typed connector error. op
// says what was being done ("bind", "search users" …); the server's
// diagnostic message goes into Detail and the message.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connector.Error
	if errors.As(err, &ce) {
		return err
	}
	if isTLSVerify(err) {
		return connector.NewPermanent(fmt.Errorf("ldap %s: server certificate not trusted (check ca_file): %w", op, err), "")
	}
	var le *goldap.Error
	if !errors.As(err, &le) {
		return connector.NewRetryable(fmt.Errorf("ldap %s: %w", op, err))
	}
	diag := ""
	if le.Err != nil {
		diag = le.Err.Error()
	}
	name := goldap.LDAPResultCodeMap[le.ResultCode]
	if name == "" {
		name = fmt.Sprintf("result code %d", le.ResultCode)
	}
	msg := fmt.Errorf("ldap %s: %s: %w", op, name, le)
	if le.ResultCode == goldap.ErrorNetwork {
		msg = fmt.Errorf("ldap %s: %w", op, le)
	}
	switch {
	case retryableCodes[le.ResultCode]:
		return &connector.Error{Class: connector.Retryable, Err: msg, Detail: diag}
	case permanentCodes[le.ResultCode]:
		return connector.NewPermanent(msg, diag)
	default:
		return &connector.Error{Class: connector.Retryable, Err: msg, Detail: diag}
	}
}

// isTLSVerify reports whether err is a certificate verification failure:
// a configuration problem, not a transient one. go-ldap flattens the
// StartTLS handshake error into text, hence the string match.
func isTLSVerify(err error) bool {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var he x509.HostnameError
	if errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &he) {
		return true
	}
	return strings.Contains(err.Error(), "x509: ") || strings.Contains(err.Error(), "tls: failed to verify")
}

// isCode reports whether err carries the LDAP result code.
func isCode(err error, code uint16) bool { return goldap.IsErrorWithCode(err, code) }

// isNetwork reports whether err means the connection is unusable.
func isNetwork(err error) bool {
	return goldap.IsErrorAnyOf(err, goldap.ErrorNetwork, goldap.LDAPResultServerDown, goldap.LDAPResultConnectError)
}
