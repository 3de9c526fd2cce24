package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/i18n"
	"github.com/stanzaportal/stanza/shared/routes"
)

// Profile is the signed-in citizen's account, how far it is from complete,
// and every acceptance of terms of use, in every Comune.
type Profile struct {
	Account  cittadino.Account      `json:"account"`
	Complete bool                   `json:"complete"`
	Missing  []string               `json:"missing"` // see cittadino.Account.Missing
	Terms    []cittadino.Acceptance `json:"terms"`
}

// contactsRequest changes the citizen's contact data; absent fields stay as
// they are. The identity fields are there only to be refused by name: they
// come from SPID or CIE, and an unknown-field error would not say so.
type contactsRequest struct {
	Email   *string            `json:"email"`
	Mobile  *string            `json:"mobile"`
	Address *cittadino.Address `json:"address"`

	FiscalCode   json.RawMessage `json:"fiscalCode"`
	Name         json.RawMessage `json:"name"`
	FamilyName   json.RawMessage `json:"familyName"`
	DateOfBirth  json.RawMessage `json:"dateOfBirth"`
	PlaceOfBirth json.RawMessage `json:"placeOfBirth"`
	Gender       json.RawMessage `json:"gender"`
}

// EmailVerification is the outcome of following a verification link.
type EmailVerification struct {
	Email    string `json:"email"`
	Verified bool   `json:"verified"`
}

// TermsOfUse is a Comune's terms in force. Accepted and AcceptedAt are set
// for a signed-in citizen only.
type TermsOfUse struct {
	cittadino.Terms
	Accepted   *bool      `json:"accepted,omitempty"`
	AcceptedAt *time.Time `json:"acceptedAt,omitempty"`
}

type acceptanceRequest struct {
	Version int `json:"version"`
}

type termsRequest struct {
	Text string `json:"text"`
}

// ServiceAccess says whether the caller may use a service now and, when
// not, what to do first (Reason, explained by Message): sign in (again) at
// RequiredLevel through LoginURL, accept the terms of TermsVersion, or fill
// in the Missing fields of the profile.
type ServiceAccess struct {
	Allowed       bool             `json:"allowed"`
	Reason        cittadino.Reason `json:"reason,omitempty"`
	Message       string           `json:"message,omitempty"`
	RequiredLevel auth.Level       `json:"requiredLevel"`
	LoginURL      string           `json:"loginURL,omitempty"`
	TermsVersion  int              `json:"termsVersion,omitempty"`
	Missing       []string         `json:"missing,omitempty"`
}

// citizenEndpoints serve the citizen's account and the terms of use. The
// guard in front of every route admits only the callers the route table
// names, so the account routes see citizens only, and the admin route only
// the Comune's admins.
func (s *Server) citizenEndpoints() map[string]Endpoint {
	if s.deps.Accounts == nil || s.deps.Terms == nil {
		return nil
	}
	return map[string]Endpoint{
		"GET /api/v1/me":                     {Handler: handle(s.profile), Response: Profile{}},
		"PATCH /api/v1/me":                   {Handler: handle(s.updateProfile), Response: Profile{}},
		"POST /api/v1/me/email-verification": {Handler: handle(s.sendVerification), Response: cittadino.Sent{}},
		"GET /api/v1/email-verification": {Handler: handle(s.verifyEmail), Response: EmailVerification{},
			Query: []Param{{"token", "The token of the link sent by email."}}},
		"GET /api/v1/tenants/{tenant}/terms":              {Handler: handle(s.terms), Response: TermsOfUse{}},
		"POST /api/v1/tenants/{tenant}/terms/acceptances": {Handler: handle(s.acceptTerms), Response: cittadino.Acceptance{}},
		"PUT /api/v1/tenants/{tenant}/admin/terms":        {Handler: handle(s.publishTerms), Response: cittadino.Terms{}},
		"GET /api/v1/tenants/{tenant}/services/{service}/access": {Handler: handle(s.serviceAccess), Response: ServiceAccess{},
			Query: []Param{{"next", "Where to come back after signing in: a path of this portal (default /)."}}},
	}
}

func (s *Server) writeProfile(w http.ResponseWriter, r *http.Request, a cittadino.Account) error {
	terms, err := s.deps.Terms.Acceptances(r.Context(), a.FiscalCode)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Profile{Account: a, Complete: a.Complete(), Missing: nonNil(a.Missing()), Terms: nonNil(terms)})
	return nil
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) error {
	a, err := s.deps.Accounts.Get(r.Context(), auth.FromContext(r.Context()).Subject)
	if err != nil {
		return err
	}
	return s.writeProfile(w, r, a)
}

func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) error {
	var req contactsRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	for _, f := range [][]byte{req.FiscalCode, req.Name, req.FamilyName, req.DateOfBirth, req.PlaceOfBirth, req.Gender} {
		if f != nil {
			return fault.New(fault.Invalid, "Codice fiscale, nome, cognome, data e luogo di nascita e sesso provengono da SPID o CIE e non si possono modificare.")
		}
	}
	a, err := s.deps.Accounts.UpdateContacts(r.Context(), auth.FromContext(r.Context()).Subject,
		cittadino.Contacts{Email: req.Email, Mobile: req.Mobile, Address: req.Address})
	if err != nil {
		return err
	}
	return s.writeProfile(w, r, a)
}

func (s *Server) sendVerification(w http.ResponseWriter, r *http.Request) error {
	sent, err := s.deps.Accounts.SendVerification(r.Context(), auth.FromContext(r.Context()).Subject)
	if fault.Is(err, fault.TooManyRequests) {
		w.Header().Set("Retry-After", strconv.Itoa(int(cittadino.Resend.Seconds())))
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sent)
	return nil
}

func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) error {
	a, err := s.deps.Accounts.VerifyEmail(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, EmailVerification{Email: a.Email, Verified: a.EmailVerified})
	return nil
}

func (s *Server) terms(w http.ResponseWriter, r *http.Request) error {
	c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	t, err := s.deps.Terms.Current(r.Context(), c.ID)
	if err != nil {
		return err
	}
	out := TermsOfUse{Terms: t}
	if p := auth.FromContext(r.Context()); p.Role == routes.Citizen {
		a, ok, err := s.deps.Terms.Accepted(r.Context(), p.Subject, c.ID, t.Version)
		if err != nil {
			return err
		}
		out.Accepted = &ok
		if ok {
			out.AcceptedAt = &a.AcceptedAt
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) acceptTerms(w http.ResponseWriter, r *http.Request) error {
	c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	var req acceptanceRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Version < 1 {
		return fault.New(fault.Invalid, "Indica la versione delle condizioni d'uso che accetti.")
	}
	a, err := s.deps.Terms.Accept(r.Context(), auth.FromContext(r.Context()).Subject, c.ID, req.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) publishTerms(w http.ResponseWriter, r *http.Request) error {
	c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	var req termsRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	t, err := s.deps.Terms.Publish(r.Context(), c.ID, req.Text)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// maxNext bounds the return path of a sign-in.
const maxNext = 512

// returnPath checks where a sign-in comes back to: a path of this portal,
// never another site ("//evil.example" and "/\evil.example" are other sites
// to browsers).
func returnPath(next string) (string, error) {
	if next == "" {
		return "/", nil
	}
	bad := fault.New(fault.Invalid, "Il parametro next deve essere un percorso di questo portale, ad esempio /servizi.")
	if len(next) > maxNext || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsRune(next, '\\') || strings.ContainsFunc(next, unicode.IsControl) {
		return "", bad
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "", bad
	}
	return next, nil
}

func (s *Server) serviceAccess(w http.ResponseWriter, r *http.Request) error {
	next, err := returnPath(r.URL.Query().Get("next"))
	if err != nil {
		return err
	}
	c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	svc, err := s.catalog(c.ID).Service(r.Context(), r.PathValue("service"))
	if err != nil {
		return err
	}
	d, err := cittadino.CheckAccess(r.Context(), s.deps.Accounts, s.deps.Terms, auth.FromContext(r.Context()), c.ID, svc.AuthLevel)
	if err != nil {
		return err
	}
	out := ServiceAccess{Allowed: d.Allowed, Reason: d.Reason, RequiredLevel: svc.AuthLevel, TermsVersion: d.TermsVersion, Missing: d.Missing}
	if d.Cause != nil {
		out.Message = detail(i18n.Negotiate(r), d.Cause)
	}
	if d.Reason == cittadino.NeedSignIn || d.Reason == cittadino.NeedLevel {
		out.LoginURL = "/auth/login?" + url.Values{"level": {string(svc.AuthLevel)}, "next": {next}}.Encode()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
