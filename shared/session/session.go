// Package session keeps the sessions of signed-in citizens, operators and
// admins on the server, in the store, and ties each to the browser by a
// cookie that holds only a random id.
//
// # Why server-side
//
// A session can be ended at once: at sign-out, on "sign out everywhere", or
// when an admin disables an operator. A self-contained token could not be
// taken back before it expired.
//
// # Keys
//
// The store never sees a session id, only its SHA-256: reading the table
// (a backup, a log of changes) gives nothing that signs anyone in. Each
// session is also in index GSI1 under its account, so that EndAll finds every
// session of one account with one query. See the access patterns in package
// store.
//
// # Timeouts
//
// A session ends IdleTimeout after its last use and AbsoluteTimeout after
// sign-in, whichever comes first; the stored item expires at that moment, so
// the store forgets it by itself. The last use is written at most once every
// touchInterval, so that reading a session does not cost a write on every
// request; a session may therefore end up to that much earlier than exactly
// IdleTimeout after its last request.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/store"
)

const (
	// CookieName is the session cookie. The __Host- prefix makes browsers
	// accept it only when Secure, with Path=/ and no Domain, so no sibling
	// site can set or overwrite it.
	CookieName = "__Host-stanza"
	// IdleTimeout ends a session that has not been used for this long.
	IdleTimeout = 30 * time.Minute
	// AbsoluteTimeout ends every session this long after sign-in.
	AbsoluteTimeout = 12 * time.Hour
	// touchInterval is how stale the stored last use may get.
	touchInterval = time.Minute
)

// idBytes is the entropy of a session id and of a CSRF token.
const idBytes = 32

// SAML is what single logout needs to name a SAML session to its identity
// provider. It is zero for sessions that did not come from SAML.
type SAML struct {
	IdP           string `json:"idp"` // the identity provider's entity id
	NameID        string `json:"nameId"`
	NameQualifier string `json:"nameQualifier,omitempty"`
	SessionIndex  string `json:"sessionIndex,omitempty"`
}

// Session is one signed-in browser.
type Session struct {
	// ID is the cookie's value. It is never stored: the store knows only its
	// hash.
	ID       string        `json:"-"`
	Role     routes.Access `json:"role"`
	Subject  string        `json:"subject"`
	Tenant   string        `json:"tenant,omitempty"`
	Name     string        `json:"name,omitempty"`
	Level    auth.Level    `json:"level,omitempty"`
	Services []string      `json:"services,omitempty"`
	// CSRF is the token that state-changing requests of this session must
	// carry in a header, which another site cannot set.
	CSRF     string    `json:"csrf"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"lastSeen"`
	SAML     SAML      `json:"saml,omitzero"`
}

// Expires is when the session ends unless it is used again.
func (s Session) Expires() time.Time {
	idle, absolute := s.LastSeen.Add(IdleTimeout), s.Created.Add(AbsoluteTimeout)
	if idle.Before(absolute) {
		return idle
	}
	return absolute
}

// Principal is the caller the session authenticates.
func (s Session) Principal() auth.Principal {
	return auth.Principal{
		Role:     s.Role,
		Subject:  s.Subject,
		Tenant:   s.Tenant,
		Name:     s.Name,
		Level:    s.Level,
		Session:  s.ID,
		Services: s.Services,
	}
}

// ValidCSRF reports whether token is the session's CSRF token, in constant
// time so that the token cannot be guessed byte by byte.
func (s Session) ValidCSRF(token string) bool {
	return s.CSRF != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

type ctxKey struct{}

// NewContext returns ctx carrying s.
func NewContext(ctx context.Context, s Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// FromContext returns the session of a request authenticated by cookie; ok
// is false for anonymous and API-key requests.
func FromContext(ctx context.Context) (s Session, ok bool) {
	s, ok = ctx.Value(ctxKey{}).(Session)
	return s, ok
}

// Store keeps sessions in the store's global scope: a citizen's session
// serves every Comune.
type Store struct {
	db *store.DB
	// Now is the clock; tests move it forward.
	Now func() time.Time
}

// NewStore returns a Store over db.
func NewStore(db *store.DB) *Store { return &Store{db: db, Now: time.Now} }

// The session's item, and its entry in the index of an account's sessions.
const sessionSK = "session"

func itemKey(hash string) store.Key { return store.Key{PK: "session#" + hash, SK: sessionSK} }

func accountPK(role routes.Access, tenant, subject string) string {
	return "sessions#" + role.String() + "#" + tenant + "#" + subject
}

func hashOf(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func randomToken() (string, error) {
	b := make([]byte, idBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// wellFormed reports whether id can be a session id, so that a forged or
// oversized cookie costs no store lookup.
func wellFormed(id string) bool {
	if len(id) != base64.RawURLEncoding.EncodedLen(idBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil
}

// Create signs p in: it stores a new session with a new id, sets the cookie
// on w and returns the session with its CSRF token. A session the request
// already carries is ended first, so that signing in again (say, at a higher
// SPID level) never keeps an old id alive. saml is the zero SAML for
// sessions that did not come from SAML.
func (s *Store) Create(ctx context.Context, w http.ResponseWriter, r *http.Request, p auth.Principal, saml SAML) (Session, error) {
	if p.Anonymous() || p.Subject == "" {
		return Session{}, errors.New("session: a session needs a role and a subject")
	}
	if c, err := r.Cookie(CookieName); err == nil && wellFormed(c.Value) {
		if err := s.db.Global().Delete(ctx, itemKey(hashOf(c.Value)), store.Condition{}); err != nil {
			return Session{}, err
		}
	}
	id, err := randomToken()
	if err != nil {
		return Session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return Session{}, err
	}
	now := s.Now().UTC()
	sess := Session{
		ID: id, Role: p.Role, Subject: p.Subject, Tenant: p.Tenant, Name: p.Name, Level: p.Level,
		Services: p.Services, CSRF: csrf, Created: now, LastSeen: now, SAML: saml,
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return Session{}, err
	}
	hash := hashOf(id)
	item := store.Item{
		Key:     itemKey(hash),
		Expires: sess.Expires(),
		Indexes: map[store.Index]store.Key{store.GSI1: {PK: accountPK(p.Role, p.Tenant, p.Subject), SK: hash}},
		Data:    data,
	}
	if _, err := s.db.Global().Put(ctx, item, store.IfAbsent); err != nil {
		return Session{}, err
	}
	http.SetCookie(w, cookie(id, int(AbsoluteTimeout/time.Second)))
	return sess, nil
}

// Load returns the session the request's cookie names and its principal. A
// request without a cookie, or with an unknown, ended or expired one, is
// anonymous: the zero Principal and Session with a nil error. Only a failure
// of the store is an error.
func (s *Store) Load(ctx context.Context, r *http.Request) (auth.Principal, Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || !wellFormed(c.Value) {
		return auth.Principal{}, Session{}, nil
	}
	item, err := s.db.Global().Get(ctx, itemKey(hashOf(c.Value)))
	if fault.Is(err, fault.NotFound) {
		return auth.Principal{}, Session{}, nil
	}
	if err != nil {
		return auth.Principal{}, Session{}, err
	}
	var sess Session
	if err := json.Unmarshal(item.Data, &sess); err != nil {
		return auth.Principal{}, Session{}, fmt.Errorf("session: %w", err)
	}
	sess.ID = c.Value
	now := s.Now().UTC()
	// The store hides expired items by its own clock at second precision;
	// the session's own times decide to the instant.
	if !now.Before(sess.Expires()) {
		return auth.Principal{}, Session{}, nil
	}
	if now.Sub(sess.LastSeen) >= touchInterval {
		if err := s.touch(ctx, item, sess, now); err != nil {
			return auth.Principal{}, Session{}, err
		}
		sess.LastSeen = now
	}
	return sess.Principal(), sess, nil
}

// touch records a use of the session. A concurrent request may have touched
// it already (a version conflict): that write serves as well as this one.
func (s *Store) touch(ctx context.Context, item store.Item, sess Session, now time.Time) error {
	sess.LastSeen = now
	data, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	item.Data = data
	item.Expires = sess.Expires()
	if _, err := s.db.Global().Put(ctx, item, store.IfVersion(item.Version)); err != nil && !fault.Is(err, fault.Conflict) {
		return err
	}
	return nil
}

// End signs the session with id out and clears the cookie on w. Ending a
// session that no longer exists succeeds.
func (s *Store) End(ctx context.Context, w http.ResponseWriter, id string) error {
	http.SetCookie(w, cookie("", -1))
	if !wellFormed(id) {
		return nil
	}
	return s.db.Global().Delete(ctx, itemKey(hashOf(id)), store.Condition{})
}

// EndAll ends every session of one account: for "sign out everywhere", and
// when an account is disabled or its credentials change. Browsers keep their
// cookies, which no longer name a session.
func (s *Store) EndAll(ctx context.Context, role routes.Access, tenant, subject string) error {
	return s.EndOthers(ctx, role, tenant, subject, "")
}

// EndOthers ends every session of one account except the one with id keep:
// after a password change, whoever signed in with the old password is out,
// and the browser that made the change stays in.
func (s *Store) EndOthers(ctx context.Context, role routes.Access, tenant, subject, keep string) error {
	var kept store.Key
	if keep != "" {
		kept = itemKey(hashOf(keep))
	}
	g := s.db.Global()
	// Collect first, then delete, so that deleting cannot disturb the pages.
	var keys []store.Key
	q := store.Query{Index: store.GSI1, PK: accountPK(role, tenant, subject), Limit: store.MaxQueryLimit}
	for cursor := ""; ; {
		page, err := g.Query(ctx, q, cursor)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			if it.Key != kept {
				keys = append(keys, it.Key)
			}
		}
		if cursor = page.Cursor; cursor == "" {
			break
		}
	}
	for _, k := range keys {
		if err := g.Delete(ctx, k, store.Condition{}); err != nil {
			return err
		}
	}
	return nil
}

// cookie returns the session cookie with value; maxAge < 0 deletes it.
// SameSite=Lax keeps the cookie off cross-site posts and subresources, yet
// sends it when a citizen follows a link to the portal from elsewhere.
func cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     CookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}
