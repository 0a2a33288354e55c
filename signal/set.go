package signal

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Event types Tenure transmits (CAEP 1.0, RISC 1.0, SSF 1.0).
const (
	EventSessionRevoked   = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
	EventCredentialChange = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
	EventAccountDisabled  = "https://schemas.openid.net/secevent/risc/event-type/account-disabled"
	EventAccountEnabled   = "https://schemas.openid.net/secevent/risc/event-type/account-enabled"
	EventVerification     = "https://schemas.openid.net/secevent/ssf/event-type/verification"
	EventStreamUpdated    = "https://schemas.openid.net/secevent/ssf/event-type/stream-updated"
)

// EventsSupported is what a stream may request. Verification and
// stream-updated events are always delivered and need not be requested.
var EventsSupported = []string{EventSessionRevoked, EventCredentialChange, EventAccountDisabled, EventAccountEnabled}

// SETType is the JOSE typ of a Security Event Token (RFC 8417 §2.3).
const SETType = "secevent+jwt"

// Subject identifier formats (RFC 9493) Tenure speaks.
const (
	FormatEmail  = "email"
	FormatOpaque = "opaque"
	FormatIssSub = "iss_sub"
)

// SubjectID is an RFC 9493 subject identifier.
type SubjectID struct {
	Format string `json:"format"`
	Email  string `json:"email,omitempty"`
	ID     string `json:"id,omitempty"`
	Iss    string `json:"iss,omitempty"`
	Sub    string `json:"sub,omitempty"`
}

// parseSubject checks a receiver's subject and returns it with its match
// key: the normal form under which a person is looked up. A person is
// found under their email, their employee id (opaque) and the iss_sub of
// this tenant's issuer and their employee id.
func parseSubject(raw json.RawMessage, issuer string) (SubjectID, string, error) {
	var sid SubjectID
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sid); err != nil {
		return sid, "", fmt.Errorf("subject: %v", err)
	}
	for _, v := range []string{sid.Format, sid.Email, sid.ID, sid.Iss, sid.Sub} {
		if strings.ContainsFunc(v, unicode.IsControl) || len(v) > 1024 {
			return sid, "", fmt.Errorf("subject: members must be printable text of at most 1024 bytes")
		}
	}
	switch sid.Format {
	case FormatEmail:
		if sid.Email == "" || !strings.Contains(sid.Email, "@") || sid.ID != "" || sid.Iss != "" || sid.Sub != "" {
			return sid, "", fmt.Errorf(`subject of format "email" needs an "email" (and nothing else)`)
		}
		return sid, "email:" + strings.ToLower(sid.Email), nil
	case FormatOpaque:
		if sid.ID == "" || sid.Email != "" || sid.Iss != "" || sid.Sub != "" {
			return sid, "", fmt.Errorf(`subject of format "opaque" needs an "id" (and nothing else)`)
		}
		return sid, "opaque:" + sid.ID, nil
	case FormatIssSub:
		if sid.Iss == "" || sid.Sub == "" || sid.Email != "" || sid.ID != "" {
			return sid, "", fmt.Errorf(`subject of format "iss_sub" needs "iss" and "sub" (and nothing else)`)
		}
		return sid, "iss_sub:" + sid.Iss + " " + sid.Sub, nil
	case "":
		return sid, "", fmt.Errorf(`subject needs a "format"`)
	}
	return sid, "", fmt.Errorf("subject format %q is not supported (use email, opaque or iss_sub)", sid.Format)
}

// personKeys are the match keys under which a person may be subscribed,
// each with the format the receiver will get the person's sub_id in.
func personKeys(issuer, id, email string) [][2]string {
	keys := make([][2]string, 0, 3)
	if email != "" {
		keys = append(keys, [2]string{"email:" + strings.ToLower(email), FormatEmail})
	}
	return append(keys, [2]string{"iss_sub:" + issuer + " " + id, FormatIssSub}, [2]string{"opaque:" + id, FormatOpaque})
}

// subjectFor renders a person in format, falling back to opaque when the
// person has no email.
func subjectFor(format, issuer, id, email string) SubjectID {
	switch {
	case format == FormatEmail && email != "":
		return SubjectID{Format: FormatEmail, Email: email}
	case format == FormatIssSub:
		return SubjectID{Format: FormatIssSub, Iss: issuer, Sub: id}
	}
	return SubjectID{Format: FormatOpaque, ID: id}
}

// SETClaims are the claims of a Security Event Token: one event per SET,
// the subject in sub_id, and deliberately no sub and no exp (a SET is a
// statement of fact, not an authorization, RFC 8417 §2.2 and SSF §4.1).
type SETClaims struct {
	Iss    string                    `json:"iss"`
	Jti    string                    `json:"jti"`
	Iat    int64                     `json:"iat"`
	Aud    any                       `json:"aud"`
	Txn    string                    `json:"txn,omitempty"`
	SubID  SubjectID                 `json:"sub_id"`
	Events map[string]map[string]any `json:"events"`
}

// eventPayload builds the payload of a CAEP or RISC event about a person.
func eventPayload(typ string, at time.Time, reason string) map[string]any {
	p := map[string]any{
		"event_timestamp":   at.Unix(),
		"initiating_entity": "policy",
		"reason_admin":      map[string]string{"en": reason},
	}
	if typ == EventCredentialChange {
		// Every credential the person held stops working with the account.
		p["credential_type"] = "password"
		p["change_type"] = "revoke"
	}
	return p
}
