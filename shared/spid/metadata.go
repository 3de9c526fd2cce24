package spid

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// Metadata returns the service provider's signed metadata, to publish at
// its entity ID. It follows SPID's Avviso n. 29 v3 for a public
// administration (or, for CIE, the "Entra con CIE" manual): one
// SPSSODescriptor that signs its requests and wants signed assertions,
// the signing certificate, the SingleLogoutService, the transient NameID
// format, the AssertionConsumerService (HTTP-POST, index 0, the default),
// the AttributeConsumingService (index 0) with the requested attributes,
// the Organization in Italian and the ContactPerson with the scheme's
// extensions. The Signature is the first child of the EntityDescriptor.
//
// The document has no validity dates and a stable ID, so it is the same
// bytes for as long as the configuration is.
func (sp *ServiceProvider) Metadata() ([]byte, error) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMetadata)
	ed.CreateAttr("xmlns:ds", nsDSig)
	if sp.cfg.Variant == CIE {
		ed.CreateAttr("xmlns:cie", nsCIE)
	} else {
		ed.CreateAttr("xmlns:spid", nsSPID)
	}
	sum := sha256.Sum256([]byte(sp.cfg.EntityID))
	ed.CreateAttr("ID", "_"+hex.EncodeToString(sum[:16]))
	ed.CreateAttr("entityID", sp.cfg.EntityID)

	sso := ed.CreateElement("md:SPSSODescriptor")
	sso.CreateAttr("protocolSupportEnumeration", nsProtocol)
	sso.CreateAttr("AuthnRequestsSigned", "true")
	sso.CreateAttr("WantAssertionsSigned", "true")

	kd := sso.CreateElement("md:KeyDescriptor")
	kd.CreateAttr("use", "signing")
	kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
		SetText(base64.StdEncoding.EncodeToString(sp.cfg.KeyPair.Certificate.Raw))

	// CIE requires an HTTP-Redirect SingleLogoutService; the HTTP-POST one
	// serves SPID providers that answer by form.
	for _, binding := range []string{saml.HTTPRedirectBinding, saml.HTTPPostBinding} {
		slo := sso.CreateElement("md:SingleLogoutService")
		slo.CreateAttr("Binding", binding)
		slo.CreateAttr("Location", sp.cfg.SLOURL)
	}
	sso.CreateElement("md:NameIDFormat").SetText(transientFormat)

	acs := sso.CreateElement("md:AssertionConsumerService")
	acs.CreateAttr("index", "0")
	acs.CreateAttr("isDefault", "true")
	acs.CreateAttr("Binding", saml.HTTPPostBinding)
	acs.CreateAttr("Location", sp.cfg.ACSURL)

	attrs := sso.CreateElement("md:AttributeConsumingService")
	attrs.CreateAttr("index", "0")
	name := attrs.CreateElement("md:ServiceName")
	name.CreateAttr("xml:lang", "it")
	name.SetText(sp.cfg.Organization.DisplayName)
	for _, a := range sp.attributes {
		ra := attrs.CreateElement("md:RequestedAttribute")
		ra.CreateAttr("Name", a)
		ra.CreateAttr("NameFormat", basicAttrFormat)
	}

	org := ed.CreateElement("md:Organization")
	for _, f := range []struct{ tag, value string }{
		{"md:OrganizationName", sp.cfg.Organization.Name},
		{"md:OrganizationDisplayName", sp.cfg.Organization.DisplayName},
		{"md:OrganizationURL", sp.cfg.Organization.URL},
	} {
		el := org.CreateElement(f.tag)
		el.CreateAttr("xml:lang", "it")
		el.SetText(f.value)
	}

	sp.contactPerson(ed)

	// Indent before signing: whitespace is part of what is signed.
	doc.Indent(2)
	if err := sp.signFirst(ed); err != nil {
		return nil, err
	}
	return doc.WriteToBytes()
}

// contactPerson adds the ContactPerson the scheme asks for: SPID's "other"
// contact of a public administration (Avviso n. 29 v3), or CIE's
// "administrative" one, whose Company repeats the organization's name.
func (sp *ServiceProvider) contactPerson(ed *etree.Element) {
	c := sp.cfg.Contact
	cp := ed.CreateElement("md:ContactPerson")
	ext := cp.CreateElement("md:Extensions")
	if sp.cfg.Variant == CIE {
		cp.CreateAttr("contactType", "administrative")
		ext.CreateElement("cie:Public")
		ext.CreateElement("cie:IPACode").SetText(c.IPACode)
		ext.CreateElement("cie:Municipality").SetText(c.Municipality)
		if c.Province != "" {
			ext.CreateElement("cie:Province").SetText(c.Province)
		}
		cp.CreateElement("md:Company").SetText(sp.cfg.Organization.Name)
	} else {
		cp.CreateAttr("contactType", "other")
		ext.CreateElement("spid:IPACode").SetText(c.IPACode)
		ext.CreateElement("spid:Public")
	}
	cp.CreateElement("md:EmailAddress").SetText(c.Email)
	if c.Phone != "" {
		cp.CreateElement("md:TelephoneNumber").SetText(c.Phone)
	}
}

// signingContext signs with the service provider's key: RSA-SHA256,
// SHA-256 digests, exclusive canonicalization, the certificate in KeyInfo.
func (sp *ServiceProvider) signingContext() (*dsig.SigningContext, error) {
	ctx, err := dsig.NewSigningContext(sp.cfg.KeyPair.Key, [][]byte{sp.cfg.KeyPair.Certificate.Raw})
	if err != nil {
		return nil, fmt.Errorf("spid: %w", err)
	}
	ctx.Prefix = "ds"
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return nil, fmt.Errorf("spid: %w", err)
	}
	return ctx, nil
}

// signFirst adds an enveloped signature of el as its first child, where
// the metadata schema wants it.
func (sp *ServiceProvider) signFirst(el *etree.Element) error {
	ctx, err := sp.signingContext()
	if err != nil {
		return err
	}
	// Canonicalization rewrites the element it is given: sign a copy.
	sig, err := ctx.ConstructSignature(el.Copy(), true)
	if err != nil {
		return fmt.Errorf("spid: signing the metadata: %w", err)
	}
	el.InsertChildAt(0, sig)
	return nil
}
