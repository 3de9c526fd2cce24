package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/i18n"
	"github.com/stanzaportal/stanza/shared/signin"
)

// ProviderList lists the identity providers of the sign-in button.
type ProviderList struct {
	Items []signin.Provider `json:"items"`
}

// maxSAMLForm bounds a form posted by an identity provider: a SPID Response
// is a few KiB; the spid package refuses anything over its own limit too.
const maxSAMLForm = 512 << 10

// samlEndpoints are the browser's side of a SPID or CIE sign-in. Their
// errors are pages, not JSON: a citizen's browser lands on them.
func (s *Server) samlEndpoints() map[string]Endpoint {
	in := s.deps.SignIn
	if in == nil {
		return nil
	}
	metadata := func(cie bool) http.Handler {
		return handle(func(w http.ResponseWriter, r *http.Request) error {
			md, err := in.Metadata(cie)
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/samlmetadata+xml")
			_, err = w.Write(md)
			return err
		})
	}
	return map[string]Endpoint{
		"GET /auth/spid/metadata": {Handler: metadata(false), Produces: "application/samlmetadata+xml", Cache: "public, max-age=3600"},
		"GET /auth/cie/metadata":  {Handler: metadata(true), Produces: "application/samlmetadata+xml", Cache: "public, max-age=3600"},
		"GET /auth/idps": {
			Response: ProviderList{},
			Cache:    "public, max-age=300",
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				writeJSON(w, http.StatusOK, ProviderList{Items: nonNil(in.Providers())})
				return nil
			}),
		},
		"GET /auth/login": {
			Produces: "text/html",
			Query: []Param{
				{"idp", "Entity ID of the chosen identity provider (from /auth/idps)."},
				{"level", "Minimum level: spid-l1 (default), spid-l2 or spid-l3."},
				{"next", "Path of the portal to return to after signing in."},
			},
			Handler: page(func(w http.ResponseWriter, r *http.Request) error {
				q := r.URL.Query()
				level := auth.Level(q.Get("level"))
				if level == "" {
					level = auth.SpidL1
				}
				req, err := in.Start(r.Context(), q.Get("idp"), level, q.Get("next"))
				if err != nil {
					return err
				}
				nonce, err := newNonce()
				if err != nil {
					return err
				}
				if form := req.HTML(nonce); form != nil {
					w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; form-action "+formAction(req.URL)+"; frame-ancestors 'none'")
					w.Header().Set("Content-Type", "text/html; charset=utf-8")
					_, err := w.Write(form)
					return err
				}
				http.Redirect(w, r, req.URL, http.StatusFound)
				return nil
			}),
		},
		"POST /auth/acs": {
			Produces: "text/html",
			Handler: page(func(w http.ResponseWriter, r *http.Request) error {
				r.Body = http.MaxBytesReader(w, r.Body, maxSAMLForm)
				if err := r.ParseForm(); err != nil {
					return fault.Wrap(err, fault.Invalid, "La risposta dell'identity provider non è leggibile.")
				}
				next, err := in.Finish(r.Context(), w, r)
				if err != nil {
					return err
				}
				http.Redirect(w, r, next, http.StatusSeeOther)
				return nil
			}),
		},
		"GET /auth/slo": {Produces: "text/html", Handler: page(s.finishLogout), Query: []Param{
			{"SAMLResponse", "The identity provider's LogoutResponse (HTTP-Redirect binding)."},
			{"RelayState", "The token the logout request carried."},
			{"SigAlg", "Signature algorithm of the redirect binding."},
			{"Signature", "Signature of the redirect binding."},
		}},
		"POST /auth/slo": {Produces: "text/html", Handler: page(s.finishLogout)},
	}
}

func (s *Server) finishLogout(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxSAMLForm)
	next, err := s.deps.SignIn.FinishLogout(r.Context(), r)
	if err != nil {
		// The session ended when the citizen asked to sign out; an answer
		// that does not check out changes nothing for them.
		Logger(r.Context()).Warn("single logout", "error", err.Error())
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func newNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// formAction is the origin a posted form may go to, for the page's CSP.
func formAction(target string) string {
	if i := strings.Index(target, "://"); i >= 0 {
		if j := strings.IndexByte(target[i+3:], '/'); j >= 0 {
			return target[:i+3+j]
		}
	}
	return target
}

// errorPage shows a sign-in failure to the citizen: what happened, in their
// language, and a way back. Internal errors are logged and shown generically.
var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title></head>
<body>
<main>
<h1>{{.Title}}</h1>
<p>{{.Detail}}</p>
<p><a href="/">{{.Back}}</a></p>
</main>
</body>
</html>
`))

// page adapts a browser-facing handler: its errors become an HTML page with
// the status the problem table gives.
func page(f func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := f(w, r)
		if err == nil {
			return
		}
		p := problemOf(r, err)
		lang := i18n.Negotiate(r)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			p.Status = http.StatusRequestEntityTooLarge
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(p.Status)
		_ = errorPage.Execute(w, map[string]string{
			"Lang":   lang.String(),
			"Title":  p.Title,
			"Detail": p.Detail,
			"Back":   i18n.Sprintf(lang, "Torna alla pagina iniziale"),
		})
	})
}
