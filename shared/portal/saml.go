package portal

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/stanzaportal/stanza/shared/config"
	"github.com/stanzaportal/stanza/shared/signin"
	"github.com/stanzaportal/stanza/shared/spid"
	"github.com/stanzaportal/stanza/shared/testidp"
)

// The portal's SAML endpoints, relative to its base URL. The entity IDs are
// the metadata URLs, as SPID and CIE require.
const (
	spidMetadataPath = "/auth/spid/metadata"
	cieMetadataPath  = "/auth/cie/metadata"
	acsPath          = "/auth/acs"
	sloPath          = "/auth/slo"
)

// Where the local server mounts the test identity providers.
const (
	TestIdPPath    = "/_testidp"
	TestCIEIdPPath = "/_testidp-cie"
)

// openSignIn builds SPID's and CIE's service providers, the registries of
// their identity providers and, in local mode, the test identity providers.
func (p *Portal) openSignIn(ctx context.Context, keys spid.KeyPair) error {
	base := p.Config.BaseURL
	sp := p.Config.SP
	replay := spid.NewStoreReplayGuard(p.DB)
	newSP := func(v spid.Variant, metadataPath string) (*spid.ServiceProvider, error) {
		return spid.New(spid.Config{
			Variant:      v,
			EntityID:     base + metadataPath,
			ACSURL:       base + acsPath,
			SLOURL:       base + sloPath,
			KeyPair:      keys,
			Organization: spid.Organization{Name: sp.Organization, DisplayName: sp.Organization, URL: sp.OrganizationURL},
			Contact:      spid.Contact{IPACode: sp.IPACode, Email: sp.ContactEmail, Phone: sp.ContactPhone, Municipality: sp.Municipality, Province: sp.Province},
			Replay:       replay,
		})
	}
	spidSP, err := newSP(spid.SPID, spidMetadataPath)
	if err != nil {
		return err
	}
	cieSP, err := newSP(spid.CIE, cieMetadataPath)
	if err != nil {
		return err
	}

	spidIdPs, cieIdPs := spid.NewRegistry(), spid.NewRegistry()
	if dir := p.Config.SPIDMetadataDir; dir != "" {
		if err := spidIdPs.LoadDir(dir); err != nil {
			return err
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, u := range p.Config.SPIDMetadataURLs {
		if err := spidIdPs.LoadURL(ctx, client, u); err != nil {
			return err
		}
	}
	if u := p.Config.CIEMetadataURL; u != "" {
		if err := cieIdPs.LoadURL(ctx, client, u); err != nil {
			return err
		}
	}
	if p.Config.Mode == config.Local {
		if err := p.openTestIdPs(keys, spidIdPs, cieIdPs); err != nil {
			return err
		}
	}
	p.SignIn = signin.New(signin.Config{
		DB: p.DB, SPID: spidSP, SPIDIdPs: spidIdPs, CIE: cieSP, CIEIdPs: cieIdPs,
		Accounts: p.Accounts, Sessions: p.Sessions,
	})
	return nil
}

// openTestIdPs makes a SPID and a CIE test identity provider that know the
// portal's service providers, and registers them.
func (p *Portal) openTestIdPs(keys spid.KeyPair, spidIdPs, cieIdPs *spid.Registry) error {
	base := p.Config.BaseURL
	sps := map[string]testidp.ServiceProvider{}
	for _, path := range []string{spidMetadataPath, cieMetadataPath} {
		sps[base+path] = testidp.ServiceProvider{EntityID: base + path, ACS: base + acsPath, SLO: base + sloPath, Certificate: keys.Certificate}
	}
	lookup := func(entityID string) (testidp.ServiceProvider, bool) { sp, ok := sps[entityID]; return sp, ok }
	p.TestIdPs = map[string]*testidp.IdP{}
	for _, t := range []struct {
		path     string
		cie      bool
		registry *spid.Registry
	}{{TestIdPPath, false, spidIdPs}, {TestCIEIdPPath, true, cieIdPs}} {
		idp, err := testidp.New(testidp.Config{BaseURL: base + t.path, CIE: t.cie, ServiceProvider: lookup})
		if err != nil {
			return err
		}
		md, err := idp.Metadata()
		if err != nil {
			return err
		}
		if err := t.registry.Add(md); err != nil {
			return err
		}
		p.TestIdPs[t.path] = idp
	}
	return nil
}

// localKeyPair reads the SAML key pair of the local server, creating it at
// first start, so that a developer's IdP trusts the same certificate
// across restarts.
func localKeyPair(dir string) (spid.KeyPair, error) {
	certPath, keyPath := filepath.Join(dir, "saml-cert.pem"), filepath.Join(dir, "saml-key.pem")
	certPEM, err1 := os.ReadFile(certPath)
	keyPEM, err2 := os.ReadFile(keyPath)
	if err1 == nil && err2 == nil {
		return spid.ParseKeyPair(certPEM, keyPEM)
	}
	if !errors.Is(err1, os.ErrNotExist) && err1 != nil {
		return spid.KeyPair{}, err1
	}
	kp, err := spid.GenerateKeyPair("Stanza (sviluppo locale)")
	if err != nil {
		return spid.KeyPair{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(kp.Key)
	if err != nil {
		return spid.KeyPair{}, err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return spid.KeyPair{}, err
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: kp.Certificate.Raw}), 0o600); err != nil {
		return spid.KeyPair{}, err
	}
	return kp, nil
}

// cloudKeyPair reads the SAML key pair from Secrets Manager: a JSON object
// with the PEM "certificate" and "key".
func cloudKeyPair(ctx context.Context, cfg aws.Config, arn string) (spid.KeyPair, error) {
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
	if err != nil {
		return spid.KeyPair{}, fmt.Errorf("reading the SAML key pair: %w", err)
	}
	var v struct{ Certificate, Key string }
	if out.SecretString == nil || json.Unmarshal([]byte(*out.SecretString), &v) != nil {
		return spid.KeyPair{}, errors.New(`the SAML key pair secret must be a JSON object {"certificate": PEM, "key": PEM}`)
	}
	return spid.ParseKeyPair([]byte(v.Certificate), []byte(v.Key))
}
