package operatore

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/stanzaportal/stanza/shared/fault"
)

// Argon2id parameters of new hashes: 64 MiB, one pass, two lanes. Memory is
// what makes guessing expensive on GPUs, so it gets the budget, and one pass
// keeps the time down: about 25 ms on a server core, a few times that on a
// small Lambda, which a sign-in does not feel. 64 MiB fits the auth
// function's memory with room to spare, since a Lambda instance serves one
// request at a time; two lanes use the second vCPU that larger Lambda sizes
// have. This is above OWASP's first recommended setting (46 MiB, t=1, p=1).
// The parameters are stored in every hash, so raising them later leaves old
// hashes valid.
const (
	argonMemory  = 64 * 1024 // KiB
	argonTime    = 1
	argonThreads = 2
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Password policy. The length is the rule that matters (NIST SP 800-63B);
// the upper bound keeps hashing cost and request size sane.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
)

// CheckPassword applies the password policy for the account username.
func CheckPassword(password, username string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return fault.New(fault.Invalid, "La password deve avere almeno %d caratteri.", MinPasswordLength)
	case n > MaxPasswordLength:
		return fault.New(fault.Invalid, "La password può avere al massimo %d caratteri.", MaxPasswordLength)
	case username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)):
		return fault.New(fault.Invalid, "La password non può contenere il nome utente.")
	}
	return nil
}

var b64 = base64.RawStdEncoding

// hashPassword returns the argon2id hash of password in the PHC string
// format ("$argon2id$v=19$m=65536,t=1,p=2$<salt>$<hash>"), the format other
// argon2 implementations read, so hashes can move between systems.
func hashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt) // never fails: see crypto/rand.Read
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Bounds on the parameters read from a stored hash, so that a corrupted
// record cannot make a sign-in allocate gigabytes or spin for minutes.
const (
	maxArgonMemory = 1024 * 1024 // KiB: 1 GiB
	maxArgonTime   = 16
)

// verifyPassword reports whether password matches the PHC string phc. A
// malformed phc is an error, never a match.
func verifyPassword(phc, password string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, fmt.Errorf("operatore: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("operatore: unsupported argon2 version %q", parts[2])
	}
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false, fmt.Errorf("operatore: argon2 parameters %q: %w", parts[3], err)
	}
	if memory < 8 || memory > maxArgonMemory || time < 1 || time > maxArgonTime || threads < 1 {
		return false, fmt.Errorf("operatore: argon2 parameters %q out of bounds", parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("operatore: argon2 salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 {
		return false, fmt.Errorf("operatore: argon2 hash is malformed")
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// codeAlphabet writes generated passwords and recovery codes: lower-case
// letters and digits without 0, 1, l and o, which read alike. 32 symbols
// make 5 bits per character.
const codeAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// randomCode returns groups of n random characters of codeAlphabet joined
// by hyphens, which make a code easier to read aloud and type.
func randomCode(groups, n int) string {
	raw := make([]byte, groups*n)
	_, _ = rand.Read(raw)
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%n == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)]) // 256 is a multiple of 32: no bias
	}
	return b.String()
}

// GeneratePassword returns an initial password for username, to be shown
// once; its owner can change it after signing in (ChangePassword): 20
// random characters (100 bits) in groups of five, drawn again in the rare
// case that they contain the username.
func GeneratePassword(username string) string {
	for {
		p := randomCode(4, 5)
		if CheckPassword(p, username) == nil {
			return p
		}
	}
}
