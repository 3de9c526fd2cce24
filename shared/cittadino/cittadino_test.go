package cittadino_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/mail/localmail"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

const cf = "RSSMRA80A01H501U"

var key = []byte("cittadino_test: the key that signs verification links")

// clock is a time that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is an account service over a fresh store whose mail goes to a
// local mailbox.
type fixture struct {
	db       *store.DB
	accounts *cittadino.AccountService
	terms    *cittadino.TermsService
	box      *localmail.Mailbox
	clock    *clock
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := bolttest.DB(t)
	box := localmail.New(db)
	f := fixture{db: db, box: box, terms: cittadino.NewTermsService(db), clock: &clock{now: time.Now()}}
	f.accounts = newAccounts(t, db, box)
	cittadino.SetClock(f.accounts, f.clock.Now)
	return f
}

func newAccounts(t *testing.T, db *store.DB, sender mail.Sender) *cittadino.AccountService {
	t.Helper()
	s, err := cittadino.NewAccountService(db, mail.New(sender, db), cittadino.Verification{Key: key, BaseURL: "https://portale.example.org/", PortalName: "Stanza"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mario() cittadino.Identity {
	return cittadino.Identity{FiscalCode: "TINIT-" + cf, Name: "Mario", FamilyName: "Rossi", DateOfBirth: "1980-01-01", PlaceOfBirth: "H501", Gender: "M"}
}

func signIn(t *testing.T, f fixture, id cittadino.Identity) cittadino.Account {
	t.Helper()
	a, err := f.accounts.SignedIn(context.Background(), id)
	if err != nil {
		t.Fatalf("SignedIn: %v", err)
	}
	return a
}

func ptr(s string) *string { return &s }

var home = cittadino.Address{Street: "Via Roma 1", PostalCode: "10100", City: "Torino", Province: "TO"}

func TestNewAccountServiceRefusesBadConfiguration(t *testing.T) {
	db := bolttest.DB(t)
	ml := mail.New(localmail.New(db), db)
	for name, v := range map[string]cittadino.Verification{
		"ShortKey":  {Key: []byte("short"), BaseURL: "https://p.example.org", PortalName: "Stanza"},
		"NoBaseURL": {Key: key, PortalName: "Stanza"},
		"NoName":    {Key: key, BaseURL: "https://p.example.org"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := cittadino.NewAccountService(db, ml, v); err == nil {
				t.Error("got no error")
			}
		})
	}
}

// TestAccountKey checks the access pattern of accounts: global scope, PK
// "citizen#<fiscal code>", SK "account".
func TestAccountKey(t *testing.T) {
	f := newFixture(t)
	signIn(t, f, mario())
	it, err := f.db.Global().Get(context.Background(), store.Key{PK: "citizen#" + cf, SK: "account"})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !strings.Contains(string(it.Data), `"familyName":"Rossi"`) {
		t.Errorf("got %s, want the account", it.Data)
	}
}

func TestSignedInCreatesThenRefreshes(t *testing.T) {
	f := newFixture(t)
	created := signIn(t, f, mario())
	want := cittadino.Account{FiscalCode: cf, Name: "Mario", FamilyName: "Rossi", DateOfBirth: "1980-01-01", PlaceOfBirth: "H501", Gender: "M",
		CreatedAt: created.CreatedAt, UpdatedAt: created.CreatedAt}
	if created != want {
		t.Fatalf("got %+v, want %+v", created, want)
	}
	if created.CreatedAt.IsZero() {
		t.Error("got no creation time")
	}

	f.clock.advance(time.Hour)
	// CIE asserts fewer attributes: the others stay as they were.
	cie := cittadino.Identity{FiscalCode: strings.ToLower(cf), Name: "Mario Luigi", FamilyName: "Rossi", DateOfBirth: "1980-01-01"}
	got := signIn(t, f, cie)
	if got.Name != "Mario Luigi" || got.Gender != "M" || got.PlaceOfBirth != "H501" {
		t.Errorf("got %+v, want the new name and the old gender and place", got)
	}
	if !got.CreatedAt.Equal(created.CreatedAt) || !got.UpdatedAt.After(created.UpdatedAt) {
		t.Errorf("got created %v updated %v, want created kept and updated later", got.CreatedAt, got.UpdatedAt)
	}

	f.clock.advance(time.Hour)
	again := signIn(t, f, cie)
	if !again.UpdatedAt.Equal(got.UpdatedAt) {
		t.Errorf("got updated %v, want %v: nothing changed", again.UpdatedAt, got.UpdatedAt)
	}
}

func TestSignedInEmailIsASuggestion(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	withEmail := func(email string) cittadino.Identity { id := mario(); id.Email = email; return id }

	a := signIn(t, f, withEmail("Mario.Rossi@Example.org"))
	if a.Email != "" || a.EmailVerified || a.SuggestedEmail != "mario.rossi@example.org" {
		t.Fatalf("first sign-in: got email %q verified %v suggested %q, want only the suggestion", a.Email, a.EmailVerified, a.SuggestedEmail)
	}
	if _, err := f.accounts.UpdateContacts(ctx, cf, cittadino.Contacts{Email: ptr(a.SuggestedEmail)}); err != nil {
		t.Fatal(err)
	}
	verify(t, f)

	tests := []struct {
		name          string
		email         string
		wantSuggested string
	}{
		{"SameAsVerifiedStaysVerified", "mario.rossi@example.org", ""},
		{"OtherIsSuggested", "m.rossi@example.net", "m.rossi@example.net"},
		{"MalformedIgnored", "not an address", "m.rossi@example.net"},
		{"NoneKeepsSuggestion", "", "m.rossi@example.net"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := signIn(t, f, withEmail(tt.email))
			if got.Email != "mario.rossi@example.org" || !got.EmailVerified || got.SuggestedEmail != tt.wantSuggested {
				t.Errorf("got email %q verified %v suggested %q, want the verified address kept and suggestion %q",
					got.Email, got.EmailVerified, got.SuggestedEmail, tt.wantSuggested)
			}
		})
	}
}

func TestSignedInRefusesBadIdentity(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		change func(*cittadino.Identity)
	}{
		{"ErrNoFiscalCode", func(id *cittadino.Identity) { id.FiscalCode = "" }},
		{"ErrShortFiscalCode", func(id *cittadino.Identity) { id.FiscalCode = "TINIT-RSSMRA80A01H501" }},
		{"ErrBadMonthLetter", func(id *cittadino.Identity) { id.FiscalCode = "RSSMRA80Z01H501U" }},
		{"ErrCompanyVATNumber", func(id *cittadino.Identity) { id.FiscalCode = "VATIT-01234567890" }},
		{"ErrNoName", func(id *cittadino.Identity) { id.Name = " " }},
		{"ErrNoFamilyName", func(id *cittadino.Identity) { id.FamilyName = "" }},
		{"ErrLongName", func(id *cittadino.Identity) { id.Name = strings.Repeat("a", 101) }},
		{"ErrControlInName", func(id *cittadino.Identity) { id.Name = "Mario\nRossi" }},
		{"ErrBadDate", func(id *cittadino.Identity) { id.DateOfBirth = "01/01/1980" }},
		{"ErrBadGender", func(id *cittadino.Identity) { id.Gender = "X" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := mario()
			tt.change(&id)
			if _, err := f.accounts.SignedIn(context.Background(), id); !fault.Is(err, fault.Invalid) {
				t.Errorf("got %v, want an Invalid error", err)
			}
		})
	}
}

func TestOmocodicFiscalCodeAccepted(t *testing.T) {
	f := newFixture(t)
	id := mario()
	id.FiscalCode = "RSSMRALPALMHLNRU"
	if a := signIn(t, f, id); a.FiscalCode != "RSSMRALPALMHLNRU" {
		t.Errorf("got %q", a.FiscalCode)
	}
}

func TestConcurrentFirstSignIns(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.accounts.SignedIn(context.Background(), mario()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("sign-in %d: %v", i, err)
		}
	}
}

func TestConcurrentEditsAllApplied(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	signIn(t, f, mario())
	var wg sync.WaitGroup
	var errMobile, errAddress error
	wg.Go(func() {
		_, errMobile = f.accounts.UpdateContacts(ctx, cf, cittadino.Contacts{Mobile: ptr("3331234567")})
	})
	wg.Go(func() {
		_, errAddress = f.accounts.UpdateContacts(ctx, cf, cittadino.Contacts{Address: &home})
	})
	wg.Wait()
	if err := errors.Join(errMobile, errAddress); err != nil {
		t.Fatal(err)
	}
	a, err := f.accounts.Get(ctx, cf)
	if err != nil {
		t.Fatal(err)
	}
	if a.Mobile != "+393331234567" || a.Address != home {
		t.Errorf("got mobile %q address %+v, want both edits", a.Mobile, a.Address)
	}
}

func TestUpdateContacts(t *testing.T) {
	long := strings.Repeat("a", 101)
	tests := []struct {
		name     string
		contacts cittadino.Contacts
		wantCode fault.Code
		check    func(cittadino.Account) bool
	}{
		{"EmailLowerCased", cittadino.Contacts{Email: ptr(" Anna.Verdi@Example.ORG ")}, "",
			func(a cittadino.Account) bool { return a.Email == "anna.verdi@example.org" && !a.EmailVerified }},
		{"MobileNational", cittadino.Contacts{Mobile: ptr("333 123 4567")}, "",
			func(a cittadino.Account) bool { return a.Mobile == "+393331234567" }},
		{"MobileWithPrefix", cittadino.Contacts{Mobile: ptr("+39 333-123.4567")}, "",
			func(a cittadino.Account) bool { return a.Mobile == "+393331234567" }},
		{"MobileWithZeros", cittadino.Contacts{Mobile: ptr("0039 3331234567")}, "",
			func(a cittadino.Account) bool { return a.Mobile == "+393331234567" }},
		{"MobileForeign", cittadino.Contacts{Mobile: ptr("+41 79 123 45 67")}, "",
			func(a cittadino.Account) bool { return a.Mobile == "+41791234567" }},
		{"AddressNormalized", cittadino.Contacts{Address: &cittadino.Address{Street: " Via Po 2 ", PostalCode: "10123", City: "Torino", Province: "to"}}, "",
			func(a cittadino.Account) bool {
				return a.Address == cittadino.Address{Street: "Via Po 2", PostalCode: "10123", City: "Torino", Province: "TO"}
			}},
		{"ErrNothing", cittadino.Contacts{}, fault.Invalid, nil},
		{"ErrEmailEmpty", cittadino.Contacts{Email: ptr("")}, fault.Invalid, nil},
		{"ErrEmailSyntax", cittadino.Contacts{Email: ptr("anna@")}, fault.Invalid, nil},
		{"ErrEmailTooLong", cittadino.Contacts{Email: ptr(strings.Repeat("a", 60) + "@" + strings.Repeat("b", 200) + ".it")}, fault.Invalid, nil},
		{"ErrMobileLandline", cittadino.Contacts{Mobile: ptr("011 1234567")}, fault.Invalid, nil},
		{"ErrMobileLetters", cittadino.Contacts{Mobile: ptr("333 ABC 4567")}, fault.Invalid, nil},
		{"ErrMobileShort", cittadino.Contacts{Mobile: ptr("33312")}, fault.Invalid, nil},
		{"ErrMobileTooLong", cittadino.Contacts{Mobile: ptr(strings.Repeat("3", 33))}, fault.Invalid, nil},
		{"ErrNoStreet", cittadino.Contacts{Address: &cittadino.Address{PostalCode: "10100", City: "Torino", Province: "TO"}}, fault.Invalid, nil},
		{"ErrLongStreet", cittadino.Contacts{Address: &cittadino.Address{Street: long, PostalCode: "10100", City: "Torino", Province: "TO"}}, fault.Invalid, nil},
		{"ErrStreetWithNewline", cittadino.Contacts{Address: &cittadino.Address{Street: "Via Roma\n1", PostalCode: "10100", City: "Torino", Province: "TO"}}, fault.Invalid, nil},
		{"ErrPostalCodeFourDigits", cittadino.Contacts{Address: &cittadino.Address{Street: "Via Roma 1", PostalCode: "1010", City: "Torino", Province: "TO"}}, fault.Invalid, nil},
		{"ErrPostalCodeLetters", cittadino.Contacts{Address: &cittadino.Address{Street: "Via Roma 1", PostalCode: "1010A", City: "Torino", Province: "TO"}}, fault.Invalid, nil},
		{"ErrNoCity", cittadino.Contacts{Address: &cittadino.Address{Street: "Via Roma 1", PostalCode: "10100", Province: "TO"}}, fault.Invalid, nil},
		{"ErrLongCity", cittadino.Contacts{Address: &cittadino.Address{Street: "Via Roma 1", PostalCode: "10100", City: long, Province: "TO"}}, fault.Invalid, nil},
		{"ErrProvinceThreeLetters", cittadino.Contacts{Address: &cittadino.Address{Street: "Via Roma 1", PostalCode: "10100", City: "Torino", Province: "TOR"}}, fault.Invalid, nil},
		{"ErrProvinceDigits", cittadino.Contacts{Address: &cittadino.Address{Street: "Via Roma 1", PostalCode: "10100", City: "Torino", Province: "T0"}}, fault.Invalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			signIn(t, f, mario())
			got, err := f.accounts.UpdateContacts(context.Background(), cf, tt.contacts)
			if fault.CodeOf(err) != tt.wantCode {
				t.Fatalf("got %v, want code %q", err, tt.wantCode)
			}
			if tt.check != nil && !tt.check(got) {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestUpdateContactsOfUnknownCitizen(t *testing.T) {
	f := newFixture(t)
	if _, err := f.accounts.UpdateContacts(context.Background(), cf, cittadino.Contacts{Mobile: ptr("3331234567")}); !fault.Is(err, fault.NotFound) {
		t.Errorf("got %v, want NotFound", err)
	}
}

func TestMobileRemoved(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	signIn(t, f, mario())
	if _, err := f.accounts.UpdateContacts(ctx, cf, cittadino.Contacts{Mobile: ptr("3331234567")}); err != nil {
		t.Fatal(err)
	}
	a, err := f.accounts.UpdateContacts(ctx, cf, cittadino.Contacts{Mobile: ptr("")})
	if err != nil || a.Mobile != "" {
		t.Errorf("got mobile %q (%v), want none", a.Mobile, err)
	}
}

func TestMissing(t *testing.T) {
	full := cittadino.Account{Email: "a@example.org", EmailVerified: true, Address: home}
	tests := []struct {
		name   string
		change func(*cittadino.Account)
		want   []string
	}{
		{"Complete", func(*cittadino.Account) {}, nil},
		{"CompleteWithoutMobile", func(a *cittadino.Account) { a.Mobile = "" }, nil},
		{"NoEmail", func(a *cittadino.Account) { a.Email, a.EmailVerified = "", false }, []string{"email"}},
		{"Unverified", func(a *cittadino.Account) { a.EmailVerified = false }, []string{"emailVerified"}},
		{"NoAddress", func(a *cittadino.Account) { a.Address = cittadino.Address{} },
			[]string{"address.street", "address.postalCode", "address.city", "address.province"}},
		{"NoProvince", func(a *cittadino.Account) { a.Address.Province = "" }, []string{"address.province"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := full
			tt.change(&a)
			if got := a.Missing(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got := a.Complete(); got != (len(tt.want) == 0) {
				t.Errorf("Complete: got %v, want %v", got, len(tt.want) == 0)
			}
		})
	}
}
