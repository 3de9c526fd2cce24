package seed

import (
	"context"
	"fmt"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/ufficio"
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

// Ids of the demo Comune's offices that its operator works for.
const (
	officeScuola   = "scuola"
	officeAnagrafe = "anagrafe"
)

// demoOffices are the demo Comune's offices, named as the service sheets
// name them. The demo operator manages the school office, so that the demo
// shows reassignment by an office's manager.
var demoOffices = []ufficio.Office{
	{ID: officeAnagrafe, Name: ufficioAnagrafe},
	{ID: officeScuola, Name: ufficioScuola, Managers: []string{DemoOperatorUsername}},
	{ID: "servizio-idrico", Name: ufficioIdrico},
	{ID: "polizia-locale", Name: poliziaLocale},
	{ID: "cultura-sport-associazioni", Name: ufficioAssociazioni},
	{ID: "urp", Name: urp},
}

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
		Offices:    []string{officeScuola, officeAnagrafe},
		Password:   DemoOperatorPassword,
		TOTPSecret: DemoTOTPSecret,
	},
}

// Staff creates the demo Comune's admin and operator, then its offices,
// each unless it exists, so that later changes by an admin are never
// overwritten. The accounts come first because an office's managers must
// exist. It is apart from Demo because the accounts need the portal's keys
// (their TOTP secret is stored encrypted), which Demo, given only the
// store, does not have; the local server calls it right after Demo.
func Staff(ctx context.Context, accounts *operatore.Accounts, offices *ufficio.Store) error {
	for _, n := range demoStaff {
		_, _, err := accounts.Create(ctx, n)
		if err != nil && !fault.Is(err, fault.Conflict) {
			return fmt.Errorf("seed: %s: %w", n.Username, err)
		}
	}
	for _, o := range demoOffices {
		_, err := offices.Create(ctx, demoComune.ID, o)
		if fault.Is(err, fault.Invalid) && len(o.Managers) > 0 {
			// An admin disabled the demo operator before its office was
			// seeded (a store from before offices had records): the
			// office is created without a manager.
			o.Managers = nil
			_, err = offices.Create(ctx, demoComune.ID, o)
		}
		if err != nil && !fault.Is(err, fault.Conflict) {
			return fmt.Errorf("seed: office %s: %w", o.ID, err)
		}
	}
	return nil
}
