package session

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

var (
	citizen = auth.Principal{Role: routes.Citizen, Subject: "RSSMRA80A01H501U", Name: "Mario Rossi", Level: auth.SpidL2}
	other   = auth.Principal{Role: routes.Citizen, Subject: "BNCGNN85T10L219X", Name: "Giovanna Bianchi", Level: auth.SpidL1}
	// operator has the citizen's subject as username: EndAll must tell them apart.
	operator = auth.Principal{Role: routes.Operator, Subject: "RSSMRA80A01H501U", Tenant: "esempio", Name: "Ufficio", Services: []string{"iscrizione-asilo-nido"}}
)

// clock is a settable time source, starting at the real time so that the
// store's own expiry (by the real clock) never hides an item first.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }
func newClock() *clock                   { return &clock{now: time.Now()} }
func newStore(t *testing.T) (*Store, *clock) {
	t.Helper()
	c := newClock()
	s := NewStore(bolttest.DB(t))
	s.Now = c.Now
	return s, c
}

// create signs p in and returns the session and the cookie it set.
func create(t *testing.T, s *Store, p auth.Principal, saml SAML) (Session, *http.Cookie) {
	t.Helper()
	return createFrom(t, s, httptest.NewRequest("GET", "/", nil), p, saml)
}

func createFrom(t *testing.T, s *Store, r *http.Request, p auth.Principal, saml SAML) (Session, *http.Cookie) {
	t.Helper()
	w := httptest.NewRecorder()
	sess, err := s.Create(context.Background(), w, r, p, saml)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("got %d cookies, want 1", len(cookies))
	}
	return sess, cookies[0]
}

// load reads the session of a request carrying c (none when nil).
func load(t *testing.T, s *Store, c *http.Cookie) (auth.Principal, Session) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	if c != nil {
		r.AddCookie(c)
	}
	p, sess, err := s.Load(context.Background(), r)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p, sess
}

func TestCreateThenLoad(t *testing.T) {
	s, _ := newStore(t)
	saml := SAML{IdP: "https://idp.example/", NameID: "_abc", NameQualifier: "https://idp.example/", SessionIndex: "_s1"}
	created, c := create(t, s, citizen, saml)
	if created.CSRF == "" || created.ID == "" || created.ID == created.CSRF {
		t.Fatalf("got id %q and CSRF token %q, want two different random values", created.ID, created.CSRF)
	}
	if c.Value != created.ID {
		t.Errorf("cookie value: got %q, want the session id %q", c.Value, created.ID)
	}
	p, got := load(t, s, c)
	want := citizen
	want.Session = created.ID
	if p.Role != want.Role || p.Subject != want.Subject || p.Name != want.Name || p.Level != want.Level || p.Session != want.Session || p.Tenant != "" {
		t.Errorf("principal: got %+v, want %+v", p, want)
	}
	if got.CSRF != created.CSRF || got.SAML != saml || !got.Created.Equal(created.Created) {
		t.Errorf("session: got %+v, want %+v", got, created)
	}

	op, c2 := create(t, s, operator, SAML{})
	p, got = load(t, s, c2)
	if p.Role != routes.Operator || p.Tenant != "esempio" || !slices.Equal(p.Services, operator.Services) {
		t.Errorf("operator principal: got %+v, want %+v", p, operator)
	}
	if got.SAML != (SAML{}) || got.ID != op.ID {
		t.Errorf("operator session: got %+v, want no SAML data and id %q", got, op.ID)
	}
}

func TestCreateRefusesAnonymous(t *testing.T) {
	s, _ := newStore(t)
	for _, p := range []auth.Principal{{}, {Role: routes.Citizen}} {
		_, err := s.Create(context.Background(), httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), p, SAML{})
		if err == nil {
			t.Errorf("Create(%+v): got no error, want one", p)
		}
	}
}

func TestCookieAttributes(t *testing.T) {
	s, _ := newStore(t)
	_, c := create(t, s, citizen, SAML{})
	if c.Name != "__Host-stanza" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("got cookie %s, want __Host-stanza; Path=/; Secure; HttpOnly; SameSite=Lax; no Domain", c)
	}
	if c.MaxAge != int(AbsoluteTimeout/time.Second) {
		t.Errorf("Max-Age: got %d, want %d", c.MaxAge, int(AbsoluteTimeout/time.Second))
	}
}

func TestNewIDAtEachSignIn(t *testing.T) {
	s, _ := newStore(t)
	first, c1 := create(t, s, citizen, SAML{})
	// Signing in again from the same browser, at a higher level.
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c1)
	higher := citizen
	higher.Level = auth.SpidL3
	second, c2 := createFrom(t, s, r, higher, SAML{})
	if second.ID == first.ID || c2.Value == c1.Value || second.CSRF == first.CSRF {
		t.Fatalf("got the same id or token again: %q, %q", second.ID, second.CSRF)
	}
	if p, _ := load(t, s, c1); !p.Anonymous() {
		t.Errorf("old cookie: got %+v, want anonymous", p)
	}
	if p, _ := load(t, s, c2); p.Level != auth.SpidL3 {
		t.Errorf("new cookie: got level %q, want %q", p.Level, auth.SpidL3)
	}
}

func TestLoadAnonymous(t *testing.T) {
	s, _ := newStore(t)
	sess, _ := create(t, s, citizen, SAML{})
	// Still well-formed, one character changed.
	tampered := []byte(sess.ID)
	if tampered[5] == 'A' {
		tampered[5] = 'B'
	} else {
		tampered[5] = 'A'
	}
	unknown, err := randomToken()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		cookie *http.Cookie
	}{
		{"NoCookie", nil},
		{"EmptyCookie", &http.Cookie{Name: CookieName, Value: ""}},
		{"TamperedID", &http.Cookie{Name: CookieName, Value: string(tampered)}},
		{"UnknownID", &http.Cookie{Name: CookieName, Value: unknown}},
		{"TooLong", &http.Cookie{Name: CookieName, Value: sess.ID + "A"}},
		{"NotBase64", &http.Cookie{Name: CookieName, Value: strings.Repeat("!", len(sess.ID))}},
		{"Huge", &http.Cookie{Name: CookieName, Value: strings.Repeat("a", 4000)}},
		{"OtherCookieName", &http.Cookie{Name: "stanza", Value: sess.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, got := load(t, s, tt.cookie)
			if !p.Anonymous() || got.ID != "" {
				t.Errorf("got %+v, %+v, want anonymous", p, got)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name     string
		steps    []time.Duration // time between uses of the session
		wantLive bool            // after the last step
	}{
		{"FreshIsLive", []time.Duration{time.Second}, true},
		{"IdleJustUnderTimeoutIsLive", []time.Duration{IdleTimeout - time.Second}, true},
		{"IdleTimeoutEnds", []time.Duration{IdleTimeout}, false},
		{"UseKeepsAlive", []time.Duration{20 * time.Minute, 20 * time.Minute, 20 * time.Minute, 20 * time.Minute}, true},
		{"IdleAfterUseEnds", []time.Duration{20 * time.Minute, IdleTimeout}, false},
		{"AbsoluteTimeoutEndsEvenWhenUsed", repeat(20*time.Minute, int(AbsoluteTimeout/(20*time.Minute))), false},
		{"JustUnderAbsoluteTimeoutIsLive", append(repeat(20*time.Minute, int(AbsoluteTimeout/(20*time.Minute))-1), 20*time.Minute-time.Second), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clk := newStore(t)
			_, c := create(t, s, citizen, SAML{})
			var p auth.Principal
			for _, d := range tt.steps {
				clk.advance(d)
				p, _ = load(t, s, c)
			}
			if live := !p.Anonymous(); live != tt.wantLive {
				t.Errorf("got live=%v, want %v", live, tt.wantLive)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// TestSessionByCookieKey checks the access pattern "session of a request":
// PK "session#<sha256 of the id>", SK "session", expiring with the session,
// and that the stored record does not hold the id itself.
func TestSessionByCookieKey(t *testing.T) {
	s, _ := newStore(t)
	sess, _ := create(t, s, citizen, SAML{})
	item, err := s.db.Global().Get(context.Background(), store.Key{PK: "session#" + hashOf(sess.ID), SK: "session"})
	if err != nil {
		t.Fatalf("got %v, want the session's item", err)
	}
	if bytes.Contains(item.Data, []byte(sess.ID)) {
		t.Errorf("the stored record holds the session id: %s", item.Data)
	}
	if want := sess.Expires().Truncate(time.Second); !item.Expires.Equal(want) {
		t.Errorf("expiry: got %v, want %v", item.Expires, want)
	}
}

func TestLastUseWrittenAtMostOncePerInterval(t *testing.T) {
	s, clk := newStore(t)
	sess, c := create(t, s, citizen, SAML{})
	key := itemKey(hashOf(sess.ID))
	version := func() int64 {
		t.Helper()
		it, err := s.db.Global().Get(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		return it.Version
	}
	v0 := version()
	clk.advance(touchInterval - time.Second)
	if _, got := load(t, s, c); !got.LastSeen.Equal(sess.LastSeen) || version() != v0 {
		t.Errorf("within the interval: got last seen %v and version %d, want %v and %d (no write)", got.LastSeen, version(), sess.LastSeen, v0)
	}
	clk.advance(time.Second)
	if _, got := load(t, s, c); !got.LastSeen.Equal(clk.now.UTC()) || version() != v0+1 {
		t.Errorf("after the interval: got last seen %v and version %d, want %v and %d", got.LastSeen, version(), clk.now.UTC(), v0+1)
	}
}

func TestEnd(t *testing.T) {
	s, _ := newStore(t)
	sess, c := create(t, s, citizen, SAML{})
	_, keep := create(t, s, citizen, SAML{})
	w := httptest.NewRecorder()
	if err := s.End(context.Background(), w, sess.ID); err != nil {
		t.Fatalf("End: %v", err)
	}
	if p, _ := load(t, s, c); !p.Anonymous() {
		t.Errorf("ended session: got %+v, want anonymous", p)
	}
	if p, _ := load(t, s, keep); p.Anonymous() {
		t.Error("another session of the same citizen was ended too")
	}
	cleared := w.Result().Cookies()
	if len(cleared) != 1 || cleared[0].Name != CookieName || cleared[0].MaxAge >= 0 || cleared[0].Value != "" || !cleared[0].Secure {
		t.Errorf("got cookies %v, want %s cleared", cleared, CookieName)
	}
	for _, id := range []string{sess.ID, "", "not-an-id"} {
		if err := s.End(context.Background(), httptest.NewRecorder(), id); err != nil {
			t.Errorf("End(%q) again: got %v, want nil", id, err)
		}
	}
}

// TestEndAll checks the access pattern "every session of an account" (GSI1
// PK "sessions#<role>#<tenant>#<subject>") through its only user.
func TestEndAll(t *testing.T) {
	s, _ := newStore(t)
	var mine []*http.Cookie
	for range 3 {
		_, c := create(t, s, citizen, SAML{})
		mine = append(mine, c)
	}
	_, others := create(t, s, other, SAML{})
	_, staff := create(t, s, operator, SAML{})

	page, err := s.db.Global().Query(context.Background(), store.Query{Index: store.GSI1, PK: "sessions#citizen##" + citizen.Subject}, "")
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("index query: got %d items (%v), want 3", len(page.Items), err)
	}

	if err := s.EndAll(context.Background(), routes.Citizen, "", citizen.Subject); err != nil {
		t.Fatalf("EndAll: %v", err)
	}
	for i, c := range mine {
		if p, _ := load(t, s, c); !p.Anonymous() {
			t.Errorf("session %d of the account: got %+v, want anonymous", i, p)
		}
	}
	if p, _ := load(t, s, others); p.Subject != other.Subject {
		t.Errorf("another citizen's session: got %+v, want it live", p)
	}
	if p, _ := load(t, s, staff); p.Role != routes.Operator {
		t.Errorf("an operator with the same subject: got %+v, want it live", p)
	}
	if err := s.EndAll(context.Background(), routes.Citizen, "", citizen.Subject); err != nil {
		t.Errorf("EndAll with no sessions left: got %v, want nil", err)
	}
}

func TestEndOthersKeepsOneSession(t *testing.T) {
	s, _ := newStore(t)
	kept, keptCookie := create(t, s, operator, SAML{})
	_, ended := create(t, s, operator, SAML{})
	_, citizens := create(t, s, citizen, SAML{})

	if err := s.EndOthers(context.Background(), routes.Operator, operator.Tenant, operator.Subject, kept.ID); err != nil {
		t.Fatalf("EndOthers: %v", err)
	}
	if p, _ := load(t, s, keptCookie); p.Role != routes.Operator {
		t.Errorf("the kept session: got %+v, want it live", p)
	}
	if p, _ := load(t, s, ended); !p.Anonymous() {
		t.Errorf("the other session of the account: got %+v, want anonymous", p)
	}
	if p, _ := load(t, s, citizens); p.Role != routes.Citizen {
		t.Errorf("a citizen with the same subject: got %+v, want it live", p)
	}
}

func TestValidCSRF(t *testing.T) {
	sess := Session{CSRF: "token-123"}
	tests := []struct {
		name  string
		sess  Session
		token string
		want  bool
	}{
		{"Equal", sess, "token-123", true},
		{"Missing", sess, "", false},
		{"Different", sess, "token-124", false},
		{"Prefix", sess, "token-12", false},
		{"SessionWithoutToken", Session{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sess.ValidCSRF(tt.token); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestContext(t *testing.T) {
	if _, ok := FromContext(context.Background()); ok {
		t.Error("empty context: got a session, want none")
	}
	ctx := NewContext(context.Background(), Session{ID: "x", Role: routes.Admin})
	if got, ok := FromContext(ctx); !ok || got.ID != "x" {
		t.Errorf("got %+v, %v, want the session put in", got, ok)
	}
}

func TestStoreFailureIsAnError(t *testing.T) {
	db := bolttest.DB(t)
	s := NewStore(db)
	_, c := create(t, s, citizen, SAML{})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c)
	if _, _, err := s.Load(context.Background(), r); err == nil || fault.Is(err, fault.NotFound) {
		t.Errorf("got %v, want a store error", err)
	}
}
