package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// KeySize is the size of a session key: AES-256.
const KeySize = 32

// codecVersion is the first byte of every sealed value, so that the format
// can change without misreading old cookies.
const codecVersion = 1

// errUnreadable is the one error Open returns for a value it cannot read:
// it does not say why, so that it tells nothing to someone probing.
var errUnreadable = errors.New("auth: unreadable or forged cookie")

// Codec seals values for cookies with AES-256-GCM: the browser holds them,
// can neither read nor change them, and cannot move a value from one
// purpose (a session) to another (a login in progress). The first key
// seals; every key opens, so keys can be rotated by putting the new key
// first and dropping the old one once its cookies have expired.
type Codec struct {
	aeads []cipher.AEAD
}

// NewCodec returns a Codec for keys, each KeySize bytes; the first one
// seals.
func NewCodec(keys [][]byte) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("auth: no session key")
	}
	c := &Codec{}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("auth: session key %d has %d bytes, want %d", i+1, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		c.aeads = append(c.aeads, aead)
	}
	return c, nil
}

// Seal encrypts and authenticates plaintext for purpose and returns it as
// cookie-safe text: base64url of version, random nonce and ciphertext.
func (c *Codec) Seal(purpose string, plaintext []byte) (string, error) {
	aead := c.aeads[0]
	buf := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	buf[0] = codecVersion
	if _, err := rand.Read(buf[1:]); err != nil {
		return "", err
	}
	nonce := buf[1 : 1+aead.NonceSize()]
	out := aead.Seal(buf, nonce, plaintext, additionalData(purpose))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open returns the plaintext of a value Seal made for the same purpose with
// any of the codec's keys.
func (c *Codec) Open(purpose, value string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < 1 || raw[0] != codecVersion {
		return nil, errUnreadable
	}
	ad := additionalData(purpose)
	for _, aead := range c.aeads {
		n := aead.NonceSize()
		if len(raw) < 1+n+aead.Overhead() {
			return nil, errUnreadable
		}
		if pt, err := aead.Open(nil, raw[1:1+n], raw[1+n:], ad); err == nil {
			return pt, nil
		}
	}
	return nil, errUnreadable
}

func additionalData(purpose string) []byte {
	return []byte("segview/" + purpose)
}
