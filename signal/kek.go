package signal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// The environment variables that give the key-encryption key: the key
// itself (base64 or hex of 32 random bytes), or a file holding it (a
// mounted secret). Generate one with `openssl rand -base64 32`.
const (
	KEKEnv     = "TENURE_KEY_ENCRYPTION_KEY"
	KEKFileEnv = "TENURE_KEY_ENCRYPTION_KEY_FILE"
)

// ErrNoKEK is returned when neither variable is set: Tenure refuses to
// create signing keys rather than store their private halves in clear.
var ErrNoKEK = errors.New("no key-encryption key: set " + KEKEnv + " (32 random bytes, base64: `openssl rand -base64 32`) or " +
	KEKFileEnv + " (a file holding it); signing keys are never stored in clear")

// KEK is the operator's key-encryption key. It seals the tenants' private
// signing keys with AES-256-GCM, each bound (as additional data) to its
// tenant and key id, so a sealed key copied to another row does not open.
type KEK struct{ aead cipher.AEAD }

// LoadKEK reads the key from KEKEnv or the file named by KEKFileEnv (not
// both). getenv is os.Getenv in production.
func LoadKEK(getenv func(string) string) (*KEK, error) {
	v, file := getenv(KEKEnv), getenv(KEKFileEnv)
	switch {
	case v != "" && file != "":
		return nil, fmt.Errorf("set only one of %s and %s", KEKEnv, KEKFileEnv)
	case v == "" && file == "":
		return nil, ErrNoKEK
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KEKFileEnv, err)
		}
		v = string(b)
	}
	raw, err := decodeKey(strings.TrimSpace(v))
	if err != nil {
		src := KEKEnv
		if file != "" {
			src = KEKFileEnv + " " + file
		}
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	return NewKEK(raw)
}

func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("the key-encryption key must be 32 bytes, got %d", len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("the key-encryption key must be 32 bytes in base64 or hex")
}

// NewKEK makes a KEK from 32 raw bytes.
func NewKEK(raw []byte) (*KEK, error) {
	if len(raw) != 32 {
		return nil, fmt.Errorf("the key-encryption key must be 32 bytes, got %d", len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &KEK{aead: aead}, nil
}

// Seal encrypts plaintext bound to aad: nonce then ciphertext.
func (k *KEK) Seal(plaintext, aad []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return k.aead.Seal(nonce, nonce, plaintext, aad)
}

// Open decrypts what Seal produced with the same aad; it fails for
// another key, another aad or a modified ciphertext.
func (k *KEK) Open(sealed, aad []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, errors.New("sealed key too short")
	}
	out, err := k.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, errors.New("sealed key does not open with this key-encryption key (wrong key, or the row was tampered with)")
	}
	return out, nil
}
