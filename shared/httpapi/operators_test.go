package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pquerna/otp/totp"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/session"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/ufficio"
)

// newStaffServer returns the API over a store seeded with the demo Comune
// and its staff, with operator accounts and API keys wired as the portal
// wires them.
func newStaffServer(t *testing.T) http.Handler {
	t.Helper()
	return httpapi.NewServer(staffDeps(t)).Handler(routes.Functions...)
}

// staffDeps are the dependencies of newStaffServer.
func staffDeps(t *testing.T) httpapi.Deps {
	t.Helper()
	ctx := context.Background()
	db := bolttest.DB(t)
	if err := seed.Demo(ctx, db); err != nil {
		t.Fatal(err)
	}
	accounts, err := operatore.New(db, operatore.Keys{TOTP: bytes.Repeat([]byte{1}, 32), Challenges: bytes.Repeat([]byte{2}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Staff(ctx, accounts, ufficio.NewStore(db, accounts)); err != nil {
		t.Fatal(err)
	}
	keys := apikey.New(db)
	return httpapi.Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db,
		Operators: accounts, APIKeys: keys, Keys: keys,
	}
}

// browser is one client of the API: its address, and the session cookie
// and CSRF token it got at sign-in.
type browser struct {
	h       http.Handler
	address string
	cookie  *http.Cookie
	csrf    string
}

func newBrowser(h http.Handler, address string) *browser { return &browser{h: h, address: address} }

// send sends body (a value encoded as JSON, or a string sent as it is)
// with the given Content-Type, and keeps the session cookie it gets.
func (b *browser) send(t *testing.T, method, target, contentType string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var raw []byte
	switch v := body.(type) {
	case nil:
	case string:
		raw = []byte(v)
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	r := httptest.NewRequest(method, target, bytes.NewReader(raw))
	r.RemoteAddr = b.address + ":40000"
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if b.cookie != nil {
		r.AddCookie(b.cookie)
		r.Header.Set("X-CSRF-Token", b.csrf)
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.Name == session.CookieName {
			b.cookie = c
		}
	}
	return w
}

func (b *browser) json(t *testing.T, method, target string, body any) *httptest.ResponseRecorder {
	t.Helper()
	return b.send(t, method, target, "application/json", body)
}

// decode reads a JSON response of status want into v.
func decode(t *testing.T, w *httptest.ResponseRecorder, want int, v any) {
	t.Helper()
	if w.Code != want {
		t.Fatalf("got %d %s, want %d", w.Code, w.Body, want)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("%v in %s", err, w.Body)
	}
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	loginPath     = "/api/v1/tenants/esempio/operator-login"
	operatorsPath = "/api/v1/tenants/esempio/admin/operators"
	apiKeysPath   = "/api/v1/tenants/esempio/admin/api-keys"
)

// signInStaff signs b in with a password and a code from secret (base32),
// taken at, and returns the session the API describes.
func (b *browser) signInStaff(t *testing.T, username, password, secret string, at time.Time) httpapi.OperatorSession {
	t.Helper()
	var step httpapi.OperatorLoginStep
	decode(t, b.json(t, "POST", loginPath, httpapi.OperatorLogin{Username: username, Password: password}), 200, &step)
	if step.Step != operatore.StepTOTP {
		t.Fatalf("got step %q, want totp", step.Step)
	}
	var out httpapi.OperatorSession
	decode(t, b.json(t, "POST", loginPath+"/totp", httpapi.OperatorSecondFactor{Challenge: step.Challenge, Code: totpCode(t, secret, at)}), 200, &out)
	b.csrf = out.CSRFToken
	return out
}

func TestSeededOperatorSignsIn(t *testing.T) {
	h := newStaffServer(t)
	b := newBrowser(h, "192.0.2.1")
	out := b.signInStaff(t, seed.DemoOperatorUsername, seed.DemoOperatorPassword, seed.DemoTOTPSecret, time.Now())
	if !out.SignedIn || out.Role != "operator" || out.Subject != "operatore" || out.Tenant != "esempio" || len(out.Services) == 0 || out.CSRFToken == "" {
		t.Errorf("got %+v, want the operator's session with services and a CSRF token", out)
	}
	c := b.cookie
	if c == nil || c.Value == "" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("got cookie %v, want the session cookie", c)
	}

	var info httpapi.SessionInfo
	decode(t, b.json(t, "GET", "/api/v1/session", nil), 200, &info)
	if !info.SignedIn || info.Role != "operator" || info.Subject != "operatore" || info.CSRFToken != out.CSRFToken {
		t.Errorf("GET /api/v1/session: got %+v, want the operator", info)
	}
	if w := b.json(t, "GET", operatorsPath, nil); w.Code != 403 {
		t.Errorf("operator on an admin route: got %d %s, want 403", w.Code, w.Body)
	}
}

// TestNewOperatorEnrols follows an operator from creation by the admin to
// their first sign-in, enrolment and a sign-in with a recovery code.
func TestNewOperatorEnrols(t *testing.T) {
	h := newStaffServer(t)
	now := time.Now()
	admin := newBrowser(h, "192.0.2.1")
	admin.signInStaff(t, seed.DemoAdminUsername, seed.DemoAdminPassword, seed.DemoTOTPSecret, now)

	var created httpapi.CreatedOperator
	decode(t, admin.json(t, "POST", operatorsPath, httpapi.NewOperatorRequest{
		Username: "lucia.neri", Name: "Lucia Neri", Email: "lucia.neri@comune-esempio.example.org",
		Services: []string{"permesso-ztl"}, Offices: []string{"polizia-locale"},
	}), 200, &created)
	if created.InitialPassword == "" || created.Operator.Role != operatore.RoleOperator || created.Operator.Enrolled || created.Operator.CreatedBy != "admin" {
		t.Fatalf("got %+v, want a new operator, not enrolled, with an initial password", created)
	}

	b := newBrowser(h, "192.0.2.2")
	var step httpapi.OperatorLoginStep
	decode(t, b.json(t, "POST", loginPath, httpapi.OperatorLogin{Username: "lucia.neri", Password: created.InitialPassword}), 200, &step)
	if step.Step != operatore.StepEnrol || step.Secret == "" || !strings.HasPrefix(step.OTPAuthURL, "otpauth://totp/") || !strings.HasPrefix(step.QRCode, "data:image/png;base64,") {
		t.Fatalf("got %+v, want the enrolment step with secret, URI and QR code", step)
	}
	if b.cookie != nil {
		t.Fatal("got a session cookie after the password alone, want none")
	}
	var enrolled httpapi.OperatorSession
	decode(t, b.json(t, "POST", loginPath+"/enrolment", httpapi.OperatorEnrolment{Challenge: step.Challenge, Code: totpCode(t, step.Secret, now)}), 200, &enrolled)
	if len(enrolled.RecoveryCodes) != operatore.RecoveryCodes || !enrolled.SignedIn || enrolled.Subject != "lucia.neri" || b.cookie == nil {
		t.Fatalf("got %+v, want a session and %d recovery codes", enrolled, operatore.RecoveryCodes)
	}

	// Later, from another browser, with a recovery code.
	other := newBrowser(h, "192.0.2.3")
	step = httpapi.OperatorLoginStep{}
	decode(t, other.json(t, "POST", loginPath, httpapi.OperatorLogin{Username: "lucia.neri", Password: created.InitialPassword}), 200, &step)
	if step.Step != operatore.StepTOTP || step.Secret != "" {
		t.Fatalf("got %+v, want the TOTP step without the secret", step)
	}
	var recovered httpapi.OperatorSession
	decode(t, other.json(t, "POST", loginPath+"/totp", httpapi.OperatorSecondFactor{Challenge: step.Challenge, RecoveryCode: enrolled.RecoveryCodes[0]}), 200, &recovered)
	if recovered.RecoveryCodesLeft == nil || *recovered.RecoveryCodesLeft != operatore.RecoveryCodes-1 || recovered.RecoveryCodes != nil {
		t.Errorf("got %+v, want %d codes left and no new codes", recovered, operatore.RecoveryCodes-1)
	}
	other.csrf = recovered.CSRFToken
	w := other.json(t, "POST", loginPath+"/totp", httpapi.OperatorSecondFactor{Challenge: step.Challenge, RecoveryCode: enrolled.RecoveryCodes[0]})
	if w.Code != 401 {
		t.Errorf("used recovery code: got %d %s, want 401", w.Code, w.Body)
	}
}

func TestAdminManagesOperators(t *testing.T) {
	h := newStaffServer(t)
	now := time.Now()
	admin := newBrowser(h, "192.0.2.1")
	admin.signInStaff(t, seed.DemoAdminUsername, seed.DemoAdminPassword, seed.DemoTOTPSecret, now)
	op := newBrowser(h, "192.0.2.2")
	op.signInStaff(t, seed.DemoOperatorUsername, seed.DemoOperatorPassword, seed.DemoTOTPSecret, now)
	signedIn := func(b *browser) bool {
		var info httpapi.SessionInfo
		decode(t, b.json(t, "GET", "/api/v1/session", nil), 200, &info)
		return info.SignedIn
	}

	var list httpapi.OperatorList
	decode(t, admin.json(t, "GET", operatorsPath, nil), 200, &list)
	var names []string
	for _, o := range list.Items {
		names = append(names, o.Username)
	}
	if !slices.Equal(names, []string{"admin", "operatore"}) {
		t.Errorf("list: got %q, want admin and operatore", names)
	}
	if strings.Contains(admin.json(t, "GET", operatorsPath, nil).Body.String(), "argon2") {
		t.Error("list: got a password hash in the answer")
	}

	t.Run("ChangeServicesEndsSessions", func(t *testing.T) {
		var changed operatore.Operator
		decode(t, admin.json(t, "PATCH", operatorsPath+"/operatore", map[string]any{"services": []string{"accesso-atti"}}), 200, &changed)
		if !slices.Equal(changed.Services, []string{"accesso-atti"}) {
			t.Errorf("got services %q, want [accesso-atti]", changed.Services)
		}
		if signedIn(op) {
			t.Error("got the operator still signed in, want their session ended")
		}
		if !signedIn(admin) {
			t.Error("got the admin signed out, want them signed in")
		}
	})
	t.Run("ErrAdminCannotDisableThemselves", func(t *testing.T) {
		w := admin.json(t, "PATCH", operatorsPath+"/admin", map[string]any{"disabled": true})
		if w.Code != 403 {
			t.Errorf("got %d %s, want 403", w.Code, w.Body)
		}
		w = admin.json(t, "PATCH", operatorsPath+"/admin", map[string]any{"role": "operator"})
		if w.Code != 403 {
			t.Errorf("demote: got %d %s, want 403", w.Code, w.Body)
		}
	})
	t.Run("ResetSecondFactor", func(t *testing.T) {
		var reset operatore.Operator
		decode(t, admin.json(t, "POST", operatorsPath+"/operatore/second-factor-reset", nil), 200, &reset)
		if reset.Enrolled {
			t.Error("got enrolled, want the second factor removed")
		}
		var step httpapi.OperatorLoginStep
		decode(t, newBrowser(h, "192.0.2.5").json(t, "POST", loginPath, httpapi.OperatorLogin{Username: "operatore", Password: seed.DemoOperatorPassword}), 200, &step)
		if step.Step != operatore.StepEnrol || step.Secret == seed.DemoTOTPSecret {
			t.Errorf("got %+v, want enrolment of a new secret", step)
		}
	})
	t.Run("DisableRefusesSignIn", func(t *testing.T) {
		var changed operatore.Operator
		decode(t, admin.json(t, "PATCH", operatorsPath+"/operatore", map[string]any{"disabled": true}), 200, &changed)
		if !changed.Disabled {
			t.Fatal("got enabled, want disabled")
		}
		w := newBrowser(h, "192.0.2.6").json(t, "POST", loginPath, httpapi.OperatorLogin{Username: "operatore", Password: seed.DemoOperatorPassword})
		if w.Code != 401 || !strings.Contains(w.Body.String(), "Nome utente o password non corretti") {
			t.Errorf("got %d %s, want the generic 401", w.Code, w.Body)
		}
	})
	t.Run("ErrUnknownOperator", func(t *testing.T) {
		if w := admin.json(t, "PATCH", operatorsPath+"/nessuno", map[string]any{"disabled": true}); w.Code != 404 {
			t.Errorf("got %d %s, want 404", w.Code, w.Body)
		}
	})
}

func TestAdminManagesAPIKeys(t *testing.T) {
	h := newStaffServer(t)
	admin := newBrowser(h, "192.0.2.1")
	admin.signInStaff(t, seed.DemoAdminUsername, seed.DemoAdminPassword, seed.DemoTOTPSecret, time.Now())

	var issued httpapi.IssuedAPIKey
	decode(t, admin.json(t, "POST", apiKeysPath, httpapi.NewAPIKeyRequest{Name: "Protocollo informatico", Scopes: []string{apikey.ScopeProtocolWrite}}), 200, &issued)
	if !strings.HasPrefix(issued.Token, "stz_"+issued.Key.ID+"_") || issued.Key.CreatedBy != "admin" {
		t.Fatalf("got %+v, want a token for the new key", issued)
	}
	w := admin.json(t, "GET", apiKeysPath, nil)
	var list httpapi.APIKeyList
	decode(t, w, 200, &list)
	secret := issued.Token[strings.LastIndex(issued.Token, "_")+1:]
	if len(list.Items) != 1 || list.Items[0].ID != issued.Key.ID || strings.Contains(w.Body.String(), secret) || strings.Contains(w.Body.String(), "hash") {
		t.Errorf("got %s, want the key without its secret or hash", w.Body)
	}

	// The partner calls a route of its Comune with the key.
	partner := func(tenant string) int {
		r := httptest.NewRequest("GET", "/api/v1/tenants/"+tenant+"/applications", nil)
		r.Header.Set("Authorization", "Bearer "+issued.Token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if got := partner("esempio"); got == 401 || got == 403 {
		t.Errorf("own Comune: got %d, want the key admitted", got)
	}
	if got := partner("altro"); got != 401 {
		t.Errorf("another Comune: got %d, want 401", got)
	}

	var revoked apikey.Key
	decode(t, admin.json(t, "DELETE", apiKeysPath+"/"+issued.Key.ID, nil), 200, &revoked)
	if !revoked.Revoked() {
		t.Errorf("got %+v, want revoked", revoked)
	}
	if got := partner("esempio"); got != 401 {
		t.Errorf("revoked key: got %d, want 401", got)
	}
	if w := admin.json(t, "DELETE", apiKeysPath+"/aaaaaaaaaaaaaaaa", nil); w.Code != 404 {
		t.Errorf("unknown key: got %d %s, want 404", w.Code, w.Body)
	}
}

func TestOperatorLoginLocksAndLimits(t *testing.T) {
	h := newStaffServer(t)
	t.Run("LockAfterFiveFailures", func(t *testing.T) {
		var w *httptest.ResponseRecorder
		for i := range 5 {
			w = newBrowser(h, fmt.Sprintf("192.0.2.%d", i+1)).json(t, "POST", loginPath, httpapi.OperatorLogin{Username: "admin", Password: "una password sbagliata"})
			if i < 4 && w.Code != 401 {
				t.Fatalf("failure %d: got %d %s, want 401", i+1, w.Code, w.Body)
			}
		}
		if w.Code != 429 || w.Header().Get("Retry-After") != "900" || !strings.Contains(w.Body.String(), "bloccato") {
			t.Errorf("fifth failure: got %d, Retry-After %q, %s; want 429 after 900 s", w.Code, w.Header().Get("Retry-After"), w.Body)
		}
	})
	t.Run("RatePerAddress", func(t *testing.T) {
		b := newBrowser(h, "198.51.100.1")
		var w *httptest.ResponseRecorder
		for i := range 11 {
			w = b.json(t, "POST", loginPath, httpapi.OperatorLogin{Username: fmt.Sprintf("utente%d", i), Password: "una password qualsiasi"})
		}
		if w.Code != 429 || w.Header().Get("Retry-After") == "" {
			t.Errorf("eleventh attempt in a minute: got %d, Retry-After %q; want 429 with Retry-After", w.Code, w.Header().Get("Retry-After"))
		}
	})
}

func TestOperatorEndpointsRefuseBadInput(t *testing.T) {
	h := newStaffServer(t)
	admin := newBrowser(h, "192.0.2.1")
	admin.signInStaff(t, seed.DemoAdminUsername, seed.DemoAdminPassword, seed.DemoTOTPSecret, time.Now())
	anon := newBrowser(h, "192.0.2.2")
	login := `{"username":"operatore","password":"` + seed.DemoOperatorPassword + `"}`
	tests := []struct {
		name        string
		b           *browser
		method      string
		target      string
		contentType string
		body        string
		want        int
		wantIn      string
	}{
		{"ErrNoContentType", anon, "POST", loginPath, "", login, 415, ""},
		{"ErrFormContentType", anon, "POST", loginPath, "application/x-www-form-urlencoded", "username=a&password=b", 415, ""},
		{"ErrNotJSON", anon, "POST", loginPath, "application/json", "username=a", 400, ""},
		{"ErrUnknownField", anon, "POST", loginPath, "application/json", `{"username":"a","password":"b","remember":true}`, 400, "remember"},
		{"ErrOversized", anon, "POST", loginPath, "application/json", `{"username":"a","password":"` + strings.Repeat("x", 70_000) + `"}`, 413, ""},
		{"ErrMissingPassword", anon, "POST", loginPath, "application/json", `{"username":"operatore"}`, 400, "Indicare nome utente e password"},
		{"ErrLongUsername", anon, "POST", loginPath, "application/json", `{"username":"` + strings.Repeat("a", 65) + `","password":"b"}`, 400, ""},
		{"ErrLongPassword", anon, "POST", loginPath, "application/json", `{"username":"a","password":"` + strings.Repeat("x", 129) + `"}`, 400, ""},
		{"ErrUnknownComune", anon, "POST", "/api/v1/tenants/atlantide/operator-login", "application/json", login, 404, ""},
		{"ErrWrongPasswordIsGeneric", anon, "POST", loginPath, "application/json", `{"username":"operatore","password":"una password sbagliata"}`, 401, "Nome utente o password non corretti"},
		{"ErrUnknownUserIsGeneric", anon, "POST", loginPath, "application/json", `{"username":"nessuno","password":"una password sbagliata"}`, 401, "Nome utente o password non corretti"},
		{"ErrTOTPWithoutChallenge", anon, "POST", loginPath + "/totp", "application/json", `{"code":"123456"}`, 400, ""},
		{"ErrTOTPWithBothCodes", anon, "POST", loginPath + "/totp", "application/json", `{"challenge":"x","code":"123456","recoveryCode":"abcd"}`, 400, ""},
		{"ErrTOTPWithNoCode", anon, "POST", loginPath + "/totp", "application/json", `{"challenge":"x"}`, 400, ""},
		{"ErrTOTPForgedChallenge", anon, "POST", loginPath + "/totp", "application/json", `{"challenge":"eyJ0IjoiZXNlbXBpbyJ9.AAAA","code":"123456"}`, 401, "accedi di nuovo"},
		{"ErrEnrolWithoutCode", anon, "POST", loginPath + "/enrolment", "application/json", `{"challenge":"x"}`, 400, ""},
		{"ErrEnrolWithRecoveryCode", anon, "POST", loginPath + "/enrolment", "application/json", `{"challenge":"x","code":"123456","recoveryCode":"a"}`, 400, ""},
		{"ErrCreateWithoutUsername", admin, "POST", operatorsPath, "application/json", `{"name":"Anna","email":"anna@comune-esempio.example.org"}`, 400, ""},
		{"ErrCreateWeakPassword", admin, "POST", operatorsPath, "application/json", `{"username":"anna","name":"Anna","email":"anna@comune-esempio.example.org","password":"corta"}`, 400, "12 caratteri"},
		{"ErrCreateTaken", admin, "POST", operatorsPath, "application/json", `{"username":"operatore","name":"Anna","email":"anna@comune-esempio.example.org"}`, 409, ""},
		{"ErrCreateBadRole", admin, "POST", operatorsPath, "application/json", `{"username":"anna","name":"Anna","email":"anna@comune-esempio.example.org","role":"root"}`, 400, ""},
		{"ErrCreateNotJSON", admin, "POST", operatorsPath, "text/plain", `{"username":"anna"}`, 415, ""},
		{"ErrChangeNothing", admin, "PATCH", operatorsPath + "/operatore", "application/json", `{}`, 400, ""},
		{"ErrChangeServicesNotAList", admin, "PATCH", operatorsPath + "/operatore", "application/json", `{"services":"tutti"}`, 400, "services"},
		{"ErrKeyUnknownScope", admin, "POST", apiKeysPath, "application/json", `{"name":"Protocollo","scopes":["admin"]}`, 400, ""},
		{"ErrKeyWithoutScopes", admin, "POST", apiKeysPath, "application/json", `{"name":"Protocollo"}`, 400, ""},
		{"ErrKeyNameTooLong", admin, "POST", apiKeysPath, "application/json", `{"name":"` + strings.Repeat("a", 101) + `","scopes":["protocol:write"]}`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.b.send(t, tt.method, tt.target, tt.contentType, tt.body)
			if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.wantIn) {
				t.Errorf("got %d %s, want %d with %q", w.Code, w.Body, tt.want, tt.wantIn)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("got Content-Type %q, want application/problem+json", ct)
			}
		})
	}
}

// TestOperatorResponsesMatchDocument checks the answers of these endpoints,
// successes and problems, against the API document.
func TestOperatorResponsesMatchDocument(t *testing.T) {
	h := newStaffServer(t)
	doc, err := libopenapi.NewDocument(apiDocument(t, h))
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	check := func(t *testing.T, b *browser, method, target string, body any) *httptest.ResponseRecorder {
		t.Helper()
		w := b.json(t, method, target, body)
		req := httptest.NewRequest(method, "http://localhost"+target, nil)
		resp := w.Result()
		resp.Request = req
		if ok, verrs := v.ValidateHttpResponse(req, resp); !ok {
			for _, e := range verrs {
				t.Errorf("%s %s: %d response: %s: %s", method, target, resp.StatusCode, e.Message, e.Reason)
				for _, se := range e.SchemaValidationErrors {
					t.Errorf("  %s at %s", se.Reason, se.FieldPath)
				}
			}
		}
		return w
	}
	now := time.Now()
	admin := newBrowser(h, "192.0.2.1")
	var step httpapi.OperatorLoginStep
	decode(t, check(t, admin, "POST", loginPath, httpapi.OperatorLogin{Username: "admin", Password: seed.DemoAdminPassword}), 200, &step)
	var out httpapi.OperatorSession
	decode(t, check(t, admin, "POST", loginPath+"/totp", httpapi.OperatorSecondFactor{Challenge: step.Challenge, Code: totpCode(t, seed.DemoTOTPSecret, now)}), 200, &out)
	admin.csrf = out.CSRFToken

	var created httpapi.CreatedOperator
	decode(t, check(t, admin, "POST", operatorsPath, httpapi.NewOperatorRequest{Username: "lucia", Name: "Lucia", Email: "lucia@comune-esempio.example.org"}), 200, &created)
	check(t, admin, "GET", operatorsPath, nil)
	check(t, admin, "PATCH", operatorsPath+"/lucia", map[string]any{"offices": []string{"urp"}})
	check(t, admin, "POST", operatorsPath+"/lucia/second-factor-reset", nil)
	var issued httpapi.IssuedAPIKey
	decode(t, check(t, admin, "POST", apiKeysPath, httpapi.NewAPIKeyRequest{Name: "Protocollo", Scopes: []string{apikey.ScopeProtocolWrite}}), 200, &issued)
	check(t, admin, "GET", apiKeysPath, nil)
	check(t, admin, "DELETE", apiKeysPath+"/"+issued.Key.ID, nil)
	check(t, admin, "PATCH", operatorsPath+"/lucia", map[string]any{})
	check(t, admin, "POST", passwordPath, httpapi.PasswordChange{Current: seed.DemoAdminPassword, New: newPassword})
	check(t, admin, "POST", passwordPath, httpapi.PasswordChange{Current: "una password sbagliata", New: seed.DemoAdminPassword})

	lucia := newBrowser(h, "192.0.2.2")
	decode(t, check(t, lucia, "POST", loginPath, httpapi.OperatorLogin{Username: "lucia", Password: created.InitialPassword}), 200, &step)
	check(t, lucia, "POST", loginPath+"/enrolment", httpapi.OperatorEnrolment{Challenge: step.Challenge, Code: totpCode(t, step.Secret, now)})
	check(t, newBrowser(h, "192.0.2.3"), "POST", loginPath, httpapi.OperatorLogin{Username: "lucia", Password: "una password sbagliata"})
}
