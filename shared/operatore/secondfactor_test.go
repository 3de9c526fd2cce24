package operatore

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/stanzaportal/stanza/shared/fault"
)

func TestSealedSecretOpensOnlyForItsAccount(t *testing.T) {
	a, _, _ := newAccounts(t)
	secret := []byte("0123456789abcdefghij")
	sealed := a.sealSecret("esempio", "anna", secret)
	if bytes.Contains(sealed, secret) {
		t.Fatal("got the secret in clear in the sealed form")
	}
	got, err := a.openSecret("esempio", "anna", sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("got %q, %v; want the secret", got, err)
	}
	for _, tt := range []struct{ name, tenant, username string }{
		{"ErrOtherUsername", "esempio", "bruno"},
		{"ErrOtherTenant", "altro", "anna"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := a.openSecret(tt.tenant, tt.username, sealed); err == nil {
				t.Error("got the secret, want an error")
			}
		})
	}
	t.Run("ErrTampered", func(t *testing.T) {
		bad := append([]byte(nil), sealed...)
		bad[len(bad)-1] ^= 1
		if _, err := a.openSecret("esempio", "anna", bad); err == nil {
			t.Error("got the secret, want an error")
		}
	})
}

func TestMatchTOTP(t *testing.T) {
	secret := []byte("0123456789abcdefghij")
	encoded := base32NoPad.EncodeToString(secret)
	now := time.Unix(1_700_000_015, 0) // in the middle of a 30-second step
	step := now.Unix() / totpPeriod
	at := func(d time.Duration) string { return code(t, encoded, now.Add(d)) }
	tests := []struct {
		name     string
		code     string
		last     int64
		wantStep int64
		wantErr  error
	}{
		{"OKCurrent", at(0), 0, step, nil},
		{"OKPreviousStep", at(-30 * time.Second), 0, step - 1, nil},
		{"OKNextStep", at(30 * time.Second), 0, step + 1, nil},
		{"OKAfterAnEarlierUse", at(0), step - 1, step, nil},
		{"ErrTwoStepsOld", at(-60 * time.Second), 0, 0, errWrongCode},
		{"ErrTwoStepsAhead", at(60 * time.Second), 0, 0, errWrongCode},
		{"ErrReplayed", at(0), step, 0, errUsedCode},
		{"ErrOlderThanLastUse", at(-30 * time.Second), step, 0, errUsedCode},
		{"ErrOtherSecret", code(t, base32NoPad.EncodeToString([]byte("another secret here!")), now), 0, 0, errWrongCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := matchTOTP(secret, tt.code, now, tt.last)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if got != tt.wantStep {
				t.Errorf("got step %d, want %d", got, tt.wantStep)
			}
		})
	}
}

func TestNormalizeTOTP(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"123456", "123456", false},
		{" 123 456 ", "123456", false},
		{"12345", "", true},
		{"1234567", "", true},
		{"12345a", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := normalizeTOTP(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("normalizeTOTP(%q): got %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !fault.Is(err, fault.Invalid) {
			t.Errorf("normalizeTOTP(%q): got code %s, want invalid", tt.in, fault.CodeOf(err))
		}
	}
}

func TestEnrolmentData(t *testing.T) {
	secret := []byte("0123456789abcdefghij")
	e, err := enrolment("esempio", "anna", secret)
	if err != nil {
		t.Fatal(err)
	}
	if e.Secret != base32NoPad.EncodeToString(secret) {
		t.Errorf("secret: got %q, want %q", e.Secret, base32NoPad.EncodeToString(secret))
	}
	u, err := url.Parse(e.OTPAuthURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || q.Get("secret") != e.Secret || q.Get("issuer") != "Stanza" ||
		q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" || !strings.HasSuffix(u.Path, "anna@esempio") {
		t.Errorf("got %s, want a TOTP URI for anna@esempio issued by Stanza with the secret", e.OTPAuthURL)
	}
	if !strings.HasPrefix(e.QRCode, "data:image/png;base64,iVBORw0KGgo") {
		t.Errorf("got QR code %.40q…, want a PNG data URL", e.QRCode)
	}
	// The app computes its codes from the URI: they must be the ones the
	// portal accepts.
	now := time.Now()
	if _, err := matchTOTP(secret, code(t, q.Get("secret"), now), now, 0); err != nil {
		t.Errorf("a code from the URI's secret: %v", err)
	}
	if ok := totp.Validate(code(t, e.Secret, now), e.Secret); !ok {
		t.Error("got a code the reference implementation does not accept")
	}
}

func TestRecoveryCodesAreSingleUse(t *testing.T) {
	codes, hashes := newRecoveryCodes()
	if len(codes) != RecoveryCodes || len(hashes) != RecoveryCodes {
		t.Fatalf("got %d codes and %d hashes, want %d", len(codes), len(hashes), RecoveryCodes)
	}
	for i, c := range codes {
		if len(c) != 19 || hashes[i] == c || strings.Contains(hashes[i], c) {
			t.Errorf("code %q, hash %q: want 16 characters in four groups, stored only hashed", c, hashes[i])
		}
	}
	// As typed: upper case, spaces instead of hyphens.
	typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
	rest, ok := useRecoveryCode(hashes, typed)
	if !ok || len(rest) != RecoveryCodes-1 {
		t.Fatalf("first use: got %v with %d left, want true with %d", ok, len(rest), RecoveryCodes-1)
	}
	if _, ok := useRecoveryCode(rest, codes[3]); ok {
		t.Error("second use: got accepted, want refused")
	}
	if _, ok := useRecoveryCode(rest, "aaaa-aaaa-aaaa-aaaa"); ok {
		t.Error("made-up code: got accepted, want refused")
	}
	if len(hashes) != RecoveryCodes {
		t.Errorf("got the original list changed to %d entries, want it untouched", len(hashes))
	}
}
