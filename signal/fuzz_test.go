package signal

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/tenure-dev/tenure/egress"
)

// FuzzStreamRequest feeds stream create and update bodies to the parser:
// it never panics, a refusal is always a 400, and what it accepts only
// delivers supported events, by push to an allowed URL or by poll.
func FuzzStreamRequest(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": "https://r.example/e"}}`,
		`{"events_requested": ["` + EventSessionRevoked + `"], "aud": ["a", "b"]}`,
		`{"delivery": {"method": "urn:ietf:rfc:8936", "endpoint_url": "x"}}`, `{"aud": 5}`, `[]`, `{"stream_id": "x"}`,
		`{"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": "http://169.254.169.254/"}}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	pol := egress.Policy{}
	f.Fuzz(func(t *testing.T, body []byte, creating bool) {
		var req streamRequest
		err := decodeStrict(body, &req)
		cur := StreamConfig{StreamID: "s1", Iss: "https://t.example/t/a", Aud: "https://t.example/t/a/ssf/streams/s1", EventsSupported: EventsSupported}
		var out StreamConfig
		if err == nil {
			if !creating {
				req.StreamID = nil
			}
			out, err = apply(cur, req, false, creating, pol, "https://t.example/t/a/ssf/poll/s1")
		}
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || se.Status != http.StatusBadRequest {
				t.Fatalf("refusal %v is not a 400", err)
			}
			return
		}
		for _, e := range out.EventsDelivered {
			if !out.delivers(e) || !slices.Contains(EventsSupported, e) {
				t.Fatalf("delivers unsupported %q", e)
			}
		}
		switch out.Delivery.Method {
		case MethodPoll:
			if out.Delivery.EndpointURL != "https://t.example/t/a/ssf/poll/s1" {
				t.Fatalf("poll endpoint %q", out.Delivery.EndpointURL)
			}
		case MethodPush:
			if _, err := pol.Check(out.Delivery.EndpointURL); err != nil {
				t.Fatalf("accepted forbidden push endpoint: %v", err)
			}
		default:
			t.Fatalf("method %q", out.Delivery.Method)
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzSubject: subjects parse without panics, and an accepted one has a
// match key of its own format.
func FuzzSubject(f *testing.F) {
	for _, s := range []string{`{"format": "email", "email": "a@b"}`, `{"format": "opaque", "id": "x"}`,
		`{"format": "iss_sub", "iss": "i", "sub": "s"}`, `{"format": "phone_number"}`, `{}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		sid, key, err := parseSubject(raw, "https://t.example/t/a")
		if err != nil {
			return
		}
		if len(key) <= len(sid.Format) || key[:len(sid.Format)] != sid.Format {
			t.Fatalf("key %q for format %q", key, sid.Format)
		}
	})
}
