package spid

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/testidp"
)

func TestLogoutRequest(t *testing.T) {
	sp := newSP(t, SPID)
	idp := registered(t, testIdP(t, SPID))
	for _, tt := range []struct {
		name string
		idp  IdP
	}{{"Redirect", idp}, {"Post", postOnly(idp)}} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := sp.LogoutRequest(tt.idp, "_nameid", idp.EntityID, "_session", relayState)
			if err != nil {
				t.Fatal(err)
			}
			var lr *etree.Element
			if tt.name == "Redirect" {
				lr = redirectMessage(t, sp, req.URL, "SAMLRequest")
			} else {
				lr = postMessage(t, sp, req, "SAMLRequest")
			}
			if lr.Tag != "LogoutRequest" || lr.NamespaceURI() != nsProtocol {
				t.Fatalf("root %s, want samlp:LogoutRequest", lr.FullTag())
			}
			wantAttr(t, lr, "ID", req.ID)
			wantAttr(t, lr, "Version", "2.0")
			wantAttr(t, lr, "Destination", tt.idp.SLO[req.Binding])
			if got := lr.SelectAttrValue("IssueInstant", ""); !spidInstant.MatchString(got) {
				t.Errorf("IssueInstant %q, want SPID's format", got)
			}
			iss := one(t, lr, "./Issuer")
			wantText(t, iss, testEntityID)
			wantAttr(t, iss, "Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
			wantAttr(t, iss, "NameQualifier", testEntityID)
			nid := one(t, lr, "./NameID")
			wantText(t, nid, "_nameid")
			wantAttr(t, nid, "Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:transient")
			wantAttr(t, nid, "NameQualifier", idp.EntityID)
			wantText(t, one(t, lr, "./SessionIndex"), "_session")
		})
	}
	t.Run("ErrNoSingleLogout", func(t *testing.T) {
		noSLO := idp
		noSLO.SLO = map[string]string{}
		if _, err := sp.LogoutRequest(noSLO, "_nameid", idp.EntityID, "_session", relayState); !errors.Is(err, ErrNoSingleLogout) {
			t.Fatalf("got %v, want ErrNoSingleLogout", err)
		}
	})
}

// postLogoutResponse is the IdP's LogoutResponse posted to the SLO.
func postLogoutResponse(t *testing.T, idp *testidp.IdP, o testidp.LogoutResponseOptions) *http.Request {
	t.Helper()
	xml, err := idp.LogoutResponse(o)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"SAMLResponse": {testidp.Encode(xml)}, "RelayState": {relayState}}
	r := httptest.NewRequest(http.MethodPost, testSLO, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// redirectLogoutResponse is the IdP's LogoutResponse sent by redirect, with
// the query signed.
func redirectLogoutResponse(t *testing.T, idp *testidp.IdP, o testidp.LogoutResponseOptions) *http.Request {
	t.Helper()
	o.Unsigned = true
	xml, err := idp.LogoutResponse(o)
	if err != nil {
		t.Fatal(err)
	}
	u, err := idp.RedirectURL(testSLO, "SAMLResponse", xml, relayState)
	if err != nil {
		t.Fatal(err)
	}
	return httptest.NewRequest(http.MethodGet, u, nil)
}

func TestParseLogoutResponse(t *testing.T) {
	sp := newSP(t, SPID)
	idp := testIdP(t, SPID)
	reg := registered(t, idp)
	const logoutID = "_logout1"
	ok := testidp.LogoutResponseOptions{InResponseTo: logoutID, Destination: testSLO}
	with := func(change func(o *testidp.LogoutResponseOptions)) testidp.LogoutResponseOptions {
		o := ok
		change(&o)
		return o
	}
	tests := []struct {
		name    string
		request func(t *testing.T) *http.Request
		pending string
		want    *fault.Error // nil: accepted
	}{
		{"PostOK", func(t *testing.T) *http.Request { return postLogoutResponse(t, idp, ok) }, logoutID, nil},
		{"RedirectOK", func(t *testing.T) *http.Request { return redirectLogoutResponse(t, idp, ok) }, logoutID, nil},
		{"Unsigned", func(t *testing.T) *http.Request {
			return postLogoutResponse(t, idp, with(func(o *testidp.LogoutResponseOptions) { o.Unsigned = true }))
		}, logoutID, ErrSignature},
		{"ChangedAfterSigning", func(t *testing.T) *http.Request {
			return postLogoutResponse(t, idp, with(func(o *testidp.LogoutResponseOptions) {
				o.Mutate = func(d *etree.Document) {
					d.Root().CreateAttr("Consent", "urn:oasis:names:tc:SAML:2.0:consent:obtained")
				}
			}))
		}, logoutID, ErrSignature},
		{"RedirectQueryChanged", func(t *testing.T) *http.Request {
			r := redirectLogoutResponse(t, idp, ok)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "RelayState="+relayState, "RelayState=altro"+relayState, 1)
			return r
		}, logoutID, ErrSignature},
		{"AnotherRequest", func(t *testing.T) *http.Request { return postLogoutResponse(t, idp, ok) }, "_logout2", ErrInResponseTo},
		{"NoPendingRequest", func(t *testing.T) *http.Request { return postLogoutResponse(t, idp, ok) }, "", ErrInResponseTo},
		{"AnotherIssuer", func(t *testing.T) *http.Request {
			return postLogoutResponse(t, idp, with(func(o *testidp.LogoutResponseOptions) { o.Issuer = "https://other-idp.example" }))
		}, logoutID, ErrIssuer},
		{"AnotherDestination", func(t *testing.T) *http.Request {
			return postLogoutResponse(t, idp, with(func(o *testidp.LogoutResponseOptions) { o.Destination = "https://elsewhere.example/slo" }))
		}, logoutID, ErrDestination},
		{"Old", func(t *testing.T) *http.Request {
			return postLogoutResponse(t, idp, with(func(o *testidp.LogoutResponseOptions) { o.IssueInstant = time.Now().Add(-time.Hour) }))
		}, logoutID, ErrIssueInstant},
		{"StatusNotSuccess", func(t *testing.T) *http.Request {
			return postLogoutResponse(t, idp, with(func(o *testidp.LogoutResponseOptions) { o.Status = testidp.StatusRequester }))
		}, logoutID, ErrLogoutStatus},
		{"NotBase64", func(t *testing.T) *http.Request {
			r := httptest.NewRequest(http.MethodPost, testSLO, strings.NewReader("SAMLResponse=%25%25%25"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, logoutID, ErrMalformed},
		{"TooLarge", func(t *testing.T) *http.Request {
			return httptest.NewRequest(http.MethodGet, testSLO+"?SAMLResponse="+strings.Repeat("A", maxLogoutBytes), nil)
		}, logoutID, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sp.ParseLogoutResponse(tt.request(t), LogoutExpect{RequestID: tt.pending, RequestIssued: time.Now().Add(-time.Minute), IdP: reg})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v, want the response accepted", err)
				}
				return
			}
			assertRejected(t, err, tt.want)
		})
	}
}
