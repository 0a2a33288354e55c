package signal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/signal"
	"github.com/tenure-dev/tenure/store"
)

// The tests below mirror the OpenID Foundation's SSF transmitter test plan:
// metadata, stream CRUD with its error codes, status, subjects,
// verification over push and poll, and the SET format rules.

func TestTransmitterMetadata(t *testing.T) {
	t.Parallel()
	b := setup(t)
	md := b.callJSON(t, http.StatusOK, "GET", "/.well-known/ssf-configuration/t/acme", "", "")
	iss := b.issuer()
	require.Equal(t, "1_0", md["spec_version"])
	require.Equal(t, iss, md["issuer"])
	require.Equal(t, iss+"/jwks.json", md["jwks_uri"])
	require.ElementsMatch(t, []any{"urn:ietf:rfc:8935", "urn:ietf:rfc:8936"}, md["delivery_methods_supported"])
	for _, k := range []string{"configuration_endpoint", "status_endpoint", "add_subject_endpoint", "remove_subject_endpoint", "verification_endpoint"} {
		require.True(t, strings.HasPrefix(md[k].(string), iss+"/ssf/"), k)
	}
	require.Equal(t, []any{map[string]any{"spec_urn": "urn:ietf:rfc:6750"}}, md["authorization_schemes"])
	b.callJSON(t, http.StatusNotFound, "GET", "/.well-known/ssf-configuration/t/nobody", "", "")

	// The endpoints named are the ones served.
	code, _ := b.call(t, "GET", strings.TrimPrefix(md["configuration_endpoint"].(string), b.srv.URL), b.ssf, "")
	require.Equal(t, http.StatusOK, code)
}

func TestJWKSPublishesPublicKeysOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	out := b.callJSON(t, http.StatusOK, "GET", "/t/acme/jwks.json", "", "")
	require.Empty(t, out["keys"], "no key before the first signal")
	id := b.createStream(t, b.ssf, `{"delivery": {"method": "urn:ietf:rfc:8936"}}`)
	b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf, fmt.Sprintf(`{"stream_id": %q}`, id))
	out = b.callJSON(t, http.StatusOK, "GET", "/t/acme/jwks.json", "", "")
	keys := out["keys"].([]any)
	require.Len(t, keys, 1)
	k := keys[0].(map[string]any)
	require.Equal(t, "RSA", k["kty"])
	require.Equal(t, "RS256", k["alg"])
	require.Equal(t, "sig", k["use"])
	require.NotEmpty(t, k["kid"])
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		require.NotContains(t, k, private)
	}
	b.callJSON(t, http.StatusNotFound, "GET", "/t/nobody/jwks.json", "", "")
}

func TestStreamCRUD(t *testing.T) {
	t.Parallel()
	b := setup(t)
	push := newReceiver(b, "r1")
	url := newServer(t, push)
	body := fmt.Sprintf(`{"aud": "r1", "events_requested": ["%s", "%s"], "description": "SOC",
		"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q, "authorization_header": "Bearer s3cret"}}`,
		signal.EventSessionRevoked, "https://schemas.openid.net/secevent/caep/event-type/token-claims-change-not-requested", url)
	// An unknown event type is refused and creates nothing.
	b.callJSON(t, http.StatusBadRequest, "POST", "/t/acme/ssf/streams", b.ssf, body)
	require.Empty(t, b.listStreams(t, b.ssf))

	body = fmt.Sprintf(`{"aud": "r1", "events_requested": ["%s", "%s"], "description": "SOC",
		"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q, "authorization_header": "Bearer s3cret"}}`,
		signal.EventSessionRevoked, signal.EventVerification, url)
	created := b.callJSON(t, http.StatusCreated, "POST", "/t/acme/ssf/streams", b.ssf, body)
	id := created["stream_id"].(string)
	require.Equal(t, b.issuer(), created["iss"])
	require.Equal(t, "r1", created["aud"])
	require.Equal(t, []any{signal.EventSessionRevoked}, created["events_delivered"])
	require.ElementsMatch(t, toAny(signal.EventsSupported), created["events_supported"])
	require.NotContains(t, created["delivery"], "authorization_header", "the receiver's secret is never echoed")

	// One stream per receiver: a second one conflicts.
	b.callJSON(t, http.StatusConflict, "POST", "/t/acme/ssf/streams", b.ssf, body)

	got := b.callJSON(t, http.StatusOK, "GET", "/t/acme/ssf/streams?stream_id="+id, b.ssf, "")
	require.Equal(t, created, got)
	require.Len(t, b.listStreams(t, b.ssf), 1)
	// Another receiver of the same tenant sees nothing of it.
	require.Empty(t, b.listStreams(t, b.ssf2))
	b.callJSON(t, http.StatusNotFound, "GET", "/t/acme/ssf/streams?stream_id="+id, b.ssf2, "")
	b.callJSON(t, http.StatusNotFound, "GET", "/t/acme/ssf/streams?stream_id=nope", b.ssf, "")

	// PATCH changes what it names.
	patched := b.callJSON(t, http.StatusOK, "PATCH", "/t/acme/ssf/streams", b.ssf,
		fmt.Sprintf(`{"stream_id": %q, "events_requested": ["%s", "%s"]}`, id, signal.EventSessionRevoked, signal.EventAccountDisabled))
	require.Equal(t, []any{signal.EventSessionRevoked, signal.EventAccountDisabled}, patched["events_delivered"])
	require.Equal(t, "SOC", patched["description"], "PATCH keeps what it does not name")
	// PUT replaces: the description it leaves out is gone.
	replaced := b.callJSON(t, http.StatusOK, "PUT", "/t/acme/ssf/streams", b.ssf,
		fmt.Sprintf(`{"stream_id": %q, "events_requested": ["%s"], "delivery": {"method": "urn:ietf:rfc:8936"}}`, id, signal.EventAccountDisabled))
	require.NotContains(t, replaced, "description")
	require.Equal(t, b.issuer()+"/ssf/poll/"+id, replaced["delivery"].(map[string]any)["endpoint_url"])

	// Bad updates answer 400 and change nothing.
	for name, bad := range map[string]string{
		"malformed":        `{"stream_id": "` + id + `", "events_requested": [`,
		"unknown event":    `{"stream_id": "` + id + `", "events_requested": ["urn:nope"]}`,
		"bad method":       `{"stream_id": "` + id + `", "delivery": {"method": "urn:ietf:rfc:9999"}}`,
		"metadata address": `{"stream_id": "` + id + `", "delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": "http://169.254.169.254/latest"}}`,
		"iss":              `{"stream_id": "` + id + `", "iss": "https://evil.example"}`,
		"aud":              `{"stream_id": "` + id + `", "aud": "someone-else"}`,
		"unknown member":   `{"stream_id": "` + id + `", "colour": "blue"}`,
		"no stream_id":     `{"events_requested": []}`,
	} {
		code, raw := b.call(t, "PATCH", "/t/acme/ssf/streams", b.ssf, bad)
		require.Equal(t, http.StatusBadRequest, code, "%s: %s", name, raw)
	}
	b.callJSON(t, http.StatusNotFound, "PATCH", "/t/acme/ssf/streams", b.ssf2, `{"stream_id": "`+id+`", "description": "x"}`)
	require.Equal(t, replaced, b.callJSON(t, http.StatusOK, "GET", "/t/acme/ssf/streams?stream_id="+id, b.ssf, ""))

	// Delete: 204, then 404.
	b.callJSON(t, http.StatusNotFound, "DELETE", "/t/acme/ssf/streams?stream_id="+id, b.ssf2, "")
	b.callJSON(t, http.StatusNoContent, "DELETE", "/t/acme/ssf/streams?stream_id="+id, b.ssf, "")
	b.callJSON(t, http.StatusNotFound, "DELETE", "/t/acme/ssf/streams?stream_id="+id, b.ssf, "")
	require.Empty(t, b.listStreams(t, b.ssf))
}

func TestCreateStreamBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, body := range map[string]string{
		"malformed json":   `{"delivery": `,
		"trailing data":    `{} {}`,
		"not an object":    `[]`,
		"bad method":       `{"delivery": {"method": "https://example.com/webhook"}}`,
		"no method":        `{"delivery": {"endpoint_url": "https://r.example/events"}}`,
		"push without url": `{"delivery": {"method": "urn:ietf:rfc:8935"}}`,
		"link-local push":  `{"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": "http://169.254.169.254/"}}`,
		"credentials":      `{"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": "http://u:p@127.0.0.1/"}}`,
		"header with CRLF": `{"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": "http://127.0.0.1:9/events", "authorization_header": "Bearer x\r\nX-Evil: 1"}}`,
		"poll url chosen":  `{"delivery": {"method": "urn:ietf:rfc:8936", "endpoint_url": "https://r.example/poll"}}`,
		"unknown event":    `{"events_requested": ["urn:example:nope"]}`,
		"stream_id":        `{"stream_id": "mine"}`,
		"events_supported": `{"events_supported": []}`,
		"empty aud":        `{"aud": ""}`,
		"subject format":   `{"subject_format": "phone_number"}`,
	} {
		code, raw := b.call(t, "POST", "/t/acme/ssf/streams", b.ssf, body)
		require.Equal(t, http.StatusBadRequest, code, "%s: %s", name, raw)
	}
	require.Empty(t, b.listStreams(t, b.ssf), "nothing was created")
}

func TestStreamAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t)
	globexSSF, _, err := b.svc.CreateToken(b.ctx, "globex", []string{"ssf"}, "")
	require.NoError(t, err)
	body := `{"delivery": {"method": "urn:ietf:rfc:8936"}}`
	b.callJSON(t, http.StatusUnauthorized, "POST", "/t/acme/ssf/streams", "", body)
	b.callJSON(t, http.StatusUnauthorized, "POST", "/t/acme/ssf/streams", "tnr_bogus", body)
	b.callJSON(t, http.StatusUnauthorized, "POST", "/t/acme/ssf/streams", globexSSF, body)
	b.callJSON(t, http.StatusForbidden, "POST", "/t/acme/ssf/streams", b.hr, body)
	for _, path := range []string{"/t/acme/ssf/streams", "/t/acme/ssf/status?stream_id=x"} {
		b.callJSON(t, http.StatusUnauthorized, "GET", path, globexSSF, "")
	}
	b.callJSON(t, http.StatusUnauthorized, "POST", "/t/acme/ssf/poll/x", globexSSF, "{}")
}

func TestStreamStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createStream(t, b.ssf, `{"delivery": {"method": "urn:ietf:rfc:8936"}}`)
	st := b.callJSON(t, http.StatusOK, "GET", "/t/acme/ssf/status?stream_id="+id, b.ssf, "")
	require.Equal(t, map[string]any{"stream_id": id, "status": "enabled"}, st)
	st = b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/status", b.ssf, fmt.Sprintf(`{"stream_id": %q, "status": "paused", "reason": "upgrade"}`, id))
	require.Equal(t, map[string]any{"stream_id": id, "status": "paused", "reason": "upgrade"}, st)
	require.Equal(t, st, b.callJSON(t, http.StatusOK, "GET", "/t/acme/ssf/status?stream_id="+id, b.ssf, ""))
	b.callJSON(t, http.StatusBadRequest, "POST", "/t/acme/ssf/status", b.ssf, fmt.Sprintf(`{"stream_id": %q, "status": "asleep"}`, id))
	b.callJSON(t, http.StatusBadRequest, "POST", "/t/acme/ssf/status", b.ssf, `{"stream_id": `)
	b.callJSON(t, http.StatusNotFound, "POST", "/t/acme/ssf/status", b.ssf2, fmt.Sprintf(`{"stream_id": %q, "status": "enabled"}`, id))
	b.callJSON(t, http.StatusNotFound, "GET", "/t/acme/ssf/status?stream_id=nope", b.ssf, "")
	b.callJSON(t, http.StatusBadRequest, "GET", "/t/acme/ssf/status", b.ssf, "")
	require.Equal(t, "paused", b.callJSON(t, http.StatusOK, "GET", "/t/acme/ssf/status?stream_id="+id, b.ssf, "")["status"], "bad requests changed nothing")

	// A transmitter-initiated change is announced with stream-updated.
	require.NoError(t, b.sig.SetStatusByTransmitter(b.ctx, "acme", id, "enabled", "maintenance over"))
	out := b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+id, b.ssf, `{"returnImmediately": true}`)
	sets := out["sets"].(map[string]any)
	require.Len(t, sets, 1)
	r := newReceiver(b, b.issuer()+"/ssf/streams/"+id)
	for _, tok := range sets {
		s, err := r.verify(b.ctx, tok.(string))
		require.NoError(t, err)
		require.Equal(t, signal.EventStreamUpdated, s.Event)
		require.Equal(t, map[string]any{"format": "opaque", "id": id}, s.subID())
		require.Equal(t, map[string]any{"status": "enabled", "reason": "maintenance over"}, s.Claims["events"].(map[string]any)[s.Event])
	}
}

func TestSubjects(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createStream(t, b.ssf, `{"delivery": {"method": "urn:ietf:rfc:8936"}}`)
	add := func(tok string, subj string) (int, []byte) {
		return b.call(t, "POST", "/t/acme/ssf/subjects:add", tok, fmt.Sprintf(`{"stream_id": %q, "subject": %s}`, id, subj))
	}
	for _, good := range []string{`{"format": "email", "email": "a@acme.example"}`, `{"format": "opaque", "id": "E1"}`,
		`{"format": "iss_sub", "iss": "https://idp.example", "sub": "42"}`} {
		code, raw := add(b.ssf, good)
		require.Equal(t, http.StatusOK, code, string(raw))
	}
	for _, bad := range []string{`{"format": "email"}`, `{"format": "phone_number", "phone_number": "+1"}`, `{"id": "x"}`,
		`{"format": "opaque", "id": "E1", "email": "a@b"}`, `"E1"`, `{"format": "opaque", "id": "E\u00001"}`} {
		code, raw := add(b.ssf, bad)
		require.Equal(t, http.StatusBadRequest, code, "%s: %s", bad, raw)
	}
	code, _ := b.call(t, "POST", "/t/acme/ssf/subjects:add", b.ssf, `{"stream_id": "nope", "subject": {"format": "opaque", "id": "E1"}}`)
	require.Equal(t, http.StatusNotFound, code)
	code, _ = add(b.ssf2, `{"format": "opaque", "id": "E1"}`)
	require.Equal(t, http.StatusNotFound, code, "another receiver's stream")
	rm := fmt.Sprintf(`{"stream_id": %q, "subject": {"format": "opaque", "id": "E1"}}`, id)
	b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/subjects:remove", b.ssf, rm)
	b.callJSON(t, http.StatusNotFound, "POST", "/t/acme/ssf/subjects:remove", b.ssf, rm)
	b.callJSON(t, http.StatusBadRequest, "POST", "/t/acme/ssf/subjects:remove", b.ssf, `{"stream_id": `)
}

func TestVerificationOverPushAndPoll(t *testing.T) {
	t.Parallel()
	b := setup(t)
	push := newReceiver(b, "r1")
	pushID := b.createStream(t, b.ssf, fmt.Sprintf(`{"aud": "r1", "delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, newServer(t, push)))
	b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf, fmt.Sprintf(`{"stream_id": %q, "state": "abc123"}`, pushID))
	s := push.next(t)
	require.Equal(t, signal.EventVerification, s.Event)
	require.Equal(t, map[string]any{"state": "abc123"}, s.Claims["events"].(map[string]any)[s.Event])
	require.Equal(t, map[string]any{"format": "opaque", "id": pushID}, s.subID())

	pollID := b.createStream(t, b.ssf2, `{"delivery": {"method": "urn:ietf:rfc:8936"}}`)
	b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf2, fmt.Sprintf(`{"stream_id": %q, "state": "xyz"}`, pollID))
	out := b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+pollID, b.ssf2, `{}`)
	r := newReceiver(b, b.issuer()+"/ssf/streams/"+pollID)
	for _, tok := range out["sets"].(map[string]any) {
		s, err := r.verify(b.ctx, tok.(string))
		require.NoError(t, err)
		require.Equal(t, map[string]any{"state": "xyz"}, s.Claims["events"].(map[string]any)[signal.EventVerification])
	}
	b.callJSON(t, http.StatusNotFound, "POST", "/t/acme/ssf/verify", b.ssf, fmt.Sprintf(`{"stream_id": %q}`, pollID))
	b.callJSON(t, http.StatusBadRequest, "POST", "/t/acme/ssf/verify", b.ssf, `{"stream_id": 7}`)
}

func TestPollSemantics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createStream(t, b.ssf, `{"delivery": {"method": "urn:ietf:rfc:8936"}}`)
	for i := range 5 {
		b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf, fmt.Sprintf(`{"stream_id": %q, "state": "s%d"}`, id, i))
	}
	poll := func(body string) (map[string]any, bool) {
		out := b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+id, b.ssf, body)
		more, _ := out["moreAvailable"].(bool)
		return out["sets"].(map[string]any), more
	}
	sets, more := poll(`{"maxEvents": 2, "returnImmediately": true}`)
	require.Len(t, sets, 2)
	require.True(t, more)
	// Not acknowledged: the same two come back first.
	again, _ := poll(`{"maxEvents": 2, "returnImmediately": true}`)
	require.Equal(t, sets, again)
	var ack []string
	for jti := range sets {
		ack = append(ack, jti)
	}
	// maxEvents 0 only acknowledges.
	ackJSON, _ := json.Marshal(map[string]any{"ack": ack, "maxEvents": 0})
	none, _ := poll(string(ackJSON))
	require.Empty(t, none)
	rest, more := poll(`{"maxEvents": 10, "returnImmediately": true}`)
	require.Len(t, rest, 3)
	require.False(t, more)
	for jti := range sets {
		require.NotContains(t, rest, jti, "acknowledged SETs are gone")
	}
	// setErrs settle a SET as rejected, recorded with its reason.
	var one string
	for jti := range rest {
		one = jti
		break
	}
	errsJSON, _ := json.Marshal(map[string]any{"setErrs": map[string]any{one: map[string]string{"err": "invalid_key", "description": "unknown kid"}}, "returnImmediately": true})
	left, _ := poll(string(errsJSON))
	require.Len(t, left, 2)
	require.NotContains(t, left, one)
	require.Contains(t, b.auditActions(t), "signal.rejected")

	// Bad polls answer 400.
	for _, bad := range []string{`{"maxEvents": -1}`, `{"maxEvents": "ten"}`, `{"ack": "x"}`, `{"returnImmediately": true`} {
		code, raw := b.call(t, "POST", "/t/acme/ssf/poll/"+id, b.ssf, bad)
		require.Equal(t, http.StatusBadRequest, code, "%s: %s", bad, raw)
	}
	b.callJSON(t, http.StatusNotFound, "POST", "/t/acme/ssf/poll/nope", b.ssf, `{}`)
	b.callJSON(t, http.StatusNotFound, "POST", "/t/acme/ssf/poll/"+id, b.ssf2, `{}`)
}

// TestLongPollWakes: a poll without returnImmediately is held until a SET
// arrives.
func TestLongPollWakes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createStream(t, b.ssf, `{"delivery": {"method": "urn:ietf:rfc:8936"}}`)
	got := make(chan map[string]any, 1)
	go func() {
		out, err := b.sig.Poll(b.ctx, "acme", b.ownerOf(t, b.ssf), id, []byte(`{"maxEvents": 5}`))
		if err == nil {
			got <- map[string]any{"n": len(out.Sets)}
		}
		close(got)
	}()
	b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf, fmt.Sprintf(`{"stream_id": %q}`, id))
	res := <-got
	require.Equal(t, 1, res["n"])
}

func (b *testBundle) ownerOf(t *testing.T, tok string) string {
	t.Helper()
	tk, err := b.svc.Authenticate(b.ctx, "acme", tok, "ssf")
	require.NoError(t, err)
	return tk.ID
}

func (b *testBundle) listStreams(t *testing.T, tok string) []any {
	t.Helper()
	code, raw := b.call(t, "GET", "/t/acme/ssf/streams", tok, "")
	require.Equal(t, http.StatusOK, code, string(raw))
	var out []any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// TestStrictReceiverRejects shows the test receiver is as strict as the
// specifications: tokens signed with the tenant's real key but breaking a
// SET rule are refused, and so is a token signed by any other key.
func TestStrictReceiverRejects(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := newReceiver(b, "r1")
	good := map[string]any{"iss": b.issuer(), "jti": "j1", "iat": 1, "aud": "r1",
		"sub_id": map[string]any{"format": "opaque", "id": "E1"}, "events": map[string]any{signal.EventSessionRevoked: map[string]any{}}}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for key, val := range good {
			c[key] = val
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		c["jti"] = k + fmt.Sprint(v)
		return c
	}
	sign := func(claims any, typ string) string {
		tok, err := b.sig.Keys.SignNow(b.ctx, "acme", claims, typ)
		require.NoError(t, err)
		return tok
	}
	_, err := r.verify(b.ctx, sign(good, signal.SETType))
	require.NoError(t, err, "the well-formed SET passes")
	for name, tok := range map[string]string{
		"wrong typ":    sign(with("x", 1), signal.LogoutType),
		"wrong aud":    sign(with("aud", "r2"), signal.SETType),
		"wrong iss":    sign(with("iss", "https://evil.example"), signal.SETType),
		"no sub_id":    sign(with("sub_id", nil), signal.SETType),
		"sub":          sign(with("sub", "E1"), signal.SETType),
		"exp":          sign(with("exp", 9999999999), signal.SETType),
		"two events":   sign(with("events", map[string]any{signal.EventSessionRevoked: map[string]any{}, signal.EventAccountDisabled: map[string]any{}}), signal.SETType),
		"tampered":     tamper(sign(with("y", 2), signal.SETType)),
		"unknown key":  otherKeySET(t, good),
		"replayed jti": sign(good, signal.SETType),
	} {
		_, err := r.verify(b.ctx, tok)
		require.Error(t, err, name)
	}
}

// TestSwitchToPushDeliversWhatWaited: SETs waiting on a poll stream go
// out by push once the receiver switches the stream to push.
func TestSwitchToPushDeliversWhatWaited(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createStream(t, b.ssf, `{"aud": "r1", "delivery": {"method": "urn:ietf:rfc:8936"}}`)
	b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf, fmt.Sprintf(`{"stream_id": %q, "state": "w"}`, id))
	require.Equal(t, 1, b.outbox(t, id))
	push := newReceiver(b, "r1")
	b.callJSON(t, http.StatusOK, "PATCH", "/t/acme/ssf/streams", b.ssf,
		fmt.Sprintf(`{"stream_id": %q, "delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, id, newServer(t, push)))
	s := push.next(t)
	require.Equal(t, map[string]any{"state": "w"}, s.Claims["events"].(map[string]any)[signal.EventVerification])
	waitFor(t, func() bool { return b.outbox(t, id) == 0 })
}

// The receiver's push authorization header is its secret: it is sent with
// every push, and stored only sealed under the key-encryption key (bound to
// its tenant and stream), never in clear, never echoed.
func TestPushAuthorizationHeaderIsSealedAtRest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	const secret = "Bearer rcv-LEAKCHECK-4f1e"
	created := b.callJSON(t, http.StatusCreated, "POST", "/t/acme/ssf/streams", b.ssf, fmt.Sprintf(
		`{"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q, "authorization_header": %q}}`, srv.URL+"/events", secret))
	id := created["stream_id"].(string)
	var raw []byte
	require.NoError(t, b.st.Read(b.ctx, "acme", func(tx store.Tx) error {
		st, err := tx.Streams().Get(b.ctx, id)
		raw = st.Config
		return err
	}))
	require.NotContains(t, string(raw), "LEAKCHECK", "stored sealed, not in clear")
	require.Contains(t, string(raw), "authorization_sealed")

	b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf, fmt.Sprintf(`{"stream_id": %q}`, id))
	select {
	case h := <-got:
		require.Equal(t, secret, h, "the push carries the receiver's header")
	case <-time.After(30 * time.Second): // a bound on a hang, not a timing assertion
		t.Fatal("no push arrived")
	}
	// A receiver cannot plant a sealed value of its own.
	b.callJSON(t, http.StatusOK, "PATCH", "/t/acme/ssf/streams", b.ssf, fmt.Sprintf(
		`{"stream_id": %q, "delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q, "authorization_sealed": "AAAA"}}`, id, srv.URL+"/events"))
	require.NoError(t, b.st.Read(b.ctx, "acme", func(tx store.Tx) error {
		st, err := tx.Streams().Get(b.ctx, id)
		raw = st.Config
		return err
	}))
	require.NotContains(t, string(raw), "AAAA")
}
