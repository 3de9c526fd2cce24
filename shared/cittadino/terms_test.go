package cittadino_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/store"
)

func publish(t *testing.T, f fixture, tenant, text string) cittadino.Terms {
	t.Helper()
	terms, err := f.terms.Publish(context.Background(), tenant, text)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return terms
}

// pending returns the version MustAcceptTerms asks for, and its message;
// 0 when it asks for none.
func pending(t *testing.T, f fixture, tenant string) (int, string) {
	t.Helper()
	err := f.terms.MustAcceptTerms(context.Background(), cf, tenant)
	if err == nil {
		return 0, ""
	}
	var p *cittadino.TermsPending
	var fe *fault.Error
	if !errors.As(err, &p) || !errors.As(err, &fe) || fe.Code != fault.Forbidden {
		t.Fatalf("got %v, want Forbidden with the pending version", err)
	}
	return p.Version, fe.Message
}

func TestTermsVersioning(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)

	if v, _ := pending(t, f, "esempio"); v != 0 {
		t.Errorf("no terms published: got version %d pending, want none", v)
	}
	if _, err := f.terms.Current(ctx, "esempio"); !fault.Is(err, fault.NotFound) {
		t.Errorf("Current without terms: got %v, want NotFound", err)
	}

	v1 := publish(t, f, "esempio", "Prima versione.")
	if v1.Version != 1 || v1.Tenant != "esempio" || v1.PublishedAt.IsZero() {
		t.Fatalf("got %+v, want version 1", v1)
	}
	if v, msg := pending(t, f, "esempio"); v != 1 || !strings.Contains(msg, "devi prima") {
		t.Errorf("before accepting: got version %d (%q), want 1 asked for the first time", v, msg)
	}
	first, err := f.terms.Accept(ctx, cf, "esempio", 1)
	if err != nil {
		t.Fatalf("Accept v1: %v", err)
	}
	if v, _ := pending(t, f, "esempio"); v != 0 {
		t.Errorf("after accepting v1: got version %d pending, want none", v)
	}
	if again, err := f.terms.Accept(ctx, cf, "esempio", 1); err != nil || !again.AcceptedAt.Equal(first.AcceptedAt) {
		t.Errorf("accepting twice: got %+v (%v), want the first acceptance %+v", again, err, first)
	}

	if same := publish(t, f, "esempio", "  Prima versione.\r\n"); same.Version != 1 {
		t.Errorf("publishing the same text: got version %d, want 1 kept", same.Version)
	}

	v2 := publish(t, f, "esempio", "Seconda versione.")
	if v2.Version != 2 {
		t.Fatalf("got %+v, want version 2", v2)
	}
	if cur, err := f.terms.Current(ctx, "esempio"); err != nil || cur != v2 {
		t.Errorf("Current: got %+v (%v), want %+v", cur, err, v2)
	}
	if v, msg := pending(t, f, "esempio"); v != 2 || !strings.Contains(msg, "sono cambiate") {
		t.Errorf("after v2: got version %d (%q), want 2 asked again", v, msg)
	}
	if _, err := f.terms.Accept(ctx, cf, "esempio", 1); !fault.Is(err, fault.Conflict) {
		t.Errorf("accepting v1 after v2: got %v, want Conflict", err)
	}
	if _, err := f.terms.Accept(ctx, cf, "esempio", 3); !fault.Is(err, fault.Conflict) {
		t.Errorf("accepting a future version: got %v, want Conflict", err)
	}
	if _, err := f.terms.Accept(ctx, cf, "esempio", 2); err != nil {
		t.Fatalf("Accept v2: %v", err)
	}
	if v, _ := pending(t, f, "esempio"); v != 0 {
		t.Errorf("after accepting v2: got version %d pending, want none", v)
	}

	// Another Comune's terms are its own.
	publish(t, f, "bosco", "Condizioni di Bosco.")
	if v, _ := pending(t, f, "bosco"); v != 1 {
		t.Errorf("bosco: got version %d pending, want 1", v)
	}
	if _, err := f.terms.Accept(ctx, cf, "bosco", 1); err != nil {
		t.Fatal(err)
	}
	list, err := f.terms.Acceptances(ctx, cf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, fmt.Sprintf("%s/%d", a.Tenant, a.Version))
	}
	if strings.Join(got, " ") != "bosco/1 esempio/1 esempio/2" {
		t.Errorf("Acceptances: got %v, want bosco/1 esempio/1 esempio/2", got)
	}
}

func TestPublishRefusesBadText(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		text string
	}{
		{"ErrEmpty", " \n "},
		{"ErrTooLong", strings.Repeat("a", cittadino.MaxTermsRunes+1)},
		{"ErrControl", "Testo\x00nascosto"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.terms.Publish(context.Background(), "esempio", tt.text); !fault.Is(err, fault.Invalid) {
				t.Errorf("got %v, want Invalid", err)
			}
		})
	}
	if _, err := f.terms.Publish(context.Background(), "esempio", "Riga uno\n\n\t- punto\n"+strings.Repeat("à", cittadino.MaxTermsRunes-20)); err != nil {
		t.Errorf("text with lines, tabs and accents: %v", err)
	}
}

// TestTermsKeys checks the access patterns of the terms: each version in
// its Comune's scope under PK "terms", and each acceptance in the
// citizen's partition, all found by one query on prefix "terms#".
func TestTermsKeys(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	publish(t, f, "esempio", "Prima.")
	publish(t, f, "esempio", "Seconda.")
	if _, err := f.terms.Accept(ctx, cf, "esempio", 2); err != nil {
		t.Fatal(err)
	}

	t.Run("VersionsInTenantScope", func(t *testing.T) {
		page, err := f.db.Tenant("esempio").Query(ctx, store.Query{PK: "terms"}, "")
		if err != nil {
			t.Fatal(err)
		}
		var sks []string
		for _, it := range page.Items {
			sks = append(sks, it.Key.SK)
		}
		if strings.Join(sks, " ") != "version#00000001 version#00000002" {
			t.Errorf("got %v", sks)
		}
	})
	t.Run("AcceptanceInCitizenPartition", func(t *testing.T) {
		if _, err := f.db.Global().Get(ctx, store.Key{PK: "citizen#" + cf, SK: "terms#esempio#00000002"}); err != nil {
			t.Errorf("Get: %v", err)
		}
	})
	t.Run("AcceptancesByPrefix", func(t *testing.T) {
		page, err := f.db.Global().Query(ctx, store.Query{PK: "citizen#" + cf, Prefix: "terms#"}, "")
		if err != nil || len(page.Items) != 1 {
			t.Errorf("got %d items (%v), want the one acceptance", len(page.Items), err)
		}
	})
}

func TestCheckAccess(t *testing.T) {
	ctx := context.Background()
	citizen := auth.Principal{Role: routes.Citizen, Subject: cf, Level: auth.SpidL2}
	tests := []struct {
		name      string
		principal auth.Principal
		min       auth.Level
		setup     func(t *testing.T, f fixture)
		want      cittadino.Reason
		wantTerms int
	}{
		{name: "AnonymousSignsIn", min: auth.SpidL2, want: cittadino.NeedSignIn},
		{name: "OperatorSignsInAsCitizen", principal: auth.Principal{Role: routes.Operator, Subject: "anna", Tenant: "esempio"}, min: auth.SpidL1, want: cittadino.NeedSignIn},
		{name: "LowerLevelSignsInAgain", principal: citizen, min: auth.SpidL3, want: cittadino.NeedLevel},
		{name: "TermsFirst", principal: citizen, min: auth.SpidL2, want: cittadino.NeedTerms, wantTerms: 1,
			setup: func(t *testing.T, f fixture) { publish(t, f, "esempio", "Condizioni.") }},
		{name: "ProfileThen", principal: citizen, min: auth.SpidL1, want: cittadino.NeedProfile,
			setup: func(t *testing.T, f fixture) {
				publish(t, f, "esempio", "Condizioni.")
				if _, err := f.terms.Accept(ctx, cf, "esempio", 1); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "Allowed", principal: citizen, min: auth.SpidL2, want: "",
			setup: func(t *testing.T, f fixture) {
				if _, err := f.accounts.UpdateContacts(ctx, cf, cittadino.Contacts{Address: &home}); err != nil {
					t.Fatal(err)
				}
				withEmail(t, f, "mario@example.org")
				verify(t, f)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			signIn(t, f, mario())
			if tt.setup != nil {
				tt.setup(t, f)
			}
			d, err := cittadino.CheckAccess(ctx, f.accounts, f.terms, tt.principal, "esempio", tt.min)
			if err != nil {
				t.Fatal(err)
			}
			if d.Reason != tt.want || d.Allowed != (tt.want == "") || d.TermsVersion != tt.wantTerms {
				t.Fatalf("got %+v, want reason %q and terms version %d", d, tt.want, tt.wantTerms)
			}
			if (d.Cause == nil) != d.Allowed {
				t.Errorf("got cause %v with allowed %v", d.Cause, d.Allowed)
			}
			if tt.want == cittadino.NeedProfile && len(d.Missing) == 0 {
				t.Error("got no missing fields")
			}
		})
	}
}
