package signal

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tenure-dev/tenure/store"
)

// Signing algorithms a tenant may use. RS256 (2048-bit keys) is the
// default because every receiver supports it; ES256 is smaller and faster.
const (
	RS256 = "RS256"
	ES256 = "ES256"
)

// Algorithms is the allow-list of signing algorithms.
var Algorithms = []string{RS256, ES256}

// RSABits is the size of new RSA keys.
const RSABits = 2048

// DefaultKeyRetention is how long a retired key stays published after a
// rotation: long enough for every token it signed that can still be in
// flight (a SET waiting in the outbox for a receiver that is down, a
// logout token being retried) to be verified.
const DefaultKeyRetention = 14 * 24 * time.Hour

// Keyring holds the tenants' signing keys: it makes the first key on first
// use, rotates, publishes, and signs.
type Keyring struct {
	Store store.Store
	// KEK seals private keys; nil refuses to create or use any key.
	KEK *KEK
	Now func() time.Time
	// Alg picks the algorithm of a tenant's new keys (default RS256).
	Alg func(tenant string) string
	// Retention picks how long a tenant's retired keys stay published
	// (default DefaultKeyRetention).
	Retention func(tenant string) time.Duration

	mu      sync.Mutex
	signers map[string]crypto.Signer // by kid: opened private keys
	current map[string]currentKey    // by tenant: the signing key, as last read
}

// currentKey is a tenant's signing key as last read from the store. It is
// trusted for currentTTL: after a rotation in another process this one
// signs with the retired key for at most that long, which is harmless since
// a retired key stays published for the retention window.
type currentKey struct {
	kid, alg string
	signer   crypto.Signer
	at       time.Time
}

const currentTTL = 30 * time.Second

func (k *Keyring) now() time.Time {
	if k.Now != nil {
		return k.Now().UTC()
	}
	return time.Now().UTC()
}

func (k *Keyring) alg(tenant string) string {
	if k.Alg != nil {
		if a := k.Alg(tenant); a != "" {
			return a
		}
	}
	return RS256
}

func (k *Keyring) retention(tenant string) time.Duration {
	if k.Retention != nil {
		if r := k.Retention(tenant); r > 0 {
			return r
		}
	}
	return DefaultKeyRetention
}

// aad binds a sealed key to its tenant and id.
func aad(tenant, kid string) []byte { return []byte("tenure signing key\x00" + tenant + "\x00" + kid) }

// newKey generates a key of alg for tenant, sealed.
func (k *Keyring) newKey(tenant, alg string) (store.SigningKey, crypto.Signer, error) {
	if k.KEK == nil {
		return store.SigningKey{}, nil, ErrNoKEK
	}
	var priv crypto.Signer
	var err error
	switch alg {
	case RS256:
		priv, err = rsa.GenerateKey(rand.Reader, RSABits)
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return store.SigningKey{}, nil, fmt.Errorf("signing algorithm %q is not allowed (use %v)", alg, Algorithms)
	}
	if err != nil {
		return store.SigningKey{}, nil, fmt.Errorf("generate %s key: %w", alg, err)
	}
	kid := randomID()
	pub, err := json.Marshal(jose.JSONWebKey{Key: priv.Public(), KeyID: kid, Algorithm: alg, Use: "sig"})
	if err != nil {
		return store.SigningKey{}, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, nil, err
	}
	return store.SigningKey{ID: kid, Alg: alg, Public: pub, Sealed: k.KEK.Seal(der, aad(tenant, kid)), CreatedAt: k.now()}, priv, nil
}

// randomID is 128 random bits, base64url.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Rotate makes a new signing key for tenant: it signs from now on, the key
// it replaces is retired but stays published for the retention window, and
// keys retired longer ago than that are dropped. It returns the new key.
func (k *Keyring) Rotate(ctx context.Context, tenant string) (store.SigningKey, []string, error) {
	nk, signer, err := k.newKey(tenant, k.alg(tenant))
	if err != nil {
		return store.SigningKey{}, nil, err
	}
	var dropped []string
	err = k.Store.Write(ctx, tenant, func(tx store.Tx) error {
		keys, err := tx.SigningKeys().List(ctx)
		if err != nil {
			return err
		}
		now := k.now()
		for _, old := range keys {
			switch {
			case old.RetiredAt.IsZero():
				if err := tx.SigningKeys().Retire(ctx, old.ID, now); err != nil {
					return err
				}
			case now.Sub(old.RetiredAt) > k.retention(tenant):
				if err := tx.SigningKeys().Delete(ctx, old.ID); err != nil {
					return err
				}
				dropped = append(dropped, old.ID)
			}
		}
		if err := tx.SigningKeys().Create(ctx, nk); err != nil {
			return err
		}
		_, err = tx.Audit().Append(ctx, auditEntry(now, "keys", "signing-key.rotated", tenant,
			map[string]any{"kid": nk.ID, "alg": nk.Alg, "dropped": dropped}))
		return err
	})
	if err != nil {
		return store.SigningKey{}, nil, fmt.Errorf("rotate keys of %s: %w", tenant, err)
	}
	k.remember(nk.ID, signer)
	k.mu.Lock()
	delete(k.current, tenant) // the next signature reads the new key
	k.mu.Unlock()
	return nk, dropped, nil
}

func (k *Keyring) remember(kid string, s crypto.Signer) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.signers == nil {
		k.signers = map[string]crypto.Signer{}
	}
	k.signers[kid] = s
}

// Published returns the tenant's public keys that verify: the signing key
// and those retired within the retention window.
func (k *Keyring) Published(ctx context.Context, tenant string) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	err := k.Store.Read(ctx, tenant, func(tx store.Tx) error {
		keys, err := tx.SigningKeys().List(ctx)
		if err != nil {
			return err
		}
		now := k.now()
		for _, sk := range keys {
			if !sk.RetiredAt.IsZero() && now.Sub(sk.RetiredAt) > k.retention(tenant) {
				continue
			}
			var jwk jose.JSONWebKey
			if err := jwk.UnmarshalJSON(sk.Public); err != nil {
				return fmt.Errorf("signing key %s: %w", sk.ID, err)
			}
			set.Keys = append(set.Keys, jwk)
		}
		return nil
	})
	// Newest first: a verifier trying keys in order finds the signing one.
	for i, j := 0, len(set.Keys)-1; i < j; i, j = i+1, j-1 {
		set.Keys[i], set.Keys[j] = set.Keys[j], set.Keys[i]
	}
	return set, err
}

// signer returns the tenant's current key inside tx, making the first one
// if the tenant has none.
func (k *Keyring) signer(ctx context.Context, tx store.Tx) (string, string, crypto.Signer, error) {
	if c, ok := k.cached(tx.Tenant()); ok {
		return c.kid, c.alg, c.signer, nil
	}
	kid, alg, s, created, err := k.load(ctx, tx)
	// A key made in this transaction is not cached: if the transaction
	// rolls back, the key was never stored or published, and tokens signed
	// with it could never be verified. The next transaction reads it back
	// once it has committed.
	if err == nil && !created {
		k.mu.Lock()
		if k.current == nil {
			k.current = map[string]currentKey{}
		}
		k.current[tx.Tenant()] = currentKey{kid: kid, alg: alg, signer: s, at: time.Now()}
		k.mu.Unlock()
	}
	return kid, alg, s, err
}

func (k *Keyring) cached(tenant string) (currentKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	c, ok := k.current[tenant]
	return c, ok && time.Since(c.at) < currentTTL
}

// load reads the tenant's current key inside tx, making the first one if
// the tenant has none (created reports that it did).
func (k *Keyring) load(ctx context.Context, tx store.Tx) (kid, alg string, s crypto.Signer, created bool, err error) {
	keys, err := tx.SigningKeys().List(ctx)
	if err != nil {
		return "", "", nil, false, err
	}
	var cur *store.SigningKey
	for i := range keys {
		if keys[i].RetiredAt.IsZero() {
			cur = &keys[i] // the newest unretired key
		}
	}
	if cur == nil {
		nk, s, err := k.newKey(tx.Tenant(), k.alg(tx.Tenant()))
		if err != nil {
			return "", "", nil, false, err
		}
		if err := tx.SigningKeys().Create(ctx, nk); err != nil {
			return "", "", nil, false, err
		}
		if _, err := tx.Audit().Append(ctx, auditEntry(k.now(), "keys", "signing-key.created", tx.Tenant(),
			map[string]any{"kid": nk.ID, "alg": nk.Alg})); err != nil {
			return "", "", nil, false, err
		}
		k.remember(nk.ID, s)
		return nk.ID, nk.Alg, s, true, nil
	}
	k.mu.Lock()
	s, ok := k.signers[cur.ID]
	k.mu.Unlock()
	if ok {
		return cur.ID, cur.Alg, s, false, nil
	}
	if k.KEK == nil {
		return "", "", nil, false, ErrNoKEK
	}
	der, err := k.KEK.Open(cur.Sealed, aad(tx.Tenant(), cur.ID))
	if err != nil {
		return "", "", nil, false, fmt.Errorf("signing key %s: %w", cur.ID, err)
	}
	pk, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return "", "", nil, false, fmt.Errorf("signing key %s: %w", cur.ID, err)
	}
	s, ok = pk.(crypto.Signer)
	if !ok {
		return "", "", nil, false, fmt.Errorf("signing key %s: not a signing key", cur.ID)
	}
	k.remember(cur.ID, s)
	return cur.ID, cur.Alg, s, false, nil
}

// Sign signs claims as a compact JWS with the tenant's current key and the
// header typ (secevent+jwt, logout+jwt), inside tx (which makes the
// tenant's first key if it has none).
func (k *Keyring) Sign(ctx context.Context, tx store.Tx, claims any, typ string) (string, error) {
	kid, alg, s, err := k.signer(ctx, tx)
	if err != nil {
		return "", err
	}
	return sign(kid, alg, s, claims, typ)
}

// SignNow signs outside any transaction: with the cached current key, or
// reading it (making it in a write transaction when the tenant has none).
func (k *Keyring) SignNow(ctx context.Context, tenant string, claims any, typ string) (string, error) {
	var tok string
	do := func(tx store.Tx) (err error) {
		tok, err = k.Sign(ctx, tx, claims, typ)
		return err
	}
	if c, ok := k.cached(tenant); ok {
		return sign(c.kid, c.alg, c.signer, claims, typ)
	}
	if err := k.Store.Read(ctx, tenant, do); err != nil {
		// The tenant's first key is made in a write transaction.
		if errors.Is(err, ErrNoKEK) {
			return "", err
		}
		if err := k.Store.Write(ctx, tenant, do); err != nil {
			return "", err
		}
	}
	return tok, nil
}

func sign(kid, alg string, s crypto.Signer, claims any, typ string) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: jose.JSONWebKey{Key: s, KeyID: kid}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	obj, err := sig.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return obj.CompactSerialize()
}
