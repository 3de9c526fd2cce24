package spid

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crewjam/saml"
)

// aggregate wraps entity descriptors in an EntitiesDescriptor, as the SPID
// registry publishes them.
func aggregate(t *testing.T, metadata ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" Name="spid">`)
	for _, md := range metadata {
		b.Write(bytes.TrimPrefix(md, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)))
	}
	b.WriteString(`</md:EntitiesDescriptor>`)
	return b.Bytes()
}

func idpMetadata(t *testing.T, cie bool) []byte {
	t.Helper()
	v := SPID
	if cie {
		v = CIE
	}
	md, err := testIdP(t, v).Metadata()
	if err != nil {
		t.Fatal(err)
	}
	return md
}

func TestRegistryAdd(t *testing.T) {
	spidMD := idpMetadata(t, false)
	idp := testIdP(t, SPID)
	reg := NewRegistry()
	if err := reg.Add(spidMD); err != nil {
		t.Fatal(err)
	}
	got, ok := reg.Get(idp.EntityID())
	if !ok {
		t.Fatalf("Get(%q): not found", idp.EntityID())
	}
	if got.SSO[saml.HTTPRedirectBinding] != testIdPBase+"/sso" || got.SSO[saml.HTTPPostBinding] != testIdPBase+"/sso" {
		t.Errorf("SSO: got %v, want both bindings at %s/sso", got.SSO, testIdPBase)
	}
	if got.SLO[saml.HTTPRedirectBinding] != testIdPBase+"/slo" {
		t.Errorf("SLO: got %v, want HTTP-Redirect at %s/slo", got.SLO, testIdPBase)
	}
	if len(got.Certificates) != 1 || !got.Certificates[0].Equal(idp.Certificate()) {
		t.Errorf("certificates: got %d, want the IdP's one", len(got.Certificates))
	}
	if got.Name != "Identity provider di test SPID (solo sviluppo locale)" {
		t.Errorf("name: got %q, want the Organization's Italian display name", got.Name)
	}
	if _, ok := reg.Get("https://unknown.example"); ok {
		t.Error("Get of an unknown IdP found one")
	}
}

func TestRegistryReadsAggregatesAndNames(t *testing.T) {
	withName := bytes.Replace(idpMetadata(t, false), []byte("</md:IDPSSODescriptor>"), []byte(`</md:IDPSSODescriptor>
<md:Organization><md:OrganizationName xml:lang="en">Test IdP Ltd</md:OrganizationName><md:OrganizationDisplayName xml:lang="en">Test IdP</md:OrganizationDisplayName><md:OrganizationDisplayName xml:lang="it">IdP di prova</md:OrganizationDisplayName><md:OrganizationURL xml:lang="it">https://idp.example</md:OrganizationURL></md:Organization>`), 1)
	cieMD := idpMetadata(t, true)
	cieMD = bytes.ReplaceAll(cieMD, []byte(testIdPBase), []byte("https://cie.example/idp"))
	reg := NewRegistry()
	if err := reg.Add(aggregate(t, withName, cieMD)); err != nil {
		t.Fatal(err)
	}
	named, ok := reg.Get(testIdPBase + "/metadata")
	if !ok || named.Name != "IdP di prova" {
		t.Errorf("name: got %q, want the Italian display name", named.Name)
	}
	list := reg.List()
	if len(list) != 2 {
		t.Fatalf("List: got %d IdPs, want 2", len(list))
	}
	// By name: the CIE IdP has none, and is listed by its entity ID,
	// "https://…", before "IdP di prova".
	if list[0].EntityID != "https://cie.example/idp/metadata" || list[1].Name != "IdP di prova" {
		t.Errorf("List: got %q then %q, want them sorted by name", list[0].Name, list[1].Name)
	}
}

func TestRegistryRefusesUnusableMetadata(t *testing.T) {
	good := idpMetadata(t, false)
	tests := []struct {
		name     string
		metadata []byte
		wantErr  string
	}{
		{"NotXML", []byte("hello"), "reading metadata"},
		{"AnotherRoot", []byte(`<foo xmlns="urn:x"/>`), "not an entity descriptor"},
		{"NoIdP", []byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`), "no identity provider"},
		{"NoEntityID", bytes.Replace(good, []byte(`entityID="`+testIdPBase+`/metadata"`), nil, 1), "no entityID"},
		{"NoSingleSignOnService", bytes.ReplaceAll(good, []byte("md:SingleSignOnService"), []byte("md:ManageNameIDService")), "no SingleSignOnService"},
		{"NoCertificate", bytes.Replace(good, []byte(`use="signing"`), []byte(`use="encryption"`), 1), "no signing certificate"},
		{"CertificateNotBase64", bytes.ReplaceAll(good, []byte("<ds:X509Certificate>"), []byte("<ds:X509Certificate>!!")), "not base64"},
		{"TooLarge", append(bytes.Repeat([]byte(" "), maxMetadataBytes), good...), "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := NewRegistry()
			err := reg.Add(tt.metadata)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error about %q", err, tt.wantErr)
			}
			if n := len(reg.List()); n != 0 {
				t.Errorf("the registry holds %d IdPs after a refusal, want 0", n)
			}
		})
	}
}

func TestRegistryLoadDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "testidp.xml"), idpMetadata(t, false), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not metadata"), 0o600); err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry()
	if err := reg.LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.Get(testIdP(t, SPID).EntityID()); !ok || len(reg.List()) != 1 {
		t.Fatalf("got %d IdPs, want the one of testidp.xml", len(reg.List()))
	}

	if err := os.WriteFile(filepath.Join(dir, "broken.xml"), []byte("<broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := NewRegistry().LoadDir(dir); err == nil || !strings.Contains(err.Error(), "broken.xml") {
		t.Fatalf("got %v, want an error naming broken.xml", err)
	}
}

func TestRegistryLoadURL(t *testing.T) {
	md := idpMetadata(t, false)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metadata" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(md)
	}))
	t.Cleanup(srv.Close)

	reg := NewRegistry()
	if err := reg.LoadURL(context.Background(), srv.Client(), srv.URL+"/metadata"); err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.Get(testIdP(t, SPID).EntityID()); !ok {
		t.Fatal("the IdP fetched is not in the registry")
	}
	if err := reg.LoadURL(context.Background(), srv.Client(), srv.URL+"/missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("got %v, want an error with the status 404", err)
	}
}
