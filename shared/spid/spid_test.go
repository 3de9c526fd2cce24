package spid

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/testidp"
)

const (
	testEntityID = "https://comune.example/auth/spid/metadata"
	testCIEID    = "https://comune.example/auth/cie/metadata"
	testACS      = "https://comune.example/auth/acs"
	testSLO      = "https://comune.example/auth/slo"
	testIdPBase  = "https://idp.example/_testidp"
)

// spKeys is generated once: an RSA key takes a while, and every test's
// service provider can share it.
var spKeys = sync.OnceValues(func() (KeyPair, error) { return GenerateKeyPair("Comune di Esempio") })

func testKeys(t testing.TB) KeyPair {
	t.Helper()
	kp, err := spKeys()
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func testConfig(t testing.TB, v Variant) Config {
	t.Helper()
	cfg := Config{
		Variant:      v,
		EntityID:     testEntityID,
		ACSURL:       testACS,
		SLOURL:       testSLO,
		KeyPair:      testKeys(t),
		Organization: Organization{Name: "Comune di Esempio", DisplayName: "Esempio", URL: "https://www.comune.esempio.it"},
		Contact:      Contact{IPACode: "c_x000", Email: "protocollo@comune.esempio.it", Phone: "+390612345678"},
		Replay:       NewStoreReplayGuard(bolttest.DB(t)),
	}
	if v == CIE {
		cfg.EntityID = testCIEID
		cfg.Contact.Municipality = "H501"
		cfg.Contact.Province = "RM"
	}
	return cfg
}

func newSP(t testing.TB, v Variant) *ServiceProvider {
	t.Helper()
	sp, err := New(testConfig(t, v))
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// The test IdPs are made once per variant, for their keys too; they keep
// no state.
var (
	spidIdP = sync.OnceValues(func() (*testidp.IdP, error) { return newTestIdP(false, testEntityID) })
	cieIdP  = sync.OnceValues(func() (*testidp.IdP, error) { return newTestIdP(true, testCIEID) })
)

func newTestIdP(cie bool, sp string) (*testidp.IdP, error) {
	return testidp.New(testidp.Config{
		BaseURL: testIdPBase,
		CIE:     cie,
		ServiceProvider: func(entityID string) (testidp.ServiceProvider, bool) {
			return testidp.ServiceProvider{EntityID: sp, ACS: testACS, SLO: testSLO}, entityID == sp
		},
	})
}

func testIdP(t testing.TB, v Variant) *testidp.IdP {
	t.Helper()
	get := spidIdP
	if v == CIE {
		get = cieIdP
	}
	idp, err := get()
	if err != nil {
		t.Fatal(err)
	}
	return idp
}

// registered returns the IdP as a Registry reads it from its metadata.
func registered(t testing.TB, idp *testidp.IdP) IdP {
	t.Helper()
	md, err := idp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry()
	if err := reg.Add(md); err != nil {
		t.Fatal(err)
	}
	got, ok := reg.Get(idp.EntityID())
	if !ok {
		t.Fatalf("the registry lost %s", idp.EntityID())
	}
	return got
}

func TestNewRefusesBadConfig(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	other, err := GenerateKeyPair("other")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		variant Variant
		change  func(*Config)
		wantErr string
	}{
		{"OK", SPID, func(*Config) {}, ""},
		{"OKCIE", CIE, func(*Config) {}, ""},
		{"UnknownVariant", SPID, func(c *Config) { c.Variant = "eidas" }, "unknown variant"},
		{"EntityIDNotURL", SPID, func(c *Config) { c.EntityID = "comune" }, "EntityID"},
		{"ACSNotURL", SPID, func(c *Config) { c.ACSURL = "/auth/acs" }, "ACSURL"},
		{"SLOMissing", SPID, func(c *Config) { c.SLOURL = "" }, "SLOURL"},
		{"NoKey", SPID, func(c *Config) { c.KeyPair = KeyPair{} }, "key and a certificate"},
		{"WeakKey", SPID, func(c *Config) { c.KeyPair.Key = weak }, "1024 bits"},
		{"CertificateOfAnotherKey", SPID, func(c *Config) { c.KeyPair.Certificate = other.Certificate }, "not the key's"},
		{"NoOrganizationName", SPID, func(c *Config) { c.Organization.Name = "" }, "organization"},
		{"NoIPACode", SPID, func(c *Config) { c.Contact.IPACode = "" }, "IPA code"},
		{"CIEWithoutMunicipality", CIE, func(c *Config) { c.Contact.Municipality = "" }, "municipality"},
		{"UnknownAttribute", SPID, func(c *Config) { c.Attributes = []string{"fiscalNumber", "shoeSize"} }, "shoeSize"},
		{"CIEAttributeOutsideItsSet", CIE, func(c *Config) { c.Attributes = []string{"fiscalNumber", "email"} }, "email"},
		{"AttributeTwice", SPID, func(c *Config) { c.Attributes = []string{"fiscalNumber", "name", "name"} }, "twice"},
		{"NoFiscalNumber", SPID, func(c *Config) { c.Attributes = []string{"name"} }, "fiscalNumber"},
		{"NoReplayGuard", SPID, func(c *Config) { c.Replay = nil }, "ReplayGuard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, tt.variant)
			tt.change(&cfg)
			_, err := New(cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error about %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseKeyPair(t *testing.T) {
	kp := testKeys(t)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: kp.Certificate.Raw})
	pkcs8, err := x509.MarshalPKCS8PrivateKey(kp.Key)
	if err != nil {
		t.Fatal(err)
	}
	other, err := GenerateKeyPair("other")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cert    []byte
		key     []byte
		wantErr bool
	}{
		{"PKCS1", certPEM, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(kp.Key)}), false},
		{"PKCS8", certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), false},
		{"ErrKeyOfAnotherCertificate", certPEM, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other.Key)}), true},
		{"ErrNoCertificate", []byte("nothing"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), true},
		{"ErrKeyIsACertificate", certPEM, certPEM, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKeyPair(tt.cert, tt.key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err == nil && !got.Key.Equal(kp.Key) {
				t.Error("got another key than the one encoded")
			}
		})
	}
}

func TestGenerateKeyPairIsUsable(t *testing.T) {
	kp := testKeys(t)
	if err := kp.check(); err != nil {
		t.Fatal(err)
	}
	if got := kp.Certificate.SignatureAlgorithm; got != x509.SHA256WithRSA {
		t.Errorf("certificate signed with %v, want SHA256-RSA", got)
	}
	if got := kp.Key.N.BitLen(); got < 2048 {
		t.Errorf("key of %d bits, want at least 2048", got)
	}
}
