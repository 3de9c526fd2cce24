package apikey

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

func newStore(t *testing.T) (*Store, *store.DB) {
	t.Helper()
	db := bolttest.DB(t)
	return New(db), db
}

func mustIssue(t *testing.T, s *Store, tenant, name string, scopes ...string) (Key, string) {
	t.Helper()
	k, token, err := s.Issue(context.Background(), tenant, name, scopes, "capo")
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return k, token
}

func TestIssue(t *testing.T) {
	s, _ := newStore(t)
	k, token := mustIssue(t, s, "esempio", "Protocollo informatico", ScopeProtocolWrite, ScopeApplicationsRead, ScopeProtocolWrite)
	if !strings.HasPrefix(token, "stz_"+k.ID+"_") || len(token) != len("stz_")+16+1+52 {
		t.Errorf("got token %q, want stz_<id>_<secret> with the key's id", token)
	}
	if want := []string{ScopeApplicationsRead, ScopeProtocolWrite}; !slices.Equal(k.Scopes, want) {
		t.Errorf("got scopes %q, want %q", k.Scopes, want)
	}
	if k.Tenant != "esempio" || k.CreatedBy != "capo" || k.CreatedAt.IsZero() || k.Revoked() {
		t.Errorf("got %+v", k)
	}
	_, again := mustIssue(t, s, "esempio", "Protocollo informatico", ScopeProtocolWrite)
	if again == token {
		t.Error("got the same token twice")
	}

	tests := []struct {
		name   string
		tenant string
		key    string
		scopes []string
	}{
		{"ErrNoName", "esempio", "", []string{ScopeApplicationsRead}},
		{"ErrNameTooLong", "esempio", strings.Repeat("a", 101), []string{ScopeApplicationsRead}},
		{"ErrNoScopes", "esempio", "Pagamenti", nil},
		{"ErrUnknownScope", "esempio", "Pagamenti", []string{"everything"}},
		{"ErrBadTenant", "Esempio!", "Pagamenti", []string{ScopeApplicationsRead}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := s.Issue(context.Background(), tt.tenant, tt.key, tt.scopes, "capo"); !fault.Is(err, fault.Invalid) {
				t.Errorf("got %v, want Invalid", err)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	k, token := mustIssue(t, s, "esempio", "Protocollo", ScopeProtocolWrite)
	revoked, revokedToken := mustIssue(t, s, "esempio", "Vecchio gestionale", ScopeApplicationsRead)
	if _, err := s.Revoke(ctx, "esempio", revoked.ID); err != nil {
		t.Fatal(err)
	}
	_, otherToken := mustIssue(t, s, "altro", "Protocollo", ScopeProtocolWrite)

	p, err := s.Resolve(ctx, "esempio", token)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if p.Role != routes.Partner || p.Subject != k.ID || p.Tenant != "esempio" || p.Name != "Protocollo" ||
		len(p.Scopes) != 1 || p.Scopes[0] != ScopeProtocolWrite {
		t.Errorf("got %+v, want the partner of key %s with its scope", p, k.ID)
	}

	id, secret, _ := strings.Cut(strings.TrimPrefix(token, "stz_"), "_")
	wrongSecret := "stz_" + id + "_" + strings.Repeat("a", 52)
	tests := []struct{ name, tenant, presented string }{
		{"ErrRevoked", "esempio", revokedToken},
		{"ErrOtherComunesKey", "esempio", otherToken},
		{"ErrKeyOnOtherComune", "altro", token},
		{"ErrWrongSecret", "esempio", wrongSecret},
		{"ErrNoPrefix", "esempio", strings.TrimPrefix(token, "stz_")},
		{"ErrShortSecret", "esempio", "stz_" + id + "_" + secret[:51]},
		{"ErrUpperCase", "esempio", strings.ToUpper(token)},
		{"ErrEmpty", "esempio", ""},
		{"ErrUnknownID", "esempio", "stz_" + strings.Repeat("a", 16) + "_" + secret},
		{"ErrBadTenant", "Esempio!", token},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.Resolve(ctx, tt.tenant, tt.presented)
			if !fault.Is(err, fault.Unauthorized) || !p.Anonymous() {
				t.Errorf("got %+v, %v; want Unauthorized and no principal", p, err)
			}
		})
	}
}

func TestRevoke(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	k, _ := mustIssue(t, s, "esempio", "Protocollo", ScopeProtocolWrite)
	now := time.Now().UTC().Truncate(time.Second)
	s.now = func() time.Time { return now }
	got, err := s.Revoke(ctx, "esempio", k.ID)
	if err != nil || !got.RevokedAt.Equal(now) {
		t.Fatalf("got %+v, %v; want revoked at %v", got, err, now)
	}
	s.now = func() time.Time { return now.Add(time.Hour) }
	again, err := s.Revoke(ctx, "esempio", k.ID)
	if err != nil || !again.RevokedAt.Equal(now) {
		t.Errorf("second revocation: got %+v, %v; want unchanged, revoked at %v", again, err, now)
	}
	for _, tt := range []struct{ name, tenant, id string }{
		{"ErrOtherComune", "altro", k.ID},
		{"ErrUnknown", "esempio", strings.Repeat("b", 16)},
		{"ErrMalformed", "esempio", "../x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Revoke(ctx, tt.tenant, tt.id); !fault.Is(err, fault.NotFound) {
				t.Errorf("got %v, want NotFound", err)
			}
		})
	}
}

// The access patterns of package store, one test per row.

func TestAccessPatternResolveAKey(t *testing.T) {
	s, db := newStore(t)
	k, token := mustIssue(t, s, "esempio", "Protocollo", ScopeProtocolWrite)
	it, err := db.Tenant("esempio").Get(context.Background(), store.Key{PK: "api-keys", SK: k.ID})
	if err != nil {
		t.Fatalf("got %v, want the key at PK api-keys, SK its id", err)
	}
	// The record keeps the secret's hash only.
	secret := token[strings.LastIndex(token, "_")+1:]
	var rec map[string]any
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(it.Data), secret) || rec["hash"] != hash(secret) {
		t.Errorf("got record %s, want the SHA-256 of the secret and not the secret", it.Data)
	}
}

func TestAccessPatternKeysOfAComune(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	var want []string
	for _, name := range []string{"Protocollo", "Pagamenti", "Gestionale"} {
		k, _ := mustIssue(t, s, "esempio", name, ScopeApplicationsRead)
		want = append(want, k.ID)
	}
	mustIssue(t, s, "altro", "Protocollo", ScopeApplicationsRead)
	if _, err := s.Revoke(ctx, "esempio", want[1]); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, "esempio")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range list {
		got = append(got, k.ID)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q (by id, this Comune's, revoked included)", got, want)
	}
	shown, _ := json.Marshal(list)
	if strings.Contains(string(shown), "hash") {
		t.Errorf("got %s, want no hash in the listed keys", shown)
	}
}
