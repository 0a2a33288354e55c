package webhook_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/webhook"
	"github.com/tenure-dev/tenure/egress"
)

// testSecret is distinctive, so a leak is found by a substring search.
const testSecret = "whsec-LEAKCHECK-0123456789abcdef0123456789abcdef"

// receiver checks each delivery the way a receiver written from the
// package documentation would — recomputing the HMAC itself rather than
// calling Verify — and records what it accepted.
type receiver struct {
	mu     sync.Mutex
	events []webhook.Event
	// answer, when set, replaces the 204 for a valid delivery.
	answer func(w http.ResponseWriter)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "json only", http.StatusUnsupportedMediaType)
		return
	}
	var ts, sig string
	for _, p := range strings.Split(r.Header.Get(webhook.SignatureHeader), ",") {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	m := hmac.New(sha256.New, []byte(testSecret))
	m.Write([]byte(ts + "." + string(body)))
	if got, _ := hex.DecodeString(sig); !hmac.Equal(got, m.Sum(nil)) {
		http.Error(w, `{"error":"bad signature"}`, http.StatusUnauthorized)
		return
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID != r.Header.Get(webhook.EventIDHeader) {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if rc.answer != nil {
		rc.answer(w)
		return
	}
	rc.mu.Lock()
	rc.events = append(rc.events, ev)
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func setup(t *testing.T, rc *receiver, secret string) (*webhook.Revoker, *bytes.Buffer) {
	t.Helper()
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	r, err := webhook.New(webhook.Config{URL: srv.URL + "/hooks/tenure", Secret: secret,
		Egress: egress.Policy{AllowHTTP: true, AllowLoopback: true},
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	require.NoError(t, err)
	return r, &logs
}

var ann = connector.Subject{PersonID: "E1001", Email: "ann@acme.example", UserName: "ann@acme.example", ExternalID: "u-1"}

func TestRevokeSessionsDelivers(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	r, logs := setup(t, rc, testSecret)
	require.NoError(t, r.RevokeSessions(t.Context(), ann))
	require.NoError(t, r.RevokeSessions(t.Context(), ann))
	require.Len(t, rc.events, 2)
	ev := rc.events[0]
	require.Equal(t, webhook.ActionRevokeSessions, ev.Action)
	require.Equal(t, "E1001", ev.Person)
	require.Equal(t, "ann@acme.example", ev.Email)
	require.Equal(t, "u-1", ev.ExternalID)
	require.WithinDuration(t, time.Now(), ev.OccurredAt, time.Minute)
	require.NotEqual(t, rc.events[0].ID, rc.events[1].ID, "each attempt has its own id")
	require.NotContains(t, logs.String(), testSecret)
}

func TestRevokeSessionsErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		secret string
		class  connector.Class
		wait   time.Duration
		detail string
	}{
		{"rate limited", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "42")
			w.WriteHeader(http.StatusTooManyRequests)
		}, testSecret, connector.RateLimited, 42 * time.Second, ""},
		{"server error", func(w http.ResponseWriter) { http.Error(w, "boom", http.StatusBadGateway) },
			testSecret, connector.Retryable, 0, "boom"},
		{"wrong secret", nil, testSecret + "-other", connector.Permanent, 0, "bad signature"},
		{"gone", func(w http.ResponseWriter) { http.Error(w, "no such hook "+testSecret, http.StatusNotFound) },
			testSecret, connector.Permanent, 0, "no such hook [redacted]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, logs := setup(t, &receiver{answer: tc.answer}, tc.secret)
			err := r.RevokeSessions(t.Context(), ann)
			require.Error(t, err)
			class, wait := connector.Classify(err)
			require.Equal(t, tc.class, class, err.Error())
			require.Equal(t, tc.wait, wait)
			var ce *connector.Error
			require.ErrorAs(t, err, &ce)
			require.Contains(t, ce.Detail, tc.detail)
			for _, s := range []string{err.Error(), ce.Detail, logs.String()} {
				require.NotContains(t, s, testSecret)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  webhook.Config
		want []string
	}{
		{"ok", webhook.Config{URL: "https://hooks.example/x", Secret: testSecret}, nil},
		{"everything wrong", webhook.Config{URL: "http://hooks.example/x", Secret: "short", Timeout: -1},
			[]string{"plain http", "secret is 5 bytes", "timeout -1ns is negative"}},
		{"metadata", webhook.Config{URL: "https://169.254.169.254/latest", Secret: testSecret}, []string{"link-local"}},
		{"loopback", webhook.Config{URL: "https://127.0.0.1/x", Secret: testSecret}, []string{"loopback"}},
		{"no secret", webhook.Config{URL: "https://hooks.example/x"}, []string{"secret is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			_, nerr := webhook.New(tc.cfg)
			class, _ := connector.Classify(nerr)
			require.Equal(t, connector.Permanent, class)
			require.Contains(t, nerr.Error(), err.Error())
		})
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	var hits int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits++ }))
	t.Cleanup(other.Close)
	r, _ := setup(t, &receiver{answer: func(w http.ResponseWriter) {
		w.Header().Set("Location", other.URL)
		w.WriteHeader(http.StatusTemporaryRedirect)
	}}, testSecret)
	err := r.RevokeSessions(t.Context(), ann)
	class, _ := connector.Classify(err)
	require.Equal(t, connector.Permanent, class)
	require.Contains(t, err.Error(), "redirects are not followed")
	require.Zero(t, hits)
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1767225600, 0)
	body := []byte(`{"id":"x"}`)
	sig := webhook.Sign([]byte(testSecret), now, body)
	for _, tc := range []struct {
		name   string
		header string
		body   []byte
		at     time.Time
		ok     bool
	}{
		{"valid", sig, body, now, true},
		{"rotation: second v1 matches", sig[:strings.Index(sig, "v1=")] + "v1=00," + sig[strings.Index(sig, "v1="):], body, now, true},
		{"tampered body", sig, []byte(`{"id":"y"}`), now, false},
		{"replayed later", sig, body, now.Add(6 * time.Minute), false},
		{"from the future", sig, body, now.Add(-6 * time.Minute), false},
		{"no timestamp", sig[strings.Index(sig, "v1="):], body, now, false},
		{"empty", "", body, now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.Verify([]byte(testSecret), tc.header, tc.body, tc.at, 0)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, webhook.ErrSignature)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	now := time.Unix(1767225600, 0)
	f.Add(webhook.Sign([]byte(testSecret), now, []byte("{}")), []byte("{}"))
	f.Add("t=,v1=zz", []byte(""))
	f.Add("t=1767225600,v1=00,v1=", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if webhook.Verify([]byte(testSecret), header, body, now, 0) != nil {
			return
		}
		// Whatever passed is bound to this body and this secret.
		require.Error(t, webhook.Verify([]byte(testSecret), header, append(body, 'x'), now, 0))
		require.Error(t, webhook.Verify([]byte(testSecret+"x"), header, body, now, 0))
	})
}
