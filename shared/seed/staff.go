package seed

import (
	"context"
	"fmt"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/operatore"
)

// The demo Comune's staff, for local use only: these credentials are
// published in the README so that anyone can try the back office, and the
// local server is the only caller of Staff. The TOTP secret is fixed so that
// it can be added to an authenticator app once and for all; it reads "stanza
// demo solo per uso locale".
const (
	DemoAdminUsername    = "admin"
	DemoAdminPassword    = "stanza-demo-amministrazione"
	DemoOperatorUsername = "operatore"
	DemoOperatorPassword = "stanza-demo-ufficio-scuola"
	DemoTOTPSecret       = "STANZADEMOSOLOPERUSOLOCALE234567"
)

// demoStaff are an admin and an operator of the Comune di Esempio's school
// and registry offices, enabled for their services. Their addresses are
// under example.org, which no one receives mail for.
var demoStaff = []operatore.NewOperator{
	{
		Tenant:     demoComune.ID,
		Username:   DemoAdminUsername,
		Name:       "Giulia Esempio",
		Email:      "admin@comune-esempio.example.org",
		Role:       operatore.RoleAdmin,
		Password:   DemoAdminPassword,
		TOTPSecret: DemoTOTPSecret,
	},
	{
		Tenant:     demoComune.ID,
		Username:   DemoOperatorUsername,
		Name:       "Marco Esempio",
		Email:      "operatore@comune-esempio.example.org",
		Role:       operatore.RoleOperator,
		Services:   []string{"iscrizione-asilo-nido", "iscrizione-mensa-scolastica", "certificato-residenza", "cambio-residenza"},
		Offices:    []string{ufficioScuola, ufficioAnagrafe},
		Password:   DemoOperatorPassword,
		TOTPSecret: DemoTOTPSecret,
	},
}

// Staff creates the demo Comune's admin and operator, each unless it exists,
// so that later changes by an admin are never overwritten. It is apart from
// Demo because the accounts need the portal's keys (their TOTP secret is
// stored encrypted), which Demo, given only the store, does not have; the
// local server calls it right after Demo.
func Staff(ctx context.Context, accounts *operatore.Accounts) error {
	for _, n := range demoStaff {
		_, _, err := accounts.Create(ctx, n)
		if err != nil && !fault.Is(err, fault.Conflict) {
			return fmt.Errorf("seed: %s: %w", n.Username, err)
		}
	}
	return nil
}
