package spid

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"slices"
	"testing"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// readMetadata parses the metadata of sp and checks its signature with the
// certificate it publishes.
func readMetadata(t *testing.T, sp *ServiceProvider) *etree.Element {
	t.Helper()
	md, err := sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(md); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	if err := verifyWith(root, sp.cfg.KeyPair.Certificate); err != nil {
		t.Fatalf("metadata signature: %v", err)
	}
	return root
}

func verifyWith(el *etree.Element, cert *x509.Certificate) error {
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	_, err := ctx.Validate(el)
	return err
}

// one returns the only element at path under el, failing the test when
// there are none or more.
func one(t *testing.T, el *etree.Element, path string) *etree.Element {
	t.Helper()
	found := el.FindElements(path)
	if len(found) != 1 {
		t.Fatalf("%s: got %d elements, want 1", path, len(found))
	}
	return found[0]
}

func wantAttr(t *testing.T, el *etree.Element, key, want string) {
	t.Helper()
	if got := el.SelectAttrValue(key, "(missing)"); got != want {
		t.Errorf("%s/@%s: got %q, want %q", el.Tag, key, got, want)
	}
}

func wantText(t *testing.T, el *etree.Element, want string) {
	t.Helper()
	if got := el.Text(); got != want {
		t.Errorf("%s: got %q, want %q", el.Tag, got, want)
	}
}

func TestMetadataSPID(t *testing.T) {
	sp := newSP(t, SPID)
	ed := readMetadata(t, sp)

	if ed.Tag != "EntityDescriptor" || ed.NamespaceURI() != nsMetadata {
		t.Fatalf("root: got %s in %s, want md:EntityDescriptor", ed.Tag, ed.NamespaceURI())
	}
	wantAttr(t, ed, "entityID", testEntityID)
	if first := ed.ChildElements()[0]; first.Tag != "Signature" || first.NamespaceURI() != nsDSig {
		t.Errorf("first child: got %s, want ds:Signature", first.FullTag())
	}
	wantAttr(t, one(t, ed, "./Signature/SignedInfo/SignatureMethod"), "Algorithm", dsig.RSASHA256SignatureMethod)
	wantAttr(t, one(t, ed, "./Signature/SignedInfo/Reference/DigestMethod"), "Algorithm", "http://www.w3.org/2001/04/xmlenc#sha256")

	sso := one(t, ed, "./SPSSODescriptor")
	wantAttr(t, sso, "protocolSupportEnumeration", nsProtocol)
	wantAttr(t, sso, "AuthnRequestsSigned", "true")
	wantAttr(t, sso, "WantAssertionsSigned", "true")

	kd := one(t, sso, "./KeyDescriptor")
	wantAttr(t, kd, "use", "signing")
	wantText(t, one(t, kd, "./KeyInfo/X509Data/X509Certificate"), base64.StdEncoding.EncodeToString(sp.cfg.KeyPair.Certificate.Raw))

	slos := sso.FindElements("./SingleLogoutService")
	if len(slos) == 0 {
		t.Fatal("no SingleLogoutService")
	}
	var sloBindings []string
	for _, s := range slos {
		wantAttr(t, s, "Location", testSLO)
		sloBindings = append(sloBindings, s.SelectAttrValue("Binding", ""))
	}
	if !slices.Contains(sloBindings, saml.HTTPRedirectBinding) {
		t.Errorf("SingleLogoutService bindings %v: want HTTP-Redirect among them", sloBindings)
	}
	wantText(t, one(t, sso, "./NameIDFormat"), "urn:oasis:names:tc:SAML:2.0:nameid-format:transient")

	acs := one(t, sso, "./AssertionConsumerService")
	wantAttr(t, acs, "Binding", saml.HTTPPostBinding)
	wantAttr(t, acs, "Location", testACS)
	wantAttr(t, acs, "index", "0")
	wantAttr(t, acs, "isDefault", "true")

	atcs := one(t, sso, "./AttributeConsumingService")
	wantAttr(t, atcs, "index", "0")
	name := one(t, atcs, "./ServiceName")
	wantAttr(t, name, "xml:lang", "it")
	if name.Text() == "" {
		t.Error("ServiceName is empty")
	}
	var requested []string
	for _, ra := range atcs.FindElements("./RequestedAttribute") {
		requested = append(requested, ra.SelectAttrValue("Name", ""))
	}
	if want := DefaultAttributes(SPID); !slices.Equal(requested, want) {
		t.Errorf("RequestedAttribute names: got %v, want %v", requested, want)
	}

	org := one(t, ed, "./Organization")
	for path, want := range map[string]string{
		"./OrganizationName":        "Comune di Esempio",
		"./OrganizationDisplayName": "Esempio",
		"./OrganizationURL":         "https://www.comune.esempio.it",
	} {
		el := one(t, org, path)
		wantAttr(t, el, "xml:lang", "it")
		wantText(t, el, want)
	}

	cp := one(t, ed, "./ContactPerson")
	wantAttr(t, cp, "contactType", "other")
	ipa := one(t, cp, "./Extensions/IPACode")
	if ipa.NamespaceURI() != nsSPID {
		t.Errorf("IPACode in %q, want %q", ipa.NamespaceURI(), nsSPID)
	}
	wantText(t, ipa, "c_x000")
	public := one(t, cp, "./Extensions/Public")
	if public.NamespaceURI() != nsSPID || public.Text() != "" || len(public.ChildElements()) != 0 {
		t.Errorf("Public: got %s %q, want an empty spid:Public", public.NamespaceURI(), public.Text())
	}
	wantText(t, one(t, cp, "./EmailAddress"), "protocollo@comune.esempio.it")
	wantText(t, one(t, cp, "./TelephoneNumber"), "+390612345678")
	if ed.FindElement("./ContactPerson/Extensions/Private") != nil {
		t.Error("a public administration's metadata has spid:Private")
	}
}

func TestMetadataCIE(t *testing.T) {
	sp := newSP(t, CIE)
	ed := readMetadata(t, sp)
	wantAttr(t, ed, "entityID", testCIEID)

	var requested []string
	for _, ra := range ed.FindElements("./SPSSODescriptor/AttributeConsumingService/RequestedAttribute") {
		requested = append(requested, ra.SelectAttrValue("Name", ""))
	}
	if want := []string{"name", "familyName", "dateOfBirth", "fiscalNumber"}; !slices.Equal(requested, want) {
		t.Errorf("RequestedAttribute names: got %v, want %v", requested, want)
	}

	cp := one(t, ed, "./ContactPerson")
	wantAttr(t, cp, "contactType", "administrative")
	for path, want := range map[string]string{
		"./Extensions/Public":       "",
		"./Extensions/IPACode":      "c_x000",
		"./Extensions/Municipality": "H501",
		"./Extensions/Province":     "RM",
	} {
		el := one(t, cp, path)
		if el.NamespaceURI() != nsCIE {
			t.Errorf("%s in %q, want %q", path, el.NamespaceURI(), nsCIE)
		}
		wantText(t, el, want)
	}
	wantText(t, one(t, cp, "./Company"), "Comune di Esempio")
	wantText(t, one(t, cp, "./EmailAddress"), "protocollo@comune.esempio.it")
}

// The metadata is what crewjam (as an IdP would) reads back, and the
// signature covers all of it.
func TestMetadataInterop(t *testing.T) {
	sp := newSP(t, SPID)
	md, err := sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	if len(ed.SPSSODescriptors) != 1 || len(ed.SPSSODescriptors[0].AssertionConsumerServices) != 1 {
		t.Fatalf("crewjam reads %d SPSSODescriptors, want 1 with one ACS", len(ed.SPSSODescriptors))
	}
	if got := ed.SPSSODescriptors[0].AssertionConsumerServices[0].Location; got != testACS {
		t.Errorf("crewjam reads the ACS at %q, want %q", got, testACS)
	}

	again, err := sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, again) {
		t.Error("two calls gave different metadata, want the same bytes")
	}

	tampered := bytes.Replace(md, []byte("Comune di Esempio"), []byte("Comune di Altrove"), 1)
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(tampered); err != nil {
		t.Fatal(err)
	}
	if err := verifyWith(doc.Root(), sp.cfg.KeyPair.Certificate); err == nil {
		t.Error("tampered metadata still verifies")
	}
}
