package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/webapps"
)

// CloudFront's managed policies, by their fixed ids.
const (
	cachingOptimized          = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	cachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	allViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

// only returns the logical id of the one resource of a type.
func (s *synthesis) only(t *testing.T, typ string) string {
	t.Helper()
	ids := s.ofType(typ)
	if len(ids) != 1 {
		t.Fatalf("%s: got %v, want one", typ, ids)
	}
	return ids[0]
}

// cloudFrontFunction returns the logical id of the one CloudFront Function
// whose code is code.
func (s *synthesis) cloudFrontFunction(t *testing.T, code string) string {
	t.Helper()
	var found []string
	for _, id := range s.ofType("AWS::CloudFront::Function") {
		if s.resources[id].Properties["FunctionCode"] == code {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("CloudFront functions with the code %.40q…: got %v, want one", code, found)
	}
	return found[0]
}

// webURL returns the distribution's https URL as the template writes it,
// after checking that the WebUrl output gives it.
func (s *synthesis) webURL(t *testing.T) any {
	t.Helper()
	want := map[string]any{"Fn::Join": []any{"", []any{"https://", getAtt(s.only(t, "AWS::CloudFront::Distribution"), "DomainName")}}}
	if got := s.outputs["WebUrl"]; !reflect.DeepEqual(got, want) {
		t.Fatalf("output WebUrl: got %v, want %v", got, want)
	}
	return want
}

// distribution returns the distribution's config and its origins by id.
func (s *synthesis) distribution(t *testing.T) (config map[string]any, origins map[string]map[string]any) {
	t.Helper()
	config, _ = s.resources[s.only(t, "AWS::CloudFront::Distribution")].Properties["DistributionConfig"].(map[string]any)
	origins = map[string]map[string]any{}
	for _, o := range asSlice(config["Origins"]) {
		o, _ := o.(map[string]any)
		id, _ := o["Id"].(string)
		origins[id] = o
	}
	return config, origins
}

func TestDistribution(t *testing.T) {
	s := synth(t)
	config, origins := s.distribution(t)
	web := s.outputRef(t, "WebBucketName")
	oac := s.only(t, "AWS::CloudFront::OriginAccessControl")
	function := s.cloudFrontFunction(t, viewerRequestCode())
	clientAddress := s.cloudFrontFunction(t, clientAddressCode())
	headers := s.only(t, "AWS::CloudFront::ResponseHeadersPolicy")

	t.Run("files come from the web bucket through origin access control", func(t *testing.T) {
		def, _ := config["DefaultCacheBehavior"].(map[string]any)
		origin, _ := def["TargetOriginId"].(string)
		o := origins[origin]
		if !reflect.DeepEqual(o["DomainName"], getAtt(web, "RegionalDomainName")) || !reflect.DeepEqual(o["OriginAccessControlId"], getAtt(oac, "Id")) {
			t.Errorf("default origin: got %v, want the web bucket %s with the access control %s", o, web, oac)
		}
		want := map[string]any{
			"ViewerProtocolPolicy":    "redirect-to-https",
			"CachePolicyId":           cachingOptimized,
			"ResponseHeadersPolicyId": ref(headers),
			"FunctionAssociations":    []any{map[string]any{"EventType": "viewer-request", "FunctionARN": getAtt(function, "FunctionARN")}},
		}
		for k, v := range want {
			if !reflect.DeepEqual(def[k], v) {
				t.Errorf("default behaviour %s: got %v, want %v", k, def[k], v)
			}
		}
		s.has(t, oac, like(map[string]any{"OriginAccessControlConfig": assertions.Match_ObjectLike(&map[string]any{
			"OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4",
		})}))
	})

	t.Run("the API's paths go to the HTTP API, uncached, with everything but Host", func(t *testing.T) {
		var paths []string
		endpoint := map[string]any{"Fn::Select": []any{2.0, map[string]any{"Fn::Split": []any{"/", getAtt(s.apiID(t), "ApiEndpoint")}}}}
		for _, b := range asSlice(config["CacheBehaviors"]) {
			b, _ := b.(map[string]any)
			p, _ := b["PathPattern"].(string)
			paths = append(paths, p)
			origin, _ := b["TargetOriginId"].(string)
			o := origins[origin]
			wantConfig := map[string]any{"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": []any{"TLSv1.2"}}
			if !reflect.DeepEqual(o["DomainName"], endpoint) || !reflect.DeepEqual(o["CustomOriginConfig"], wantConfig) {
				t.Errorf("%s: got origin %v, want the API's endpoint %v over HTTPS", p, o, endpoint)
			}
			want := map[string]any{
				"ViewerProtocolPolicy":  "redirect-to-https",
				"AllowedMethods":        []any{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"},
				"CachePolicyId":         cachingDisabled,
				"OriginRequestPolicyId": allViewerExceptHostHeader,
			}
			for k, v := range want {
				if !reflect.DeepEqual(b[k], v) {
					t.Errorf("%s %s: got %v, want %v", p, k, b[k], v)
				}
			}
			// The static files' headers and deep links are no business of
			// the API, whose 403 and 404 must reach the client as they are;
			// its one function tells it the viewer's address.
			if b["ResponseHeadersPolicyId"] != nil {
				t.Errorf("%s ResponseHeadersPolicyId: got %v, want none", p, b["ResponseHeadersPolicyId"])
			}
			wantFunctions := []any{map[string]any{"EventType": "viewer-request", "FunctionARN": getAtt(clientAddress, "FunctionARN")}}
			if !reflect.DeepEqual(b["FunctionAssociations"], wantFunctions) {
				t.Errorf("%s FunctionAssociations: got %v, want %v", p, b["FunctionAssociations"], wantFunctions)
			}
		}
		if !slices.Equal(paths, apiPaths) {
			t.Errorf("behaviours: got %v, want %v", paths, apiPaths)
		}
		if len(origins) != 2 {
			t.Errorf("origins: got %v, want the web bucket and the API", origins)
		}
	})

	t.Run("every route is on a path that goes to the API", func(t *testing.T) {
		for _, r := range routes.Table {
			if !slices.ContainsFunc(apiPaths, func(p string) bool { return strings.HasPrefix(r.Path, strings.TrimSuffix(p, "*")) }) {
				t.Errorf("route %s: under none of %v", r.Pattern(), apiPaths)
			}
		}
	})

	t.Run("HTTPS, HTTP/2 and HTTP/3, logs to the log bucket", func(t *testing.T) {
		logs := otherThan(s.ofType("AWS::S3::Bucket"), web, s.outputRef(t, "UploadsBucketName"), s.outputRef(t, "ArchiveBucketName"))
		want := map[string]any{
			"Enabled":     true,
			"HttpVersion": "http2and3",
			"Logging":     map[string]any{"Bucket": getAtt(logs, "RegionalDomainName"), "Prefix": "cloudfront/"},
		}
		for k, v := range want {
			if !reflect.DeepEqual(config[k], v) {
				t.Errorf("%s: got %v, want %v", k, config[k], v)
			}
		}
	})
}

// Without a certificate the distribution answers on its own domain only;
// with one, on the public URL's host, with TLS 1.2 at least.
func TestDistributionDomain(t *testing.T) {
	tests := []struct {
		variant     string
		aliases     any
		certificate any
	}{
		{"default", nil, nil},
		{"custom", []any{"servizi.comune.example"}, map[string]any{
			"AcmCertificateArn":      testCertificate,
			"MinimumProtocolVersion": "TLSv1.2_2021",
			"SslSupportMethod":       "sni-only",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			config, _ := synthVariant(t, tt.variant).distribution(t)
			if !reflect.DeepEqual(config["Aliases"], tt.aliases) {
				t.Errorf("aliases: got %v, want %v", config["Aliases"], tt.aliases)
			}
			if !reflect.DeepEqual(config["ViewerCertificate"], tt.certificate) {
				t.Errorf("certificate: got %v, want %v", config["ViewerCertificate"], tt.certificate)
			}
		})
	}
}

// The web bucket lets the distribution read and list it, over TLS, and no
// one else: no other bucket lets CloudFront in.
func TestWebBucketOnlyForTheDistribution(t *testing.T) {
	s := synth(t)
	web := s.outputRef(t, "WebBucketName")
	sourceARN := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", ref("AWS::Partition"), ":cloudfront::", ref("AWS::AccountId"), ":distribution/", ref(s.only(t, "AWS::CloudFront::Distribution")),
	}}}
	for _, id := range s.ofType("AWS::S3::BucketPolicy") {
		p := s.resources[id].Properties
		doc, _ := p["PolicyDocument"].(map[string]any)
		var allows []map[string]any
		for _, st := range asSlice(doc["Statement"]) {
			if st, _ := st.(map[string]any); st["Effect"] == "Allow" {
				allows = append(allows, st)
			}
		}
		mentionsCloudFront := strings.Contains(mustJSON(t, allows), "cloudfront")
		if !reflect.DeepEqual(p["Bucket"], ref(web)) {
			if mentionsCloudFront {
				t.Errorf("policy %s of another bucket: got %v, want no CloudFront", id, allows)
			}
			continue
		}
		if len(allows) != 1 {
			t.Fatalf("web bucket policy: got allows %v, want one, for the distribution", allows)
		}
		st := allows[0]
		actions := asSlice(st["Action"])
		slices.SortFunc(actions, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		if !reflect.DeepEqual(st["Principal"], map[string]any{"Service": "cloudfront.amazonaws.com"}) ||
			!reflect.DeepEqual(st["Condition"], map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": sourceARN}}) ||
			!reflect.DeepEqual(actions, []any{"s3:GetObject", "s3:ListBucket"}) {
			t.Errorf("web bucket policy: got %v, want GetObject and ListBucket for CloudFront on behalf of this distribution only", st)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The static files carry the local server's policies, and the headers only
// HTTPS makes useful.
func TestWebHeaders(t *testing.T) {
	s := synth(t)
	s.has(t, s.only(t, "AWS::CloudFront::ResponseHeadersPolicy"), like(map[string]any{
		"ResponseHeadersPolicyConfig": assertions.Match_ObjectLike(&map[string]any{
			"SecurityHeadersConfig": map[string]any{
				"ContentSecurityPolicy":   map[string]any{"ContentSecurityPolicy": webapps.ContentSecurityPolicy, "Override": true},
				"ContentTypeOptions":      map[string]any{"Override": true},
				"FrameOptions":            map[string]any{"FrameOption": "DENY", "Override": true},
				"ReferrerPolicy":          map[string]any{"ReferrerPolicy": webapps.ReferrerPolicy, "Override": true},
				"StrictTransportSecurity": map[string]any{"AccessControlMaxAgeSec": 365 * 24 * 60 * 60, "Override": true},
			},
		}),
	}))
}

// The hashed assets are kept for good and never pruned; the other files
// are checked each time, pruned, and deployed after the assets.
func TestWebDeployment(t *testing.T) {
	s := synth(t)
	web := s.outputRef(t, "WebBucketName")
	deployments := s.ofType("Custom::CDKBucketDeployment")
	if len(deployments) != 2 {
		t.Fatalf("deployments: got %v, want the assets' and the other files'", deployments)
	}
	var assets, files string
	for _, id := range deployments {
		if include := s.resources[id].Properties["Include"]; reflect.DeepEqual(include, []any{"assets/*"}) {
			assets = id
		} else {
			files = id
		}
	}
	s.has(t, assets, like(map[string]any{
		"DestinationBucketName": ref(web),
		"Exclude":               []any{"*"},
		"Prune":                 false,
		"SystemMetadata":        map[string]any{"cache-control": "public, max-age=31536000, immutable"},
	}))
	s.has(t, files, like(map[string]any{
		"DestinationBucketName": ref(web),
		"Exclude":               []any{"assets/*"},
		"Prune":                 true,
		"SystemMetadata":        map[string]any{"cache-control": "no-cache"},
	}))
	if !slices.Contains(asSlice(s.resources[files].DependsOn), any(assets)) {
		t.Errorf("files: got DependsOn %v, want %s", s.resources[files].DependsOn, assets)
	}
}

// TestViewerRequestFunction runs the deployed function's code with Node.js
// on sample paths: it must give each the file the local server would serve.
func TestViewerRequestFunction(t *testing.T) {
	s := synth(t)
	code, _ := s.resources[s.cloudFrontFunction(t, viewerRequestCode())].Properties["FunctionCode"].(string)
	tests := []struct {
		name, uri string
		want      string // the rewritten path, or the redirect's Location
		redirect  bool
	}{
		{"Root", "/", "/index.html", false},
		{"RootPage", "/index.html", "/index.html", false},
		{"File", "/favicon.svg", "/favicon.svg", false},
		{"Asset", "/assets/app-1a2b.js", "/assets/app-1a2b.js", false},
		{"BackofficeDirectoryGetsItsSlash", "/backoffice", "/backoffice/", true},
		{"BackofficeApp", "/backoffice/", "/backoffice/index.html", false},
		{"BackofficeDeepLink", "/backoffice/pratiche/01J8ZK3Q", "/backoffice/index.html", false},
		{"BackofficeDeepLinkWithSlash", "/backoffice/pratiche/", "/backoffice/index.html", false},
		{"BackofficeDeepLinkUncleaned", "/backoffice//pratiche/./x/../01J8ZK3Q", "/backoffice/index.html", false},
		{"MissingBackofficeFileIsNotAPage", "/backoffice/missing.js", "/backoffice/missing.js", false},
		{"CitizenDeepLink", "/pratiche/01J8ZK3Q", "/index.html", false},
		{"CitizenApplications", "/pratiche", "/index.html", false},
		{"DotInTheLastSegmentIsAFile", "/pratiche/v1.2", "/pratiche/v1.2", false},
		{"DotInAnEarlierSegmentIsAPage", "/backoffice/v1.2/pratiche", "/backoffice/index.html", false},
		{"MissingFileIsNotAPage", "/assets/missing.js", "/assets/missing.js", false},
		{"AboveTheRootIsTheRoot", "/../backoffice/pratiche", "/backoffice/index.html", false},
	}
	var uris []string
	for _, tt := range tests {
		uris = append(uris, tt.uri)
	}
	results := runViewerRequest(t, code, uris)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := results[i]
			got, redirect := r.Uri, r.StatusCode != 0
			if redirect {
				got = r.Headers.Location.Value
			}
			if got != tt.want || redirect != tt.redirect || (redirect && r.StatusCode != 301) {
				t.Errorf("%s: got %+v, want %q (redirect %v)", tt.uri, r, tt.want, tt.redirect)
			}
			// The same rule as the local server's, the one of shared/webapps.
			name := strings.TrimPrefix(path.Clean(tt.uri), "/")
			if page, ok := webapps.DeepLink(name); ok && name != "backoffice" && got != "/"+page {
				t.Errorf("%s: got %q, want %q as webapps.DeepLink says", tt.uri, got, "/"+page)
			}
		})
	}
}

// viewerRequestResult is what the function returns: the request, possibly
// rewritten, or a redirect.
type viewerRequestResult struct {
	Uri        string
	StatusCode int
	Headers    struct{ Location struct{ Value string } }
}

// runViewerRequest runs the function's handler with Node.js on one viewer
// request per uri, as CloudFront's event gives it.
func runViewerRequest(t *testing.T, code string, uris []string) []viewerRequestResult {
	t.Helper()
	harness := code + `
var uris = JSON.parse(process.argv[2]);
console.log(JSON.stringify(uris.map(function (uri) {
  return handler({version: '1.0', request: {method: 'GET', uri: uri, querystring: {}, headers: {}, cookies: {}}});
})));
`
	script := filepath.Join(t.TempDir(), "function.js")
	if err := os.WriteFile(script, []byte(harness), 0o644); err != nil {
		t.Fatal(err)
	}
	node := os.Getenv("JSII_NODE")
	if node == "" {
		node = "node"
	}
	out, err := exec.Command(node, script, mustJSON(t, uris)).Output()
	if err != nil {
		t.Fatalf("running the function: %v", err)
	}
	var results []viewerRequestResult
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(uris) {
		t.Fatalf("function output %s: got %d results (%v), want %d", out, len(results), err, len(uris))
	}
	return results
}

// TestClientAddressFunction runs the API behaviours' function with Node.js:
// whatever a viewer sends in the header, the API gets the viewer's address.
func TestClientAddressFunction(t *testing.T) {
	harness := clientAddressCode() + `
var got = [];
[{}, {'stanza-client-address': {value: '203.0.113.9'}}].forEach(function (headers) {
  var r = handler({version: '1.0', viewer: {ip: '2001:db8::7'}, request: {method: 'POST', uri: '/api/v1/session', querystring: {}, headers: headers, cookies: {}}});
  got.push(r.headers['stanza-client-address'].value);
});
console.log(JSON.stringify(got));
`
	script := filepath.Join(t.TempDir(), "function.js")
	if err := os.WriteFile(script, []byte(harness), 0o644); err != nil {
		t.Fatal(err)
	}
	node := os.Getenv("JSII_NODE")
	if node == "" {
		node = "node"
	}
	out, err := exec.Command(node, script).Output()
	if err != nil {
		t.Fatalf("running the function: %v", err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("function output %s: %v", out, err)
	}
	if !slices.Equal(got, []string{"2001:db8::7", "2001:db8::7"}) {
		t.Errorf("got %q, want the viewer's address both without and over a forged header", got)
	}
}

func TestCheckWeb(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		wantErr string
	}{
		{"OK", []string{"index.html", "backoffice/index.html", "robots.txt"}, ""},
		{"ErrPlaceholderOnly", []string{"robots.txt"}, "the web apps are not built (run make web)"},
		{"ErrBackofficeMissing", []string{"index.html"}, "backoffice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := writeFiles(dir, tt.files...); err != nil {
				t.Fatal(err)
			}
			if err := checkWeb(dir); !errorContains(err, tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestCertificateARN(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		base    string
		want    string
		wantErr string
	}{
		{"Unset", nil, "", "", ""},
		{"Empty", "", testPublicURL, "", ""},
		{"WithTheDomain", testCertificate, testPublicURL, testCertificate, ""},
		{"ErrNoPublicURL", testCertificate, "", "", "want stanza:publicUrl set"},
		{"ErrPublicURLWithPath", testCertificate, "https://comune.example/servizi", "", "with no path"},
		{"ErrOtherRegion", strings.Replace(testCertificate, "us-east-1", "eu-south-1", 1), testPublicURL, "", "in us-east-1"},
		{"ErrNotACertificate", testIdentity, testPublicURL, "", "want the ARN of an ACM certificate"},
		{"ErrNotAString", 42.0, testPublicURL, "", "want a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := certificateARN(tt.in, tt.base)
			if !errorContains(err, tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
