package operatore

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
)

func TestChallenge(t *testing.T) {
	a, clk, _ := newAccounts(t)
	token := a.newChallenge("esempio", "anna", StepTOTP)
	body, mac, _ := strings.Cut(token, ".")
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"t":"esempio","u":"bruno","s":"totp","e":9999999999}`))
	other, err := New(a.db, Keys{TOTP: make([]byte, 32), Challenges: []byte(strings.Repeat("z", 32))})
	if err != nil {
		t.Fatal(err)
	}
	other.now = a.now
	tests := []struct {
		name    string
		token   string
		tenant  string
		step    Step
		advance time.Duration
		want    string
	}{
		{name: "OK", token: token, tenant: "esempio", step: StepTOTP, want: "anna"},
		{name: "OKJustBeforeExpiry", token: token, tenant: "esempio", step: StepTOTP, advance: ChallengeTTL - time.Second, want: "anna"},
		{name: "ErrExpired", token: token, tenant: "esempio", step: StepTOTP, advance: ChallengeTTL},
		{name: "ErrOtherStep", token: token, tenant: "esempio", step: StepEnrol},
		{name: "ErrOtherTenant", token: token, tenant: "altro", step: StepTOTP},
		{name: "ErrOtherPayload", token: forged + "." + mac, tenant: "esempio", step: StepTOTP},
		{name: "ErrFlippedMAC", token: body + "." + flip(mac), tenant: "esempio", step: StepTOTP},
		{name: "ErrNoMAC", token: body, tenant: "esempio", step: StepTOTP},
		{name: "ErrOtherKey", token: other.newChallenge("esempio", "anna", StepTOTP), tenant: "esempio", step: StepTOTP},
		{name: "ErrEmpty", token: "", tenant: "esempio", step: StepTOTP},
		{name: "ErrHuge", token: strings.Repeat("a", 10_000) + "." + mac, tenant: "esempio", step: StepTOTP},
	}
	start := clk.now
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.now = start.Add(tt.advance)
			got, err := a.openChallenge(tt.token, tt.tenant, tt.step)
			if tt.want == "" {
				if !fault.Is(err, fault.Unauthorized) {
					t.Errorf("got %q, %v; want an Unauthorized error", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// flip changes the first character of a base64 string to another valid one.
func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}
