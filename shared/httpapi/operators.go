package httpapi

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/session"
)

// OperatorLogin is the first step of an operator's sign-in.
type OperatorLogin struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// OperatorLoginStep is what the first step asks for next: "totp" (a code
// from the app, or a recovery code) or "enrol" (first sign-in: set up the
// app from Secret or the QR code, then send its first code).
type OperatorLoginStep struct {
	Step       operatore.Step `json:"step"`
	Challenge  string         `json:"challenge"` // to send back with the code, within five minutes
	Secret     string         `json:"secret,omitempty"`
	OTPAuthURL string         `json:"otpauthURL,omitempty"` // the content of the QR code
	QRCode     string         `json:"qrCode,omitempty"`     // data: URL of a PNG image
}

// OperatorSecondFactor completes a sign-in with exactly one of Code (from
// the app) or RecoveryCode.
type OperatorSecondFactor struct {
	Challenge    string `json:"challenge"`
	Code         string `json:"code,omitempty"`
	RecoveryCode string `json:"recoveryCode,omitempty"`
}

// OperatorEnrolment completes a first sign-in with the app's first code.
type OperatorEnrolment struct {
	Challenge string `json:"challenge"`
	Code      string `json:"code"`
}

// OperatorSession is a completed sign-in: the session, as GET
// /api/v1/session describes it, and the recovery codes when they change.
type OperatorSession struct {
	SessionInfo
	// RecoveryCodes are given at enrolment, in clear this once only.
	RecoveryCodes []string `json:"recoveryCodes,omitempty"`
	// RecoveryCodesLeft is set after signing in with a recovery code.
	RecoveryCodesLeft *int `json:"recoveryCodesLeft,omitempty"`
}

// PasswordChange is a signed-in operator's change of their own password.
type PasswordChange struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// OperatorList is a Comune's staff, by username.
type OperatorList struct {
	Items []operatore.Operator `json:"items"`
}

// NewOperatorRequest creates an operator or admin. Without a password, one
// is generated and returned once.
type NewOperatorRequest struct {
	Username string         `json:"username"`
	Name     string         `json:"name"`
	Email    string         `json:"email"`
	Role     operatore.Role `json:"role,omitempty"` // operator unless given
	Services []string       `json:"services,omitempty"`
	Offices  []string       `json:"offices,omitempty"` // ids of existing offices
	Password string         `json:"password,omitempty"`
}

// CreatedOperator is a new account, with its generated initial password.
type CreatedOperator struct {
	Operator        operatore.Operator `json:"operator"`
	InitialPassword string             `json:"initialPassword,omitempty"` // shown this once
}

// OperatorChange changes an account; absent fields stay as they are.
type OperatorChange struct {
	Role     *operatore.Role `json:"role,omitempty"`
	Services *[]string       `json:"services,omitempty"`
	Offices  *[]string       `json:"offices,omitempty"` // ids of existing offices
	Disabled *bool           `json:"disabled,omitempty"`
}

// APIKeyList is a Comune's partner keys, revoked ones included, without
// their secrets.
type APIKeyList struct {
	Items []apikey.Key `json:"items"`
}

// NewAPIKeyRequest issues a partner key with some of the scopes
// applications:read, applications:write, services:write, protocol:write.
type NewAPIKeyRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

// IssuedAPIKey is a new key and its token, which is shown this once: the
// partner sends it as "Authorization: Bearer <token>".
type IssuedAPIKey struct {
	Key   apikey.Key `json:"key"`
	Token string     `json:"token"`
}

// Bounds on sign-in fields: longer ones cannot match any account, so they
// are refused before any work.
const maxUsername = 64

// operatorEndpoints are the operators' sign-in and the administration of a
// Comune's staff and partner keys. They need the accounts' keys, derived
// from the portal's secret; a server built without them (tests of other
// features) leaves these routes unimplemented.
func (s *Server) operatorEndpoints() map[string]Endpoint {
	if s.deps.Operators == nil || s.deps.APIKeys == nil {
		return nil
	}
	const admin = "/api/v1/tenants/{tenant}/admin/"
	return map[string]Endpoint{
		"POST /api/v1/tenants/{tenant}/operator-login":               {Handler: handle(withRetryAfter(s.operatorLogin)), Response: OperatorLoginStep{}},
		"POST /api/v1/tenants/{tenant}/operator-login/totp":          {Handler: handle(withRetryAfter(s.operatorSecondFactor)), Response: OperatorSession{}},
		"POST /api/v1/tenants/{tenant}/operator-login/enrolment":     {Handler: handle(withRetryAfter(s.operatorEnrol)), Response: OperatorSession{}},
		"POST /api/v1/tenants/{tenant}/operator/password":            {Handler: handle(withRetryAfter(s.changeOwnPassword)), Response: operatore.Operator{}},
		"GET " + admin + "operators":                                 {Handler: handle(s.listOperators), Response: OperatorList{}},
		"POST " + admin + "operators":                                {Handler: handle(s.createOperator), Response: CreatedOperator{}},
		"PATCH " + admin + "operators/{operator}":                    {Handler: handle(s.changeOperator), Response: operatore.Operator{}},
		"POST " + admin + "operators/{operator}/second-factor-reset": {Handler: handle(s.resetSecondFactor), Response: operatore.Operator{}},
		"GET " + admin + "api-keys":                                  {Handler: handle(s.listAPIKeys), Response: APIKeyList{}},
		"POST " + admin + "api-keys":                                 {Handler: handle(s.issueAPIKey), Response: IssuedAPIKey{}},
		"DELETE " + admin + "api-keys/{key}":                         {Handler: handle(s.revokeAPIKey), Response: apikey.Key{}},
	}
}

// withRetryAfter tells a refused client when to try again.
func withRetryAfter(f func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		err := f(w, r)
		var retry *operatore.RetryError
		if errors.As(err, &retry) {
			w.Header().Set("Retry-After", strconv.Itoa(int(retry.RetryAfter.Seconds())))
		}
		return err
	}
}

// clientAddress is what sign-in attempts are counted by: the connection's
// peer. Behind API Gateway the Lambda adapter sets it to the gateway's
// source IP. X-Forwarded-For is not read: a client can write anything there.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginTenant returns the Comune of a sign-in's path, which must exist.
func (s *Server) loginTenant(r *http.Request) (string, error) {
	c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
	return c.ID, err
}

func (s *Server) operatorLogin(w http.ResponseWriter, r *http.Request) error {
	var in OperatorLogin
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	switch {
	case in.Username == "" || in.Password == "":
		return fault.New(fault.Invalid, "Indicare nome utente e password.")
	case len(in.Username) > maxUsername:
		return fault.New(fault.Invalid, "Il nome utente può avere al massimo %d caratteri.", maxUsername)
	case utf8.RuneCountInString(in.Password) > operatore.MaxPasswordLength:
		return fault.New(fault.Invalid, "La password può avere al massimo %d caratteri.", operatore.MaxPasswordLength)
	}
	tenant, err := s.loginTenant(r)
	if err != nil {
		return err
	}
	next, err := s.deps.Operators.SignIn(r.Context(), tenant, clientAddress(r), in.Username, in.Password)
	if err != nil {
		return err
	}
	out := OperatorLoginStep{Step: next.Step, Challenge: next.Challenge}
	if e := next.Enrolment; e != nil {
		out.Secret, out.OTPAuthURL, out.QRCode = e.Secret, e.OTPAuthURL, e.QRCode
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) operatorSecondFactor(w http.ResponseWriter, r *http.Request) error {
	var in OperatorSecondFactor
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Challenge == "" {
		return errNoChallenge
	}
	if (in.Code == "") == (in.RecoveryCode == "") {
		return fault.New(fault.Invalid, "Indicare il codice dell'app oppure un codice di recupero, non entrambi.")
	}
	tenant, err := s.loginTenant(r)
	if err != nil {
		return err
	}
	var out OperatorSession
	var op operatore.Operator
	if in.Code != "" {
		op, err = s.deps.Operators.VerifyTOTP(r.Context(), tenant, clientAddress(r), in.Challenge, in.Code)
	} else {
		var left int
		op, left, err = s.deps.Operators.VerifyRecoveryCode(r.Context(), tenant, clientAddress(r), in.Challenge, in.RecoveryCode)
		out.RecoveryCodesLeft = &left
	}
	if err != nil {
		return err
	}
	if out.SessionInfo, err = s.startOperatorSession(w, r, op); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) operatorEnrol(w http.ResponseWriter, r *http.Request) error {
	var in OperatorEnrolment
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Challenge == "" {
		return errNoChallenge
	}
	if in.Code == "" {
		return fault.New(fault.Invalid, "Indicare il codice mostrato dall'app.")
	}
	tenant, err := s.loginTenant(r)
	if err != nil {
		return err
	}
	op, codes, err := s.deps.Operators.Enrol(r.Context(), tenant, clientAddress(r), in.Challenge, in.Code)
	if err != nil {
		return err
	}
	out := OperatorSession{RecoveryCodes: codes}
	if out.SessionInfo, err = s.startOperatorSession(w, r, op); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

var errNoChallenge = fault.New(fault.Invalid, "Manca il riferimento alla verifica in corso: accedi di nuovo con nome utente e password.")

// startOperatorSession signs op in: a new session, with a new id, whatever
// the browser had before.
func (s *Server) startOperatorSession(w http.ResponseWriter, r *http.Request, op operatore.Operator) (SessionInfo, error) {
	manages, err := s.managed(r.Context(), op.Principal())
	if err != nil {
		return SessionInfo{}, err
	}
	sess, err := s.deps.Sessions.Create(r.Context(), w, r, op.Principal(), session.SAML{})
	if err != nil {
		return SessionInfo{}, err
	}
	return SessionInfo{
		SignedIn: true, Role: sess.Role.String(), Subject: sess.Subject, Tenant: sess.Tenant, Name: sess.Name,
		Services: sess.Services, Manages: manages, CSRFToken: sess.CSRF, ExpiresAt: sess.Expires(),
	}, nil
}

// changeOwnPassword changes the caller's password and signs out every other
// session of the account, under either role it may have been opened with:
// whoever signed in with the old password is out, and this browser stays in.
// The operator is told by email, from the change feed.
func (s *Server) changeOwnPassword(w http.ResponseWriter, r *http.Request) error {
	var in PasswordChange
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	sess, ok := session.FromContext(r.Context())
	if !ok {
		return fault.New(fault.Unauthorized, "Per continuare è necessario accedere.")
	}
	op, err := s.deps.Operators.ChangePassword(r.Context(), sess.Tenant, clientAddress(r), sess.Subject, in.Current, in.New)
	if err != nil {
		return err
	}
	for _, role := range []routes.Access{routes.Operator, routes.Admin} {
		if err := s.deps.Sessions.EndOthers(r.Context(), role, sess.Tenant, sess.Subject, sess.ID); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, op)
	return nil
}

func (s *Server) listOperators(w http.ResponseWriter, r *http.Request) error {
	list, err := s.deps.Operators.List(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, OperatorList{Items: nonNil(list)})
	return nil
}

func (s *Server) createOperator(w http.ResponseWriter, r *http.Request) error {
	var in NewOperatorRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Role == "" {
		in.Role = operatore.RoleOperator
	}
	if err := s.offices.Require(r.Context(), r.PathValue("tenant"), in.Offices); err != nil {
		return err
	}
	op, password, err := s.deps.Operators.Create(r.Context(), operatore.NewOperator{
		Tenant: r.PathValue("tenant"), Username: in.Username, Name: in.Name, Email: in.Email, Role: in.Role,
		Services: in.Services, Offices: in.Offices, Password: in.Password,
		CreatedBy: auth.FromContext(r.Context()).Subject,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, CreatedOperator{Operator: op, InitialPassword: password})
	return nil
}

func (s *Server) changeOperator(w http.ResponseWriter, r *http.Request) error {
	var in OperatorChange
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	tenant, username := r.PathValue("tenant"), r.PathValue("operator")
	if in.Offices != nil {
		if err := s.offices.Require(r.Context(), tenant, *in.Offices); err != nil {
			return err
		}
	}
	by := auth.FromContext(r.Context())
	op, err := s.deps.Operators.Update(r.Context(), tenant, username, operatore.Change{
		Role: in.Role, Services: in.Services, Offices: in.Offices, Disabled: in.Disabled,
	}, by)
	if err != nil {
		return err
	}
	// Sessions carry the role and services they were opened with: the
	// operator signs in again to get the new ones, and a disabled operator
	// is out at once.
	if in.Role != nil || in.Services != nil || in.Disabled != nil {
		if err := s.endStaffSessions(r, by, tenant, username); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, op)
	return nil
}

func (s *Server) resetSecondFactor(w http.ResponseWriter, r *http.Request) error {
	tenant, username := r.PathValue("tenant"), r.PathValue("operator")
	op, err := s.deps.Operators.ResetSecondFactor(r.Context(), tenant, username)
	if err != nil {
		return err
	}
	// A reset usually means a lost phone: whoever holds it may hold a
	// session too.
	if err := s.endStaffSessions(r, auth.FromContext(r.Context()), tenant, username); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, op)
	return nil
}

// endStaffSessions ends every session of an account, under either role it
// may have been opened with, except when the admin acting is that account:
// the changes allowed on oneself do not call for signing out.
func (s *Server) endStaffSessions(r *http.Request, by auth.Principal, tenant, username string) error {
	if by.Tenant == tenant && by.Subject == username {
		return nil
	}
	for _, role := range []routes.Access{routes.Operator, routes.Admin} {
		if err := s.deps.Sessions.EndAll(r.Context(), role, tenant, username); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	list, err := s.deps.APIKeys.List(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, APIKeyList{Items: nonNil(list)})
	return nil
}

func (s *Server) issueAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in NewAPIKeyRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	key, token, err := s.deps.APIKeys.Issue(r.Context(), r.PathValue("tenant"), in.Name, in.Scopes, auth.FromContext(r.Context()).Subject)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, IssuedAPIKey{Key: key, Token: token})
	return nil
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	key, err := s.deps.APIKeys.Revoke(r.Context(), r.PathValue("tenant"), r.PathValue("key"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, key)
	return nil
}
