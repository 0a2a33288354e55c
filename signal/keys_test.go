package signal_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/signal"
	"github.com/tenure-dev/tenure/store"
)

// TestRotationKeepsOldKeyPublishedThenDrops: after a rotation the new key
// signs and the old one still verifies what it signed; once the retention
// window has passed it is dropped, and a SET it signed is refused by a
// strict receiver.
func TestRotationKeepsOldKeyPublishedThenDrops(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createStream(t, b.ssf, `{"delivery": {"method": "urn:ietf:rfc:8936"}}`)
	r := newReceiver(b, b.issuer()+"/ssf/streams/"+id)
	verifyOne := func() (string, receivedSET) {
		b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf, fmt.Sprintf(`{"stream_id": %q}`, id))
		out := b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+id, b.ssf, `{"returnImmediately": true}`)
		sets := out["sets"].(map[string]any)
		require.Len(t, sets, 1)
		for jti, tok := range sets {
			b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+id, b.ssf, `{"maxEvents": 0, "ack": ["`+jti+`"]}`)
			s, err := r.verify(b.ctx, tok.(string))
			require.NoError(t, err)
			return tok.(string), s
		}
		return "", receivedSET{}
	}
	oldTok, first := verifyOne()

	k, dropped, err := b.sig.Keys.Rotate(b.ctx, "acme")
	require.NoError(t, err)
	require.Empty(t, dropped)
	_, second := verifyOne()
	require.Equal(t, k.ID, second.Kid, "the new key signs")
	require.NotEqual(t, first.Kid, second.Kid)
	kids := b.publishedKids(t)
	require.Equal(t, []string{k.ID, first.Kid}, kids, "the old key stays published")
	// A SET the old key signed, still in flight, verifies.
	r2 := newReceiver(b, r.aud)
	_, err = r2.verify(b.ctx, oldTok)
	require.NoError(t, err)

	// Past the retention window (an hour here) the old key goes.
	b.skew.Store(int64(2 * time.Hour))
	require.Equal(t, []string{k.ID}, b.publishedKids(t))
	k2, dropped, err := b.sig.Keys.Rotate(b.ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, []string{first.Kid}, dropped)
	require.Equal(t, []string{k2.ID, k.ID}, b.publishedKids(t))
	r3 := newReceiver(b, r.aud)
	_, err = r3.verify(b.ctx, oldTok)
	require.Error(t, err, "a rotated-out key no longer verifies")
	require.Contains(t, b.auditActions(t), "signing-key.rotated")
}

func (b *testBundle) publishedKids(t *testing.T) []string {
	t.Helper()
	out := b.callJSON(t, http.StatusOK, "GET", "/t/acme/jwks.json", "", "")
	var kids []string
	for _, k := range out["keys"].([]any) {
		kids = append(kids, k.(map[string]any)["kid"].(string))
	}
	return kids
}

// TestPrivateKeysSealedAtRest: the stored key is AES-GCM sealed, opens
// only with the right KEK, and does not open once moved to another tenant.
func TestPrivateKeysSealedAtRest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	k, _, err := b.sig.Keys.Rotate(b.ctx, "acme")
	require.NoError(t, err)
	var stored store.SigningKey
	require.NoError(t, b.st.Read(b.ctx, "acme", func(tx store.Tx) error {
		keys, err := tx.SigningKeys().List(b.ctx)
		stored = keys[0]
		return err
	}))
	require.Equal(t, k.ID, stored.ID)
	require.NotContains(t, string(stored.Public), `"d"`)
	// PKCS #8 DER of an RSA key starts with this sequence; sealed, it must not show.
	require.False(t, bytes.Contains(stored.Sealed, []byte{0x30, 0x82}) && bytes.Contains(stored.Sealed, []byte("\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01")))
	other := make([]byte, 32)
	_, _ = rand.Read(other)
	wrong, err := signal.NewKEK(other)
	require.NoError(t, err)
	_, err = wrong.Open(stored.Sealed, nil)
	require.Error(t, err)
	sealed := b.kek.Seal([]byte("secret"), []byte("tenant a"))
	_, err = b.kek.Open(sealed, []byte("tenant b"))
	require.Error(t, err, "bound to its tenant and key id")
	plain, err := b.kek.Open(sealed, []byte("tenant a"))
	require.NoError(t, err)
	require.Equal(t, "secret", string(plain))
}

func TestLoadKEK(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	file := dir + "/kek"
	require.NoError(t, writeFile(file, good+"\n"))
	for _, tc := range []struct {
		name, env, file, err string
	}{
		{"env", good, "", ""},
		{"hex", strings.Repeat("ab", 32), "", ""},
		{"file", "", file, ""},
		{"missing", "", "", "no key-encryption key"},
		{"both", good, file, "only one"},
		{"short", "c2hvcnQ=", "", "32 bytes"},
		{"garbage", "!!!", "", "32 bytes"},
		{"no file", "", dir + "/nope", signal.KEKFileEnv},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{signal.KEKEnv: tc.env, signal.KEKFileEnv: tc.file}
			k, err := signal.LoadKEK(func(k string) string { return env[k] })
			if tc.err == "" {
				require.NoError(t, err)
				require.NotNil(t, k)
				return
			}
			require.ErrorContains(t, err, tc.err)
			require.NotContains(t, err.Error(), good, "the key never appears in an error")
		})
	}
}

// TestNoKEKRefusesAndRollsBack: without a key-encryption key no key is
// made, and the leave that needed signing rolls back whole (one
// transaction): nothing is half-signalled.
func TestNoKEKRefusesAndRollsBack(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createStream(t, b.ssf, fmt.Sprintf(`{"events_requested": %s, "delivery": {"method": "urn:ietf:rfc:8936"}}`, allEvents()))
	b.addSubject(t, b.ssf, id, `{"format": "opaque", "id": "E1003"}`)
	b.sig.Keys.KEK = nil
	code, raw := b.call(t, "POST", "/t/acme/api/v1/hr/events", b.hr, leave(carla))
	require.Equal(t, http.StatusInternalServerError, code, string(raw))
	var p person.Person
	require.NoError(t, b.st.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		p, err = tx.People().Get(b.ctx, carla)
		return err
	}))
	require.Equal(t, person.Active, p.Status, "the leave rolled back with its signals")
	require.Zero(t, b.outbox(t, id))
	_, _, err := b.sig.Keys.Rotate(b.ctx, "acme")
	require.ErrorIs(t, err, signal.ErrNoKEK)
}

// TestES256Keys: a tenant may sign with ES256; the strict receiver
// verifies it.
func TestES256Keys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.sig.Keys.Alg = func(string) string { return signal.ES256 }
	id := b.createStream(t, b.ssf, `{"delivery": {"method": "urn:ietf:rfc:8936"}}`)
	b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf, fmt.Sprintf(`{"stream_id": %q}`, id))
	out := b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+id, b.ssf, `{"returnImmediately": true}`)
	r := newReceiver(b, b.issuer()+"/ssf/streams/"+id)
	for _, tok := range out["sets"].(map[string]any) {
		s, err := r.verify(b.ctx, tok.(string))
		require.NoError(t, err)
		require.Equal(t, signal.EventVerification, s.Event)
	}
	jwks := b.callJSON(t, http.StatusOK, "GET", "/t/acme/jwks.json", "", "")
	k := jwks["keys"].([]any)[0].(map[string]any)
	require.Equal(t, "EC", k["kty"])
	require.Equal(t, "ES256", k["alg"])
	require.NotContains(t, k, "d")
}

// otherKeySET signs claims with a key of another tenant's keyring (same
// format, never published here).
func otherKeySET(t *testing.T, claims any) string {
	t.Helper()
	other := setup(t)
	tok, err := other.sig.Keys.SignNow(other.ctx, "acme", claims, signal.SETType)
	require.NoError(t, err)
	return tok
}

// The tenant's first key is made inside the transaction that first signs.
// If that transaction rolls back, the key was never stored: what is signed
// afterwards must use a key that is stored and published, never the one
// that vanished with the rollback.
func TestFirstKeyOfARolledBackTransactionIsNotUsed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.Empty(t, b.publishedKids(t), "no key yet")
	err := b.st.Write(b.ctx, "acme", func(tx store.Tx) error {
		_, err := b.sig.Keys.Sign(b.ctx, tx, map[string]any{"iss": "x"}, "JWT")
		require.NoError(t, err)
		return errors.New("the roster change fails after signing")
	})
	require.Error(t, err)
	require.Empty(t, b.publishedKids(t), "the key rolled back with its transaction")

	tok, err := b.sig.Keys.SignNow(b.ctx, "acme", map[string]any{"iss": "x"}, "JWT")
	require.NoError(t, err)
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	require.NoError(t, err)
	require.Equal(t, b.publishedKids(t), []string{jws.Signatures[0].Header.KeyID}, "signed with the key that is published")
}
