package operatore

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/stanzaportal/stanza/shared/fault"
)

// TOTP settings: those of RFC 6238's reference and of every authenticator
// app (30-second steps, six digits, HMAC-SHA1). An app that is given other
// settings through the otpauth URI often ignores them silently.
const (
	totpPeriod     = 30
	totpDigits     = otp.DigitsSix
	totpSecretSize = 20 // bytes: the HMAC-SHA1 block RFC 4226 recommends
	totpIssuer     = "Stanza"
)

var totpOptions = totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// newSecretBox returns the cipher that keeps TOTP secrets at rest. A TOTP
// secret, unlike a password, must be read back to check a code, so it can
// only be encrypted, not hashed: a copy of the table without the portal's
// secret then yields no second factors.
func newSecretBox(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, errors.New("operatore: the TOTP encryption key must have 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// secretAAD binds a sealed secret to its account, so that a sealed secret
// copied onto another account's record does not open.
func secretAAD(tenant, username string) []byte {
	return []byte("stanza/operatore/totp\x00" + tenant + "\x00" + username)
}

func (a *Accounts) sealSecret(tenant, username string, secret []byte) []byte {
	nonce := make([]byte, a.box.NonceSize())
	_, _ = rand.Read(nonce)
	return a.box.Seal(nonce, nonce, secret, secretAAD(tenant, username))
}

func (a *Accounts) openSecret(tenant, username string, sealed []byte) ([]byte, error) {
	n := a.box.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("operatore: sealed TOTP secret is too short")
	}
	secret, err := a.box.Open(nil, sealed[:n], sealed[n:], secretAAD(tenant, username))
	if err != nil {
		return nil, errors.New("operatore: the TOTP secret does not open with this key")
	}
	return secret, nil
}

// normalizeTOTP removes the spaces apps show in the middle of a code and
// checks its form, so that a typing slip is told apart from a wrong code.
func normalizeTOTP(code string) (string, error) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != totpDigits.Length() || strings.Trim(code, "0123456789") != "" {
		return "", fault.New(fault.Invalid, "Il codice di verifica è formato da %d cifre.", totpDigits.Length())
	}
	return code, nil
}

// Errors of a second-factor check.
var (
	errWrongCode = fault.New(fault.Unauthorized, "Il codice di verifica non è corretto.")
	errUsedCode  = fault.New(fault.Unauthorized, "Questo codice è già stato usato: attendi il codice successivo dell'app.")
)

// matchTOTP returns the time step at which code is valid for secret. It
// accepts the steps just before and after now, for clocks a little apart,
// but only steps after last: a code seen once, by the operator or by someone
// looking over their shoulder, is never accepted again.
func matchTOTP(secret []byte, code string, now time.Time, last int64) (int64, error) {
	encoded := base32NoPad.EncodeToString(secret)
	current := now.Unix() / totpPeriod
	matched := int64(-1)
	for step := current - 1; step <= current+1; step++ {
		want, err := totp.GenerateCodeCustom(encoded, time.Unix(step*totpPeriod, 0), totpOptions)
		if err != nil {
			return 0, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && matched < 0 {
			matched = step
		}
	}
	switch {
	case matched < 0:
		return 0, errWrongCode
	case matched <= last:
		return 0, errUsedCode
	}
	return matched, nil
}

// Enrolment is what an operator needs to add the second factor to an
// authenticator app.
type Enrolment struct {
	Secret     string // base32, to type into the app
	OTPAuthURL string // otpauth:// URI, the content of the QR code
	QRCode     string // the QR code as a data: URL of a PNG image
}

// qrSize is the QR code's side in pixels: readable by phone cameras from a
// laptop screen, a few kilobytes as PNG.
const qrSize = 240

func enrolment(tenant, username string, secret []byte) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      totpIssuer,
		AccountName: username + "@" + tenant,
		Period:      totpPeriod,
		Secret:      secret,
		Digits:      totpDigits,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return Enrolment{}, err
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return Enrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{
		Secret:     key.Secret(),
		OTPAuthURL: key.URL(),
		QRCode:     "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
	}, nil
}

// RecoveryCodes is how many recovery codes an enrolment gives.
const RecoveryCodes = 10

// newRecoveryCodes returns fresh recovery codes and their hashes. Each code
// has 80 random bits, so a plain SHA-256 suffices to store it: guessing a
// code from its hash is out of reach without a slow hash, which is needed
// only for secrets people choose.
func newRecoveryCodes() (codes, hashes []string) {
	for range RecoveryCodes {
		c := randomCode(4, 4)
		codes = append(codes, c)
		hashes = append(hashes, hashRecoveryCode(c))
	}
	return codes, hashes
}

// hashRecoveryCode hashes a code as typed: case, spaces and hyphens do not
// matter.
func hashRecoveryCode(code string) string {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte(norm))
	return hex.EncodeToString(sum[:])
}

// useRecoveryCode returns hashes without the one of code, and false when
// code is not among them. Every hash is compared, in constant time, so the
// time taken says nothing of which code matched.
func useRecoveryCode(hashes []string, code string) ([]string, bool) {
	h := []byte(hashRecoveryCode(code))
	found := -1
	for i, stored := range hashes {
		if subtle.ConstantTimeCompare(h, []byte(stored)) == 1 {
			found = i
		}
	}
	if found < 0 {
		return hashes, false
	}
	rest := append([]string(nil), hashes[:found]...)
	return append(rest, hashes[found+1:]...), true
}
