package operatore

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
)

// Step names what a sign-in asks for after the password.
type Step string

const (
	StepTOTP  Step = "totp"  // a code from the enrolled app, or a recovery code
	StepEnrol Step = "enrol" // first sign-in: set up the app, then a code from it
)

// ChallengeTTL is how long the password step stays good for the next one:
// time to open the app, or to scan the QR code and read the first code.
const ChallengeTTL = 5 * time.Minute

// challenge carries a sign-in from the password step to the next. It is
// signed, not stored: the steps may run on different Lambda instances and
// nothing is written for a sign-in that is abandoned. It names the Comune,
// the account and the step, so that it opens nothing else.
type challenge struct {
	Tenant   string `json:"t"`
	Username string `json:"u"`
	Step     Step   `json:"s"`
	Expires  int64  `json:"e"` // Unix seconds
}

var errChallenge = fault.New(fault.Unauthorized, "La verifica è scaduta o non è valida: accedi di nuovo con nome utente e password.")

func (a *Accounts) challengeMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, a.challengeKey)
	m.Write([]byte("stanza/operator-login\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

func (a *Accounts) newChallenge(tenant, username string, step Step) string {
	payload, _ := json.Marshal(challenge{Tenant: tenant, Username: username, Step: step, Expires: a.now().Add(ChallengeTTL).Unix()})
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(a.challengeMAC(payload))
}

// maxChallenge bounds the token read: a real one is about 150 bytes.
const maxChallenge = 512

// openChallenge returns the username that token was issued for, when it is
// authentic, unexpired, and for this Comune and step.
func (a *Accounts) openChallenge(token, tenant string, step Step) (string, error) {
	if len(token) > maxChallenge {
		return "", errChallenge
	}
	body, mac, ok := strings.Cut(token, ".")
	if !ok {
		return "", errChallenge
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(body)
	sum, err2 := enc.DecodeString(mac)
	if err1 != nil || err2 != nil || !hmac.Equal(sum, a.challengeMAC(payload)) {
		return "", errChallenge
	}
	var c challenge
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", errChallenge
	}
	if c.Tenant != tenant || c.Step != step || !a.now().Before(time.Unix(c.Expires, 0)) {
		return "", errChallenge
	}
	return c.Username, nil
}
