package signal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tenure-dev/tenure/egress"
)

// Delivery methods (SSF 1.0 §8.1.1, RFC 8935 and RFC 8936).
const (
	MethodPush = "urn:ietf:rfc:8935"
	MethodPoll = "urn:ietf:rfc:8936"
)

// Stream statuses.
const (
	StatusEnabled  = "enabled"
	StatusPaused   = "paused"
	StatusDisabled = "disabled"
)

// StreamConfig is a stream's configuration as SSF 1.0 §8.1.1 describes it.
// stream_id, iss, events_supported and events_delivered are supplied by
// Tenure; aud may be chosen by the receiver at creation (default: the
// stream's own URL) and is fixed afterwards.
type StreamConfig struct {
	StreamID        string         `json:"stream_id"`
	Iss             string         `json:"iss"`
	Aud             any            `json:"aud"`
	EventsSupported []string       `json:"events_supported"`
	EventsRequested []string       `json:"events_requested"`
	EventsDelivered []string       `json:"events_delivered"`
	Delivery        DeliveryConfig `json:"delivery"`
	Description     string         `json:"description,omitempty"`
	// SubjectFormat (a Tenure extension) is the sub_id format of events
	// about people the receiver did not add itself (default_subjects ALL):
	// email (the default), opaque or iss_sub. Added subjects come back in
	// the format they were added in.
	SubjectFormat string `json:"subject_format,omitempty"`
}

// DeliveryConfig is how a stream's SETs reach the receiver.
type DeliveryConfig struct {
	Method string `json:"method"`
	// EndpointURL is the receiver's push endpoint, or (poll) Tenure's poll
	// endpoint for the stream.
	EndpointURL string `json:"endpoint_url,omitempty"`
	// AuthorizationHeader is sent with every push; it is the receiver's
	// secret and is never returned.
	AuthorizationHeader string `json:"authorization_header,omitempty"`
	// SealedAuthorization is AuthorizationHeader as stored: sealed with the
	// key-encryption key and bound to the tenant and stream (see
	// Service.sealConfig). Never sent, never returned, never taken from a
	// receiver's request.
	SealedAuthorization string `json:"authorization_sealed,omitempty"`
}

// public is the configuration as shown to the receiver: without the
// authorization header.
func (c StreamConfig) public() StreamConfig {
	c.Delivery.AuthorizationHeader, c.Delivery.SealedAuthorization = "", ""
	return c
}

func (c StreamConfig) delivers(typ string) bool { return slices.Contains(c.EventsDelivered, typ) }

// streamRequest is a create, update or replace body: pointers tell
// absent from empty.
type streamRequest struct {
	StreamID                *string         `json:"stream_id"`
	Iss                     *string         `json:"iss"`
	Aud                     json.RawMessage `json:"aud"`
	EventsSupported         *[]string       `json:"events_supported"`
	EventsRequested         *[]string       `json:"events_requested"`
	EventsDelivered         *[]string       `json:"events_delivered"`
	Delivery                *DeliveryConfig `json:"delivery"`
	Description             *string         `json:"description"`
	SubjectFormat           *string         `json:"subject_format"`
	MinVerificationInterval *int            `json:"min_verification_interval"`
}

// decodeStrict decodes one JSON object, refusing unknown members and
// trailing data: a malformed request is a 400 that changes nothing.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("malformed request: %v", err)
	}
	if dec.More() {
		return badRequest("malformed request: data after the JSON object")
	}
	return nil
}

func parseAud(raw json.RawMessage) (any, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			return nil, badRequest("aud: must not be empty")
		}
		return s, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 || slices.Contains(list, "") {
		return nil, badRequest("aud: must be a string or a non-empty array of strings")
	}
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out, nil
}

// sameJSON compares a requested transmitter-supplied value to the current one.
func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// apply merges req into cur (replace: every receiver-supplied field is
// taken from req, absent ones cleared). It refuses changes to fields
// Tenure supplies, unknown event types, bad delivery methods and
// forbidden endpoints.
func apply(cur StreamConfig, req streamRequest, replace, creating bool, pol egress.Policy, pollURL string) (StreamConfig, error) {
	// Fields Tenure supplies may be echoed back, never changed.
	if req.StreamID != nil && !creating && *req.StreamID != cur.StreamID {
		return cur, badRequest("stream_id cannot change")
	}
	if req.StreamID != nil && creating {
		return cur, badRequest("stream_id is chosen by the transmitter")
	}
	if req.Iss != nil && *req.Iss != cur.Iss {
		return cur, badRequest("iss is supplied by the transmitter (%s)", cur.Iss)
	}
	if req.EventsSupported != nil && !sameJSON(*req.EventsSupported, cur.EventsSupported) {
		return cur, badRequest("events_supported is supplied by the transmitter")
	}
	if req.MinVerificationInterval != nil {
		return cur, badRequest("min_verification_interval is supplied by the transmitter")
	}
	if req.Aud != nil {
		aud, err := parseAud(req.Aud)
		if err != nil {
			return cur, err
		}
		if !creating && !sameJSON(aud, cur.Aud) {
			return cur, badRequest("aud cannot change after creation")
		}
		cur.Aud = aud
	}
	if replace {
		cur.EventsRequested, cur.Description, cur.SubjectFormat = nil, "", ""
		cur.Delivery = DeliveryConfig{}
	}
	if req.EventsRequested != nil {
		var unknown []string
		for _, e := range *req.EventsRequested {
			if !slices.Contains(EventsSupported, e) && e != EventVerification && e != EventStreamUpdated {
				unknown = append(unknown, e)
			}
		}
		if len(unknown) > 0 {
			return cur, badRequest("events_requested: unsupported event types %s (supported: %s)",
				strings.Join(unknown, ", "), strings.Join(EventsSupported, ", "))
		}
		cur.EventsRequested = slices.Clone(*req.EventsRequested)
	}
	if req.Description != nil {
		cur.Description = *req.Description
	}
	if req.SubjectFormat != nil {
		switch *req.SubjectFormat {
		case FormatEmail, FormatOpaque, FormatIssSub, "":
			cur.SubjectFormat = *req.SubjectFormat
		default:
			return cur, badRequest("subject_format %q: use email, opaque or iss_sub", *req.SubjectFormat)
		}
	}
	if req.Delivery != nil {
		d := *req.Delivery
		d.SealedAuthorization = "" // only Tenure seals
		switch d.Method {
		case MethodPush:
			if d.EndpointURL == "" {
				return cur, badRequest("delivery: push needs an endpoint_url")
			}
			if _, err := pol.Check(d.EndpointURL); err != nil {
				return cur, badRequest("delivery.endpoint_url: %v", err)
			}
			if strings.ContainsFunc(d.AuthorizationHeader, func(r rune) bool { return r < ' ' || r == 0x7f }) {
				// It could never be sent: refuse it now, not after 25 retries.
				return cur, badRequest("delivery.authorization_header: control characters are not allowed in a header value")
			}
		case MethodPoll:
			if d.EndpointURL != "" && d.EndpointURL != pollURL {
				return cur, badRequest("delivery: the poll endpoint_url is supplied by the transmitter (%s)", pollURL)
			}
			if d.AuthorizationHeader != "" {
				return cur, badRequest("delivery: authorization_header is for push delivery")
			}
			d.EndpointURL = pollURL
		case "":
			return cur, badRequest("delivery: method is required (%s or %s)", MethodPush, MethodPoll)
		default:
			return cur, badRequest("delivery: method %q is not supported (use %s or %s)", d.Method, MethodPush, MethodPoll)
		}
		cur.Delivery = d
	}
	if cur.Delivery.Method == "" {
		cur.Delivery = DeliveryConfig{Method: MethodPoll, EndpointURL: pollURL}
	}
	cur.EventsDelivered = nil
	for _, e := range cur.EventsRequested {
		if slices.Contains(EventsSupported, e) {
			cur.EventsDelivered = append(cur.EventsDelivered, e)
		}
	}
	if req.EventsDelivered != nil && !sameJSON(*req.EventsDelivered, cur.EventsDelivered) && !replace && !creating {
		return cur, badRequest("events_delivered is supplied by the transmitter")
	}
	if cur.EventsRequested == nil {
		cur.EventsRequested = []string{}
	}
	if cur.EventsDelivered == nil {
		cur.EventsDelivered = []string{}
	}
	return cur, nil
}

// validStatus checks a requested stream status.
func validStatus(s string) error {
	switch s {
	case StatusEnabled, StatusPaused, StatusDisabled:
		return nil
	}
	return badRequest("status %q: use %s, %s or %s", s, StatusEnabled, StatusPaused, StatusDisabled)
}

func decodeConfig(raw []byte) (StreamConfig, error) {
	var c StreamConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("stored stream config: %w", err)
	}
	return c, nil
}

// headerAAD binds a sealed authorization header to its tenant and stream:
// a sealed value copied to another stream does not open.
func headerAAD(tenant, stream string) []byte {
	return []byte("tenure ssf authorization\x00" + tenant + "\x00" + stream)
}

// sealConfig returns c as it is stored: a push authorization header (the
// receiver's secret, replayed on every push, so it cannot be hashed) sealed
// under the key-encryption key, never kept in clear.
func (s *Service) sealConfig(tenant string, c StreamConfig) (StreamConfig, error) {
	h := c.Delivery.AuthorizationHeader
	if h == "" {
		return c, nil
	}
	if s.Keys == nil || s.Keys.KEK == nil {
		return c, ErrNoKEK
	}
	c.Delivery.SealedAuthorization = base64.RawStdEncoding.EncodeToString(s.Keys.KEK.Seal([]byte(h), headerAAD(tenant, c.StreamID)))
	c.Delivery.AuthorizationHeader = ""
	return c, nil
}

// authorization opens a stored stream's push authorization header.
func (s *Service) authorization(tenant string, c StreamConfig) (string, error) {
	sealed := c.Delivery.SealedAuthorization
	if sealed == "" {
		return c.Delivery.AuthorizationHeader, nil
	}
	if s.Keys == nil || s.Keys.KEK == nil {
		return "", ErrNoKEK
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil {
		return "", fmt.Errorf("stream %s: sealed authorization header: %w", c.StreamID, err)
	}
	h, err := s.Keys.KEK.Open(raw, headerAAD(tenant, c.StreamID))
	if err != nil {
		return "", fmt.Errorf("stream %s: sealed authorization header: %w", c.StreamID, err)
	}
	return string(h), nil
}
