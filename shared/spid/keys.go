package spid

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// minKeyBits is the smallest RSA key SPID and CIE accept.
const minKeyBits = 2048

// KeyPair is the key a service provider signs with and the certificate
// that publishes it in the metadata.
type KeyPair struct {
	Key         *rsa.PrivateKey
	Certificate *x509.Certificate
}

func (kp KeyPair) check() error {
	if kp.Key == nil || kp.Certificate == nil {
		return errors.New("spid: the key pair needs a key and a certificate")
	}
	if bits := kp.Key.N.BitLen(); bits < minKeyBits {
		return fmt.Errorf("spid: the RSA key has %d bits, fewer than %d", bits, minKeyBits)
	}
	if pub, ok := kp.Certificate.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&kp.Key.PublicKey) {
		return errors.New("spid: the certificate is not the key's")
	}
	return nil
}

// GenerateKeyPair returns a new 2048-bit RSA key with a self-signed
// certificate valid for ten years, named commonName. It is for local use
// and tests: in production the certificate is issued as SPID's Avviso
// n. 29 v3 prescribes and loaded with ParseKeyPair.
func GenerateKeyPair(commonName string) (KeyPair, error) {
	key, err := rsa.GenerateKey(rand.Reader, minKeyBits)
	if err != nil {
		return KeyPair{}, fmt.Errorf("spid: generating the key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return KeyPair{}, fmt.Errorf("spid: generating the serial number: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:       serial,
		Subject:            pkix.Name{CommonName: commonName, Country: []string{"IT"}},
		NotBefore:          now.Add(-time.Hour),
		NotAfter:           now.AddDate(10, 0, 0),
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("spid: creating the certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return KeyPair{}, fmt.Errorf("spid: reading the certificate: %w", err)
	}
	return KeyPair{Key: key, Certificate: cert}, nil
}

// ParseKeyPair reads a PEM certificate and a PEM RSA key (PKCS #1 or
// PKCS #8) and checks that they belong together and that the key is long
// enough.
func ParseKeyPair(certPEM, keyPEM []byte) (KeyPair, error) {
	certBlock, _ := pem.Decode(certPEM)
	if certBlock == nil || certBlock.Type != "CERTIFICATE" {
		return KeyPair{}, errors.New("spid: no PEM certificate found")
	}
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil {
		return KeyPair{}, fmt.Errorf("spid: reading the certificate: %w", err)
	}
	keyBlock, _ := pem.Decode(keyPEM)
	if keyBlock == nil {
		return KeyPair{}, errors.New("spid: no PEM key found")
	}
	var key *rsa.PrivateKey
	switch keyBlock.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(keyBlock.Bytes)
	case "PRIVATE KEY":
		var k any
		if k, err = x509.ParsePKCS8PrivateKey(keyBlock.Bytes); err == nil {
			var ok bool
			if key, ok = k.(*rsa.PrivateKey); !ok {
				return KeyPair{}, errors.New("spid: the key is not an RSA key")
			}
		}
	default:
		return KeyPair{}, fmt.Errorf("spid: unexpected PEM block %q for the key", keyBlock.Type)
	}
	if err != nil {
		return KeyPair{}, fmt.Errorf("spid: reading the key: %w", err)
	}
	kp := KeyPair{Key: key, Certificate: cert}
	if err := kp.check(); err != nil {
		return KeyPair{}, err
	}
	return kp, nil
}
