// Package apikey holds the API keys that a Comune's admins issue to partner
// systems (protocol registries, payment platforms, back-office software).
//
// # Keys
//
// A key is presented as "stz_<id>_<secret>": the id finds the record, in
// the Comune's scope (PK "api-keys", SK the id), and the secret proves
// possession. The secret is shown once, when the key is issued; the record
// keeps only its SHA-256. A slow hash, needed for passwords people choose,
// would add nothing: the secret has 256 random bits, so no guess from the
// hash can succeed, and partner requests, which come in bulk, stay cheap.
// A revoked key keeps its record, with the time of revocation, so that the
// admins can see which keys existed.
//
// # Scopes
//
// Each key grants some of these scopes:
//
//	applications:read   read the Comune's applications and their status
//	applications:write  change an application's status, as an operator would
//	services:write      create and edit the Comune's services
//	protocol:write      record protocol numbers of applications and responses
//
// # Resolving
//
// Resolve looks a key up within the Comune of the request's path only, so a
// key of another Comune is unknown there; an unknown, malformed, revoked or
// mismatching key gets one and the same Unauthorized answer.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/store"
)

// The scopes a key can grant (see the package doc).
const (
	ScopeApplicationsRead  = "applications:read"
	ScopeApplicationsWrite = "applications:write"
	ScopeServicesWrite     = "services:write"
	ScopeProtocolWrite     = "protocol:write"
)

// Scopes lists every scope, in the order of the package doc.
var Scopes = []string{ScopeApplicationsRead, ScopeApplicationsWrite, ScopeServicesWrite, ScopeProtocolWrite}

// Key is a partner's API key, without its secret.
type Key struct {
	ID        string    `json:"id"`
	Tenant    string    `json:"tenant"`
	Name      string    `json:"name"` // which partner and what for, e.g. "Protocollo informatico"
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"` // the admin's username
	RevokedAt time.Time `json:"revokedAt,omitzero"`
}

// Revoked reports whether the key was revoked.
func (k Key) Revoked() bool { return !k.RevokedAt.IsZero() }

// record is the stored key: the Key and the hash of its secret.
type record struct {
	Key
	Hash string `json:"hash"` // hex SHA-256 of the secret

	version int64
}

// Keys of a Comune's API keys (see the access patterns in package store).
const partition = "api-keys"

func storeKey(id string) store.Key { return store.Key{PK: partition, SK: id} }

// The presented form: "stz_", an id of 16 and a secret of 52 characters of
// lower-case base32, neither of which contains "_".
const (
	prefix      = "stz_"
	idBytes     = 10 // 80 bits: unique without coordination
	secretBytes = 32 // 256 bits
)

var (
	lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
	idPattern   = regexp.MustCompile(`^[a-z2-7]{16}$`)
	secretForm  = regexp.MustCompile(`^[a-z2-7]{52}$`)
)

// Store keeps the API keys of every Comune.
type Store struct {
	db  *store.DB
	now func() time.Time
}

// New returns the Store over db.
func New(db *store.DB) *Store { return &Store{db: db, now: time.Now} }

// maxName bounds a key's name.
const maxName = 100

// Issue creates a key for a partner of tenant with scopes, on behalf of the
// admin by, and returns it with the presented form, which is never shown
// again.
func (s *Store) Issue(ctx context.Context, tenant, name string, scopes []string, by string) (Key, string, error) {
	if !store.ValidTenant(tenant) {
		return Key{}, "", fault.New(fault.Invalid, "L'identificativo del Comune %q non è valido: usare lettere minuscole, cifre e trattini.", tenant)
	}
	n := utf8.RuneCountInString(name)
	if n == 0 || n > maxName || strings.TrimSpace(name) != name || strings.ContainsFunc(name, unicode.IsControl) {
		return Key{}, "", fault.New(fault.Invalid, "Il nome della chiave è obbligatorio e può avere al massimo %d caratteri.", maxName)
	}
	if len(scopes) == 0 {
		return Key{}, "", fault.New(fault.Invalid, "Indicare almeno un ambito di accesso della chiave.")
	}
	clean := []string{}
	for _, sc := range scopes {
		if !slices.Contains(Scopes, sc) {
			return Key{}, "", fault.New(fault.Invalid, "L'ambito di accesso %q non esiste.", sc)
		}
		clean = append(clean, sc)
	}
	slices.Sort(clean)
	id := random(idBytes)
	secret := random(secretBytes)
	rec := record{
		Key: Key{
			ID: id, Tenant: tenant, Name: name, Scopes: slices.Compact(clean),
			CreatedAt: s.now().UTC().Truncate(time.Second), CreatedBy: by,
		},
		Hash: hash(secret),
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return Key{}, "", err
	}
	if _, err := s.db.Tenant(tenant).Put(ctx, store.Item{Key: storeKey(id), Data: data}, store.IfAbsent); err != nil {
		return Key{}, "", err
	}
	return rec.Key, prefix + id + "_" + secret, nil
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails: see crypto/rand.Read
	return lowerBase32.EncodeToString(b)
}

func hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func notFound(id string) error {
	return fault.New(fault.NotFound, "La chiave API %q non esiste.", id)
}

func (s *Store) load(ctx context.Context, tenant, id string) (record, error) {
	if !store.ValidTenant(tenant) || !idPattern.MatchString(id) {
		return record{}, notFound(id)
	}
	it, err := s.db.Tenant(tenant).Get(ctx, storeKey(id))
	if fault.Is(err, fault.NotFound) {
		return record{}, notFound(id)
	}
	if err != nil {
		return record{}, err
	}
	var rec record
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return record{}, fmt.Errorf("apikey: %s/%s: %w", tenant, id, err)
	}
	rec.version = it.Version
	return rec, nil
}

// List returns the keys of a Comune, revoked ones included, by id. A Comune
// has a handful of partners, so the whole partition is read.
func (s *Store) List(ctx context.Context, tenant string) ([]Key, error) {
	if !store.ValidTenant(tenant) {
		return nil, nil
	}
	items, err := s.db.Tenant(tenant).QueryAll(ctx, store.Query{PK: partition})
	if err != nil {
		return nil, err
	}
	recs, err := store.Decode[record](items)
	if err != nil {
		return nil, err
	}
	out := make([]Key, len(recs))
	for i, rec := range recs {
		out[i] = rec.Key
	}
	return out, nil
}

// Revoke revokes a key of tenant from now on. Revoking a revoked key
// changes nothing and is not an error, so that a retried request succeeds.
func (s *Store) Revoke(ctx context.Context, tenant, id string) (Key, error) {
	rec, err := s.load(ctx, tenant, id)
	if err != nil {
		return Key{}, err
	}
	if rec.Revoked() {
		return rec.Key, nil
	}
	rec.RevokedAt = s.now().UTC().Truncate(time.Second)
	data, err := json.Marshal(rec)
	if err != nil {
		return Key{}, err
	}
	// A concurrent revocation is the only other write a key gets, and it
	// leaves the key revoked all the same.
	_, err = s.db.Tenant(tenant).Put(ctx, store.Item{Key: storeKey(id), Data: data}, store.IfVersion(rec.version))
	if fault.Is(err, fault.Conflict) {
		rec, err = s.load(ctx, tenant, id)
		return rec.Key, err
	}
	if err != nil {
		return Key{}, err
	}
	return rec.Key, nil
}

var errInvalidKey = fault.New(fault.Unauthorized, "La chiave API non è valida o è stata revocata.")

// Resolve returns the partner that presented holds within tenant: a
// Principal with the Partner role and the key's id as Subject.
func (s *Store) Resolve(ctx context.Context, tenant, presented string) (auth.Principal, error) {
	id, secret, ok := parse(presented)
	if !ok {
		return auth.Principal{}, errInvalidKey
	}
	rec, err := s.load(ctx, tenant, id)
	if fault.Is(err, fault.NotFound) {
		return auth.Principal{}, errInvalidKey
	}
	if err != nil {
		return auth.Principal{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hash(secret)), []byte(rec.Hash)) != 1 || rec.Revoked() || rec.Tenant != tenant {
		return auth.Principal{}, errInvalidKey
	}
	return auth.Principal{Role: routes.Partner, Subject: rec.ID, Tenant: rec.Tenant, Name: rec.Name, Scopes: rec.Scopes}, nil
}

// parse splits the presented form into id and secret.
func parse(presented string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(presented, prefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || !idPattern.MatchString(id) || !secretForm.MatchString(secret) {
		return "", "", false
	}
	return id, secret, true
}
