package testidp

import (
	"encoding/base64"
	"strings"
	"testing"
)

// spMetadata is SP metadata as SPID wants it, with two ACS (the default
// second) and a certificate wrapped over lines.
func spMetadata(t *testing.T) string {
	t.Helper()
	_, cert := spKey(t)
	b64 := base64.StdEncoding.EncodeToString(cert.Raw)
	wrapped := b64[:64] + "\n    " + b64[64:]
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + testSP + `">
 <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="true" WantAssertionsSigned="true">
  <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
    ` + wrapped + `
  </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://comune.example/auth/slo-in" ResponseLocation="` + testSLO + `"/>
  <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
  <md:AssertionConsumerService index="1" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://comune.example/auth/other"/>
  <md:AssertionConsumerService index="0" isDefault="true" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="` + testACS + `"/>
 </md:SPSSODescriptor>
</md:EntityDescriptor>`
}

func TestParseServiceProvider(t *testing.T) {
	sp, err := ParseServiceProvider([]byte(spMetadata(t)))
	if err != nil {
		t.Fatal(err)
	}
	if sp.EntityID != testSP || sp.ACS != testACS || sp.SLO != testSLO || sp.Certificate == nil {
		t.Errorf("got %+v, want entity %s, default ACS %s, SLO response location %s and a certificate", sp, testSP, testACS, testSLO)
	}
}

func TestParseServiceProviderErrors(t *testing.T) {
	md := spMetadata(t)
	tests := []struct{ name, metadata string }{
		{"ErrNotXML", "not xml"},
		{"ErrNoSPSSODescriptor", `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`},
		{"ErrNoPostACS", strings.ReplaceAll(md, "bindings:HTTP-POST\" Location=\"https://comune.example/auth/", "bindings:HTTP-Redirect\" Location=\"https://comune.example/auth/")},
		{"ErrBadCertificate", strings.Replace(md, "<ds:X509Certificate>", "<ds:X509Certificate>AAAA", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseServiceProvider([]byte(tt.metadata)); err == nil {
				t.Error("got no error")
			}
		})
	}
}
