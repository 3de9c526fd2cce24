package testidp

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/crewjam/saml"
)

// ParseServiceProvider reads what the test IdP needs from a service
// provider's metadata: entity ID, the HTTP-POST AssertionConsumerService
// (the default one, else the first), the SingleLogoutService and the
// signing certificate, with which the IdP then verifies the SP's requests.
func ParseServiceProvider(metadata []byte) (ServiceProvider, error) {
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(metadata, &ed); err != nil {
		return ServiceProvider{}, fmt.Errorf("testidp: SP metadata: %w", err)
	}
	if len(ed.SPSSODescriptors) == 0 {
		return ServiceProvider{}, errors.New("testidp: SP metadata has no SPSSODescriptor")
	}
	d := ed.SPSSODescriptors[0]
	sp := ServiceProvider{EntityID: ed.EntityID}
	for _, acs := range d.AssertionConsumerServices {
		if acs.Binding != bindingPOST {
			continue
		}
		if sp.ACS == "" || (acs.IsDefault != nil && *acs.IsDefault) {
			sp.ACS = acs.Location
		}
	}
	if sp.ACS == "" {
		return ServiceProvider{}, errors.New("testidp: SP metadata has no HTTP-POST AssertionConsumerService")
	}
	if len(d.SingleLogoutServices) > 0 {
		s := d.SingleLogoutServices[0]
		sp.SLO = s.Location
		if s.ResponseLocation != "" {
			sp.SLO = s.ResponseLocation
		}
	}
	for _, kd := range d.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" || len(kd.KeyInfo.X509Data.X509Certificates) == 0 {
			continue
		}
		// Metadata often wraps base64 text over several lines.
		b64 := strings.Join(strings.Fields(kd.KeyInfo.X509Data.X509Certificates[0].Data), "")
		der, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return ServiceProvider{}, fmt.Errorf("testidp: SP certificate: %w", err)
		}
		if sp.Certificate, err = x509.ParseCertificate(der); err != nil {
			return ServiceProvider{}, fmt.Errorf("testidp: SP certificate: %w", err)
		}
		break
	}
	return sp, nil
}
