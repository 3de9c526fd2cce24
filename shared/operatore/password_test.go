package operatore

import (
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/stanzaportal/stanza/shared/fault"
)

func TestHashPasswordVerifies(t *testing.T) {
	phc := hashPassword("correct horse battery")
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Errorf("got %q, want a PHC string with the package's parameters", phc)
	}
	if again := hashPassword("correct horse battery"); again == phc {
		t.Error("got the same hash twice, want a fresh salt each time")
	}
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"OK", "correct horse battery", true},
		{"ErrWrong", "correct horse batterY", false},
		{"ErrEmpty", "", false},
		{"ErrPrefix", "correct horse", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := verifyPassword(phc, tt.password)
			if err != nil {
				t.Fatalf("verifyPassword: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestVerifyPasswordReadsOtherParameters checks that the parameters come
// from the stored hash, so that raising them later keeps old hashes valid:
// the hash below was made with m=4096, t=3, p=1 for "password1234".
func TestVerifyPasswordReadsOtherParameters(t *testing.T) {
	salt := []byte("0123456789abcdef")
	phc := "$argon2id$v=19$m=4096,t=3,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(argon2.IDKey([]byte("password1234"), salt, 3, 4096, 1, 32))
	if ok, err := verifyPassword(phc, "password1234"); !ok || err != nil {
		t.Errorf("got %v, %v; want a match", ok, err)
	}
}

func TestVerifyPasswordRefusesMalformedHashes(t *testing.T) {
	good := hashPassword("password1234")
	parts := strings.Split(good, "$")
	for name, phc := range map[string]string{
		"Empty":          "",
		"Bcrypt":         "$2a$10$abcdefghijklmnopqrstuv",
		"Argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"OldVersion":     strings.Replace(good, "v=19", "v=16", 1),
		"HugeMemory":     strings.Replace(good, "m=65536", "m=4194304", 1),
		"ZeroTime":       strings.Replace(good, "t=1", "t=0", 1),
		"BadSalt":        strings.Join([]string{"", parts[1], parts[2], parts[3], "***", parts[5]}, "$"),
		"ShortHash":      strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"MissingSection": strings.Join(parts[:5], "$"),
	} {
		t.Run(name, func(t *testing.T) {
			if ok, err := verifyPassword(phc, "password1234"); ok || err == nil {
				t.Errorf("got %v, %v; want no match and an error", ok, err)
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, password, username string
		wantErr                  bool
	}{
		{"OK", "una frase lunga abbastanza", "mario.rossi", false},
		{"OKTwelveRunes", "àèìòùàèìòùàè", "mario.rossi", false},
		{"OKMaxLength", strings.Repeat("x", MaxPasswordLength), "mario.rossi", false},
		{"ErrElevenRunes", "àèìòùàèìòùà", "mario.rossi", true},
		{"ErrTooLong", strings.Repeat("x", MaxPasswordLength+1), "mario.rossi", true},
		{"ErrHasUsername", "io-sono-mario.rossi-2024", "mario.rossi", true},
		{"ErrHasUsernameAnyCase", "io-sono-Mario.Rossi-2024", "mario.rossi", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.password, tt.username)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !fault.Is(err, fault.Invalid) {
				t.Errorf("got code %s, want invalid", fault.CodeOf(err))
			}
		})
	}
}

func TestGeneratePasswordMeetsPolicy(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p := GeneratePassword("abc")
		if err := CheckPassword(p, "abc"); err != nil {
			t.Fatalf("got %q: %v", p, err)
		}
		if len(p) != 23 || strings.Count(p, "-") != 3 {
			t.Errorf("got %q, want four groups of five characters", p)
		}
		if seen[p] {
			t.Errorf("got %q twice", p)
		}
		seen[p] = true
	}
}
