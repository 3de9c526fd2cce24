package config

import (
	"log/slog"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr []string
	}{
		{name: "Defaults", env: nil, check: func(t *testing.T, c Config) {
			if c.Mode != Local || c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || !c.Seed || c.LogLevel != slog.LevelInfo {
				t.Errorf("got %+v", c)
			}
			if c.BaseURL != "" {
				t.Errorf("BaseURL: got %q, want it left to the server", c.BaseURL)
			}
		}},
		{name: "Overrides", env: map[string]string{"STANZA_ADDR": "127.0.0.1:9000", "STANZA_DATA_DIR": "/tmp/x", "STANZA_SEED": "false", "STANZA_LOG_LEVEL": "debug", "STANZA_BASE_URL": "https://stanza.example/"},
			check: func(t *testing.T, c Config) {
				if c.Addr != "127.0.0.1:9000" || c.DataDir != "/tmp/x" || c.Seed || c.LogLevel != slog.LevelDebug || c.BaseURL != "https://stanza.example" {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "Production", env: map[string]string{"STANZA_MODE": "production", "STANZA_TABLE": "t", "STANZA_UPLOADS_BUCKET": "u", "STANZA_ARCHIVE_BUCKET": "a", "STANZA_SECRET_ARN": "arn:s", "STANZA_SAML_KEY_ARN": "arn:k", "STANZA_BASE_URL": "https://servizi.comune.example"},
			check: func(t *testing.T, c Config) {
				if c.Mode != Production || c.Table != "t" || c.SecretARN != "arn:s" {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "ErrProductionNeedsResources", env: map[string]string{"STANZA_MODE": "production"},
			wantErr: []string{"STANZA_TABLE is required", "STANZA_UPLOADS_BUCKET is required", "STANZA_ARCHIVE_BUCKET is required", "STANZA_SECRET_ARN is required", "STANZA_SAML_KEY_ARN is required", "STANZA_BASE_URL is required"}},
		{name: "IdentityProviders", env: map[string]string{"STANZA_SPID_METADATA_URLS": "https://idp.one.example/metadata, https://idp.two.example/md", "STANZA_CIE_METADATA_URL": "https://cie.example/md"},
			check: func(t *testing.T, c Config) {
				if len(c.SPIDMetadataURLs) != 2 || c.SPIDMetadataURLs[1] != "https://idp.two.example/md" || c.CIEMetadataURL != "https://cie.example/md" {
					t.Errorf("got %v %q", c.SPIDMetadataURLs, c.CIEMetadataURL)
				}
			}},
		{name: "ErrBadIdentityProviderURL", env: map[string]string{"STANZA_SPID_METADATA_URLS": "idp.example/metadata", "STANZA_MAIL_FROM": "nobody", "STANZA_SP_CONTACT_EMAIL": "x"},
			wantErr: []string{"STANZA_SPID_METADATA_URLS", "STANZA_MAIL_FROM", "STANZA_SP_CONTACT_EMAIL"}},
		{name: "ClientAddressHeader", env: map[string]string{"STANZA_CLIENT_ADDRESS_HEADER": "Stanza-Client-Address"},
			check: func(t *testing.T, c Config) {
				if c.ClientAddressHeader != "Stanza-Client-Address" {
					t.Errorf("got %q", c.ClientAddressHeader)
				}
			}},
		{name: "ErrEveryBadOptionReported", env: map[string]string{"STANZA_MODE": "cloud", "STANZA_ADDR": "8080", "STANZA_SEED": "maybe", "STANZA_BASE_URL": "ftp://x", "STANZA_CLIENT_ADDRESS_HEADER": "Viewer Address:"},
			wantErr: []string{"STANZA_MODE", "STANZA_ADDR", "STANZA_SEED", "STANZA_BASE_URL", "STANZA_CLIENT_ADDRESS_HEADER"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromEnv(env(tt.env))
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, c)
				return
			}
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}

func TestHelpListsEveryOption(t *testing.T) {
	h := Help()
	for _, o := range options {
		if !strings.Contains(h, o.env) {
			t.Errorf("Help lacks %s", o.env)
		}
	}
}
