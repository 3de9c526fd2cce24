package spid

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// The algorithms SPID accepts (Regole tecniche; SHA-1 is refused).
var (
	signatureMethods = []string{
		dsig.RSASHA256SignatureMethod, dsig.RSASHA384SignatureMethod, dsig.RSASHA512SignatureMethod,
		dsig.ECDSASHA256SignatureMethod, dsig.ECDSASHA384SignatureMethod, dsig.ECDSASHA512SignatureMethod,
	}
	digestMethods = []string{
		"http://www.w3.org/2001/04/xmlenc#sha256",
		"http://www.w3.org/2001/04/xmldsig-more#sha384",
		"http://www.w3.org/2001/04/xmlenc#sha512",
	}
)

// verifySignature checks the enveloped signature of el with the IdP's
// certificates and returns what it covers: el without its Signature,
// parsed again from the canonical bytes that were digested. Reading from
// that, and not from el, is what defeats signature wrapping: whatever an
// attacker adds around or inside el is not there. The signature must have
// exactly one Reference, to el's own ID, with algorithms SPID accepts.
func verifySignature(el *etree.Element, certs []*x509.Certificate) (*etree.Element, error) {
	id := el.SelectAttrValue("ID", "")
	if id == "" {
		return nil, fmt.Errorf("%s without ID", el.Tag)
	}
	// The element is detached with the namespaces it inherits, so that it
	// canonicalizes as it did when the IdP signed it.
	detached, err := detach(el)
	if err != nil {
		return nil, err
	}
	sig := signatureOf(detached)
	if sig == nil {
		return nil, fmt.Errorf("%s is not signed", el.Tag)
	}
	refs := sig.FindElements("./SignedInfo/Reference")
	if len(refs) != 1 || refs[0].SelectAttrValue("URI", "") != "#"+id {
		return nil, fmt.Errorf("the signature of %s does not reference it alone", el.Tag)
	}
	if m := sig.FindElement("./SignedInfo/SignatureMethod"); m == nil || !slices.Contains(signatureMethods, m.SelectAttrValue("Algorithm", "")) {
		return nil, errors.New("a signature method SPID does not accept")
	}
	if m := refs[0].FindElement("./DigestMethod"); m == nil || !slices.Contains(digestMethods, m.SelectAttrValue("Algorithm", "")) {
		return nil, errors.New("a digest method SPID does not accept")
	}
	// A KeyInfo without a certificate cannot name the key: verify with
	// each of the metadata's certificates instead.
	if ki := sig.FindElement("./KeyInfo"); ki != nil && ki.FindElement("./X509Data/X509Certificate") == nil {
		sig.RemoveChild(ki)
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate to verify with")
	}
	for _, cert := range certs {
		ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
		// The metadata's certificates are keys, their dates are not
		// checked (see # Trust): validate as of a moment they are valid.
		ctx.Clock = dsig.NewFakeClockAt(cert.NotBefore)
		var signed *etree.Element
		if signed, err = ctx.Validate(detached); err == nil {
			if signed.Tag != el.Tag || signed.NamespaceURI() != el.NamespaceURI() || signed.SelectAttrValue("ID", "") != id {
				return nil, fmt.Errorf("the signature covers %s, not %s", signed.FullTag(), el.FullTag())
			}
			return signed, nil
		}
	}
	return nil, err
}

// detach copies el out of its document, declaring on it every namespace it
// inherits.
func detach(el *etree.Element) (*etree.Element, error) {
	var ancestors []*etree.Element
	for p := el.Parent(); p != nil; p = p.Parent() {
		ancestors = append(ancestors, p)
	}
	// EmptyNSContext has no traversal budget; the Response's size is
	// already bounded.
	ctx := etreeutils.EmptyNSContext
	for i := len(ancestors) - 1; i >= 0; i-- {
		var err error
		if ctx, err = ctx.SubContext(ancestors[i]); err != nil {
			return nil, err
		}
	}
	return etreeutils.NSDetatch(ctx, el)
}
