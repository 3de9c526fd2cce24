// Package config holds every option of the portal in one place, with its
// default and its check. Options come from environment variables named
// STANZA_*; a Config value is passed to whatever needs it, never read from a
// global.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
)

// Mode says where the portal runs.
type Mode string

const (
	// Local is one process on a laptop: embedded store, files on disk, the
	// test identity provider and the local mailbox.
	Local Mode = "local"
	// Production is the cloud: DynamoDB, S3, real identity providers. Test
	// facilities refuse to start in this mode.
	Production Mode = "production"
)

// Config is the portal's configuration.
type Config struct {
	Mode     Mode
	LogLevel slog.Level

	// BaseURL is the portal's public URL: SAML endpoints, links in emails and
	// signed file links start with it. Local default: http://<listen address>.
	BaseURL string
	// ClientAddressHeader names the header in which a proxy in front of the
	// portal (CloudFront's viewer-request function) puts the client's
	// address; empty means the
	// connection's peer is the client. Sign-in rate limits and the audit
	// log count by that address.
	ClientAddressHeader string

	// Local mode.
	Addr    string // listen address of the local server
	DataDir string // embedded store, files and the generated secret
	Seed    bool   // seed the demo Comune on first start

	// Production mode.
	Table            string // DynamoDB table
	DynamoDBEndpoint string // optional endpoint override (DynamoDB Local, dynalite)
	UploadsBucket    string // S3 bucket of uploads
	ArchiveBucket    string // S3 bucket of the archive
	S3Endpoint       string // optional endpoint override (S3-compatible servers)
	SecretARN        string // Secrets Manager secret holding the signing key
	SAMLKeyARN       string // Secrets Manager secret holding the SAML key and certificate (PEM)

	// The service provider, as SPID and CIE metadata describe it.
	SP ServiceProvider
	// Identity providers: metadata files in a directory, and URLs.
	SPIDMetadataDir  string
	SPIDMetadataURLs []string
	CIEMetadataURL   string

	// MailFrom is the sender of the portal's emails.
	MailFrom string
}

// ServiceProvider is who runs this installation, for SAML metadata.
type ServiceProvider struct {
	Organization    string // name of the public administration or provider
	OrganizationURL string
	IPACode         string // code in the IPA index
	ContactEmail    string
	ContactPhone    string
	Municipality    string // cadastral code of the seat (CIE metadata), e.g. "H501"
	Province        string // its province, e.g. "RM"
}

// option describes one environment variable.
type option struct {
	env, def, help string
	set            func(c *Config, v string) error
}

// options is the table of every option; README's configuration section
// lists the same names.
var options = []option{
	{"STANZA_MODE", "local", "local or production", func(c *Config, v string) error {
		switch Mode(v) {
		case Local, Production:
			c.Mode = Mode(v)
			return nil
		}
		return errors.New("must be local or production")
	}},
	{"STANZA_LOG_LEVEL", "info", "debug, info, warn or error", func(c *Config, v string) error {
		return c.LogLevel.UnmarshalText([]byte(v))
	}},
	{"STANZA_ADDR", "127.0.0.1:8080", "listen address of the local server", func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return err
		}
		c.Addr = v
		return nil
	}},
	{"STANZA_CLIENT_ADDRESS_HEADER", "", "header where a proxy in front of the portal puts the client's address, as an IP address with an optional port", func(c *Config, v string) error {
		if v != "" && !headerName.MatchString(v) {
			return errors.New("must be a header name")
		}
		c.ClientAddressHeader = v
		return nil
	}},
	{"STANZA_DATA_DIR", "./data", "directory of the embedded store and local files", func(c *Config, v string) error {
		c.DataDir = v
		return nil
	}},
	{"STANZA_BASE_URL", "", "public URL of the portal (local default http://STANZA_ADDR)", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if err := absolute(&c.BaseURL, v); err != nil {
			return err
		}
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
		return nil
	}},
	{"STANZA_SEED", "true", "seed the demo Comune on first start (local mode)", func(c *Config, v string) error {
		switch v {
		case "true", "1":
			c.Seed = true
		case "false", "0":
			c.Seed = false
		default:
			return errors.New("must be true or false")
		}
		return nil
	}},
	{"STANZA_SAML_KEY_ARN", "", "Secrets Manager secret with the SAML key and certificate, PEM (production)", func(c *Config, v string) error { c.SAMLKeyARN = v; return nil }},
	{"STANZA_SP_ORGANIZATION", "Comune di Esempio", "organization named in the SAML metadata", func(c *Config, v string) error { c.SP.Organization = v; return nil }},
	{"STANZA_SP_ORGANIZATION_URL", "https://www.comune-esempio.example.org", "its website", func(c *Config, v string) error { return absolute(&c.SP.OrganizationURL, v) }},
	{"STANZA_SP_IPA_CODE", "c_x999", "its code in the IPA index", func(c *Config, v string) error { c.SP.IPACode = v; return nil }},
	{"STANZA_SP_CONTACT_EMAIL", "urp@comune-esempio.example.org", "contact email in the SAML metadata", func(c *Config, v string) error {
		if _, err := mail.ParseAddress(v); err != nil {
			return err
		}
		c.SP.ContactEmail = v
		return nil
	}},
	{"STANZA_SP_CONTACT_PHONE", "+390000000000", "contact phone in the SAML metadata", func(c *Config, v string) error { c.SP.ContactPhone = v; return nil }},
	{"STANZA_SP_MUNICIPALITY", "X999", "cadastral code of the seat, for CIE metadata", func(c *Config, v string) error { c.SP.Municipality = v; return nil }},
	{"STANZA_SP_PROVINCE", "TO", "province of the seat, for CIE metadata", func(c *Config, v string) error { c.SP.Province = v; return nil }},
	{"STANZA_SPID_METADATA_DIR", "", "directory of SPID identity providers' metadata files", func(c *Config, v string) error { c.SPIDMetadataDir = v; return nil }},
	{"STANZA_SPID_METADATA_URLS", "", "comma-separated URLs of SPID identity providers' metadata", func(c *Config, v string) error {
		for _, u := range strings.Split(v, ",") {
			if u = strings.TrimSpace(u); u != "" {
				var abs string
				if err := absolute(&abs, u); err != nil {
					return err
				}
				c.SPIDMetadataURLs = append(c.SPIDMetadataURLs, abs)
			}
		}
		return nil
	}},
	{"STANZA_CIE_METADATA_URL", "", "URL of the CIE identity provider's metadata", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		return absolute(&c.CIEMetadataURL, v)
	}},
	{"STANZA_MAIL_FROM", "Stanza <noreply@stanza.localhost>", "sender of the portal's emails", func(c *Config, v string) error {
		if _, err := mail.ParseAddress(v); err != nil {
			return err
		}
		c.MailFrom = v
		return nil
	}},
	{"STANZA_TABLE", "", "DynamoDB table (production)", func(c *Config, v string) error { c.Table = v; return nil }},
	{"STANZA_DYNAMODB_ENDPOINT", "", "DynamoDB endpoint override", func(c *Config, v string) error { c.DynamoDBEndpoint = v; return nil }},
	{"STANZA_UPLOADS_BUCKET", "", "S3 bucket of uploads (production)", func(c *Config, v string) error { c.UploadsBucket = v; return nil }},
	{"STANZA_ARCHIVE_BUCKET", "", "S3 bucket of the archive (production)", func(c *Config, v string) error { c.ArchiveBucket = v; return nil }},
	{"STANZA_S3_ENDPOINT", "", "S3 endpoint override", func(c *Config, v string) error { c.S3Endpoint = v; return nil }},
	{"STANZA_SECRET_ARN", "", "Secrets Manager secret with the signing key (production)", func(c *Config, v string) error { c.SecretARN = v; return nil }},
}

// absolute sets *dst to v when v is an absolute http(s) URL.
// headerName is an HTTP header name (RFC 9110's token).
var headerName = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")

func absolute(dst *string, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http(s) URL")
	}
	*dst = v
	return nil
}

// FromEnv reads the configuration from getenv (os.Getenv in mains) and
// checks it. Every invalid option is reported, not just the first.
func FromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	for _, o := range options {
		v := getenv(o.env)
		if v == "" {
			v = o.def
		}
		if err := o.set(&c, v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", o.env, v, err))
		}
	}
	if c.Mode == Production {
		for _, req := range []struct{ env, v string }{
			{"STANZA_TABLE", c.Table}, {"STANZA_UPLOADS_BUCKET", c.UploadsBucket},
			{"STANZA_ARCHIVE_BUCKET", c.ArchiveBucket}, {"STANZA_SECRET_ARN", c.SecretARN},
			{"STANZA_SAML_KEY_ARN", c.SAMLKeyARN}, {"STANZA_BASE_URL", c.BaseURL},
		} {
			if req.v == "" {
				errs = append(errs, fmt.Errorf("%s is required in production mode", req.env))
			}
		}
	}
	return c, errors.Join(errs...)
}

// Help returns one line per option: name, default and meaning.
func Help() string {
	var b strings.Builder
	for _, o := range options {
		fmt.Fprintf(&b, "%-26s %-16q %s\n", o.env, o.def, o.help)
	}
	return b.String()
}
