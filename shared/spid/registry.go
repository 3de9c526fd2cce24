package spid

import (
	"bytes"
	"cmp"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/crewjam/saml"
)

// maxMetadataBytes bounds one metadata document. The aggregate of every
// SPID identity provider is a few hundred KiB.
const maxMetadataBytes = 4 << 20

// IdP is an identity provider as its metadata describes it, as a Registry
// holds it. Its maps and certificates are shared: read them, never change
// them.
type IdP struct {
	EntityID string
	// Name is shown on the sign-in button: the Italian display name of the
	// metadata's Organization, or its entity ID when it has none.
	Name string
	// SSO and SLO map a binding (saml.HTTPRedirectBinding,
	// saml.HTTPPostBinding) to the URL of the SingleSignOnService and of
	// the SingleLogoutService; SLO is empty when the IdP has none (CIE).
	SSO, SLO map[string]string
	// Certificates verify what the IdP signs; more than one while it
	// rotates its key.
	Certificates []*x509.Certificate
}

// Registry holds the identity providers a service provider accepts. It is
// read from their metadata, so that an official SPID provider is added by
// configuration, not by code. It is safe for concurrent use.
type Registry struct {
	mu   sync.RWMutex
	idps map[string]IdP
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{idps: map[string]IdP{}} }

// Add reads metadata, an EntityDescriptor or an EntitiesDescriptor (the
// aggregate the SPID registry publishes), and adds or replaces every
// identity provider it describes. Nothing is added when any of them is
// unusable: no entity ID, no SingleSignOnService for the HTTP-Redirect or
// HTTP-POST binding, or no signing certificate that parses.
func (r *Registry) Add(metadata []byte) error {
	if len(metadata) > maxMetadataBytes {
		return fmt.Errorf("spid: metadata of %d bytes, over the limit of %d", len(metadata), maxMetadataBytes)
	}
	descriptors, err := entityDescriptors(metadata)
	if err != nil {
		return err
	}
	var idps []IdP
	for _, d := range descriptors {
		if len(d.IDPSSODescriptors) == 0 {
			continue // a service provider or an attribute authority
		}
		idp, err := newIdP(d)
		if err != nil {
			return err
		}
		idps = append(idps, idp)
	}
	if len(idps) == 0 {
		return errors.New("spid: the metadata describes no identity provider")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, idp := range idps {
		r.idps[idp.EntityID] = idp
	}
	return nil
}

// entityDescriptors parses metadata into the entity descriptors it holds,
// those of nested EntitiesDescriptors included.
func entityDescriptors(metadata []byte) ([]*saml.EntityDescriptor, error) {
	dec := xml.NewDecoder(bytes.NewReader(metadata))
	var root xml.StartElement
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("spid: reading metadata: %w", err)
		}
		if s, ok := tok.(xml.StartElement); ok {
			root = s
			break
		}
	}
	switch root.Name {
	case xml.Name{Space: nsMetadata, Local: "EntityDescriptor"}:
		var d saml.EntityDescriptor
		if err := xml.Unmarshal(metadata, &d); err != nil {
			return nil, fmt.Errorf("spid: reading metadata: %w", err)
		}
		return []*saml.EntityDescriptor{&d}, nil
	case xml.Name{Space: nsMetadata, Local: "EntitiesDescriptor"}:
		var all saml.EntitiesDescriptor
		if err := xml.Unmarshal(metadata, &all); err != nil {
			return nil, fmt.Errorf("spid: reading metadata: %w", err)
		}
		var out []*saml.EntityDescriptor
		var walk func(e *saml.EntitiesDescriptor)
		walk = func(e *saml.EntitiesDescriptor) {
			for i := range e.EntityDescriptors {
				out = append(out, &e.EntityDescriptors[i])
			}
			for i := range e.EntitiesDescriptors {
				walk(&e.EntitiesDescriptors[i])
			}
		}
		walk(&all)
		return out, nil
	}
	return nil, fmt.Errorf("spid: metadata root is %s %s, not an entity descriptor", root.Name.Space, root.Name.Local)
}

func newIdP(d *saml.EntityDescriptor) (IdP, error) {
	idp := IdP{EntityID: strings.TrimSpace(d.EntityID), SSO: map[string]string{}, SLO: map[string]string{}}
	if idp.EntityID == "" {
		return IdP{}, errors.New("spid: an identity provider's metadata has no entityID")
	}
	for _, sso := range d.IDPSSODescriptors {
		for _, s := range sso.SingleSignOnServices {
			if _, seen := idp.SSO[s.Binding]; !seen && (s.Binding == saml.HTTPRedirectBinding || s.Binding == saml.HTTPPostBinding) {
				idp.SSO[s.Binding] = s.Location
			}
		}
		for _, s := range sso.SingleLogoutServices {
			if _, seen := idp.SLO[s.Binding]; !seen && (s.Binding == saml.HTTPRedirectBinding || s.Binding == saml.HTTPPostBinding) {
				idp.SLO[s.Binding] = s.Location
			}
		}
		for _, kd := range sso.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, c := range kd.KeyInfo.X509Data.X509Certificates {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Data), ""))
				if err != nil {
					return IdP{}, fmt.Errorf("spid: a certificate of %s is not base64: %w", idp.EntityID, err)
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return IdP{}, fmt.Errorf("spid: a certificate of %s does not parse: %w", idp.EntityID, err)
				}
				idp.Certificates = append(idp.Certificates, cert)
			}
		}
	}
	if len(idp.SSO) == 0 {
		return IdP{}, fmt.Errorf("spid: %s has no SingleSignOnService for the HTTP-Redirect or HTTP-POST binding", idp.EntityID)
	}
	if len(idp.Certificates) == 0 {
		return IdP{}, fmt.Errorf("spid: %s has no signing certificate", idp.EntityID)
	}
	idp.Name = displayName(d)
	return idp, nil
}

// displayName picks the Italian display name of the IdP's organization,
// falling back to any display name, then to the entity ID.
func displayName(d *saml.EntityDescriptor) string {
	name := d.EntityID
	if d.Organization == nil {
		return name
	}
	for _, n := range d.Organization.OrganizationDisplayNames {
		if n.Lang == "it" {
			return n.Value
		}
		if name == d.EntityID && n.Value != "" {
			name = n.Value
		}
	}
	return name
}

// LoadDir adds the metadata of every *.xml file in dir.
func (r *Registry) LoadDir(dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return fmt.Errorf("spid: listing %s: %w", dir, err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("spid: %w", err)
		}
		if err := r.Add(data); err != nil {
			return fmt.Errorf("%w (in %s)", err, p)
		}
	}
	return nil
}

// LoadURL fetches metadata from url with client and adds it.
func (r *Registry) LoadURL(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("spid: metadata URL: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("spid: fetching metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("spid: fetching metadata from %s: status %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return fmt.Errorf("spid: fetching metadata from %s: %w", url, err)
	}
	if err := r.Add(data); err != nil {
		return fmt.Errorf("%w (from %s)", err, url)
	}
	return nil
}

// Get returns the identity provider named entityID.
func (r *Registry) Get(entityID string) (IdP, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	idp, ok := r.idps[entityID]
	return idp, ok
}

// List returns every identity provider, by name, for the sign-in buttons.
func (r *Registry) List() []IdP {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]IdP, 0, len(r.idps))
	for _, idp := range r.idps {
		out = append(out, idp)
	}
	slices.SortFunc(out, func(a, b IdP) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.EntityID, b.EntityID))
	})
	return out
}
