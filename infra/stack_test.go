package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/stanzaportal/stanza/shared/routes"
)

// testOrigin is the upload origin the tests give the app through its context.
const testOrigin = "https://stanza.comune.example"

// The context of the custom synthesis: a Comune's own domain with its
// certificate, the sender's SES identity and some portal options.
const (
	testPublicURL   = "https://servizi.comune.example"
	testIdentity    = "arn:aws:ses:eu-south-1:123456789012:identity/comune.example"
	testCertificate = "arn:aws:acm:us-east-1:123456789012:certificate/0f3c8a52-7d4e-4b8f-9a61-2c5e7b9d1f30"
)

var testOptions = map[string]any{
	"STANZA_SP_IPA_CODE":      "c_h501",
	"STANZA_MAIL_FROM":        "Comune di Esempio <noreply@comune.example>",
	"STANZA_SP_CONTACT_PHONE": "", // empty: left to the portal's default
}

// variants are the contexts the stack is synthesized with, on top of
// cdk.json's: "default" is cdk.json's as it is.
var variants = map[string]map[string]any{
	"default": {},
	"custom": {
		originsKey:     []any{testOrigin},
		publicURLKey:   testPublicURL + "/",
		certificateKey: testCertificate,
		sesIdentityKey: testIdentity,
		configKey:      testOptions,
	},
}

// TestMain closes the jsii runtime and removes the synthesis' files. The
// tests need Node.js for jsii; see the package doc for JSII_NODE.
func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	if workDir != "" {
		os.RemoveAll(workDir)
	}
	os.Exit(code)
}

// synthesis is the stack, synthesized once per variant and test binary:
// through jsii it takes seconds, so the tests share it.
type synthesis struct {
	outdir      string
	template    assertions.Template
	annotations assertions.Annotations
	resources   map[string]resource // by logical id
	outputs     map[string]any      // output name → its Value
}

// resource is one resource of the template as plain Go values.
type resource struct {
	Type       string
	Properties map[string]any
	DependsOn  any
}

var (
	synthMu  sync.Mutex
	synthed  = map[string]*synthesis{}
	assetsMu sync.Once
	workDir  string // dummy assets and cdk.out, removed by TestMain
	assets   string // the dummy assets' directory
	webDir   string // the dummy web apps' directory
	setupErr error
)

// needNode skips the test when there is no Node.js for jsii, except in CI,
// where Node.js must be there.
func needNode(t *testing.T) {
	t.Helper()
	node := os.Getenv("JSII_NODE")
	if node == "" {
		node = "node"
	}
	if _, err := exec.LookPath(node); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("synthesizing the stack needs Node.js (%s), see the package doc: %v", node, err)
		}
		t.Skipf("skipping: synthesizing the stack needs Node.js (%s), see the package doc: %v", node, err)
	}
}

// synth returns the shared synthesis with cdk.json's context.
func synth(t *testing.T) *synthesis {
	t.Helper()
	return synthVariant(t, "default")
}

// synthVariant returns the shared synthesis of one of variants.
func synthVariant(t *testing.T, name string) *synthesis {
	t.Helper()
	needNode(t)
	synthMu.Lock()
	defer synthMu.Unlock()
	if s, ok := synthed[name]; ok {
		return s
	}
	app, err := newApp(name, variants[name])
	if err != nil {
		t.Fatal(err)
	}
	s, err := synthesize(app)
	if err != nil {
		t.Fatalf("variant %s: %v", name, err)
	}
	synthed[name] = s
	return s
}

// newApp returns an app with cdk.json's context (its feature flags change
// the template), dummy bootstrap files and web apps, and overrides, which
// writes into a cdk.out of its own, named for the case.
func newApp(name string, overrides map[string]any) (app awscdk.App, err error) {
	assetsMu.Do(func() { setupErr = writeAssets() })
	if setupErr != nil {
		return nil, setupErr
	}
	raw, err := os.ReadFile("../cdk.json")
	if err != nil {
		return nil, err
	}
	var cdkJSON struct{ Context map[string]any }
	if err := json.Unmarshal(raw, &cdkJSON); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	cdkJSON.Context[assetsKey] = assets
	cdkJSON.Context[webKey] = webDir
	// With this flag on, as cdk.json has it, an AwsSolutions finding fails
	// synthesis, and so every test at once; off, it only fails
	// TestAwsSolutionsChecks, which names the finding. The template is the same.
	cdkJSON.Context["@aws-cdk/core:annotationsInValidationReport"] = false
	for k, v := range overrides {
		cdkJSON.Context[k] = v
	}
	outdir := filepath.Join(workDir, name, "cdk.out")
	return awscdk.NewApp(&awscdk.AppProps{Context: &cdkJSON.Context, Outdir: jsii.String(outdir)}), nil
}

// writeAssets writes a dummy bootstrap per function and dummy web apps into
// a new workDir. The tests need no build: synthesis only packs the files.
func writeAssets() (err error) {
	if workDir, err = os.MkdirTemp("", "stanza-infra-"); err != nil {
		return err
	}
	webDir = filepath.Join(workDir, "web")
	if err := writeFiles(webDir, "index.html", "backoffice/index.html", "assets/app-1a2b.js"); err != nil {
		return err
	}
	assets = filepath.Join(workDir, "functions")
	for _, name := range allFunctions() {
		if err := os.MkdirAll(filepath.Join(assets, name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(assets, name, "bootstrap"), []byte("#!/bin/sh\n# "+name+"\n"), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// writeFiles writes small files at the given slash-separated paths below dir.
func writeFiles(dir string, names ...string) error {
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(name+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// synthesize builds app as main does and reads its template.
func synthesize(app awscdk.App) (s *synthesis, err error) {
	defer func() {
		if r := recover(); r != nil { // jsii reports CDK errors as panics
			err = fmt.Errorf("synthesis: %v", r)
		}
	}()
	stack, err := build(app)
	if err != nil {
		return nil, err
	}
	s = &synthesis{
		outdir:      *app.Outdir(),
		template:    assertions.Template_FromStack(stack, nil),
		annotations: assertions.Annotations_FromStack(stack),
	}
	var doc struct {
		Resources map[string]resource
		Outputs   map[string]struct{ Value any }
	}
	b, err := json.Marshal(s.template.ToJSON())
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	s.resources = doc.Resources
	s.outputs = map[string]any{}
	for name, o := range doc.Outputs {
		s.outputs[name] = o.Value
	}
	return s, nil
}

// allFunctions is every function the stack must define: one per HTTP
// function of the route table, and the worker.
func allFunctions() []string {
	var names []string
	for _, f := range routes.Functions {
		names = append(names, string(f))
	}
	return append(names, "worker")
}

// has checks with assertions.Template that the resource with the given
// logical id matches pattern, which is a HasResource pattern: Properties,
// DeletionPolicy and so on.
func (s *synthesis) has(t *testing.T, id string, pattern map[string]any) {
	t.Helper()
	r, ok := s.resources[id]
	if !ok {
		t.Errorf("resource %s: missing", id)
		return
	}
	found := s.template.FindResources(jsii.String(r.Type), pattern)
	if _, ok := (*found)[id]; !ok {
		got, _ := json.MarshalIndent(r.Properties, "", "  ")
		t.Errorf("%s %s: got properties %s, which do not match the pattern", r.Type, id, got)
	}
}

// like is the pattern for resources whose properties include props.
func like(props map[string]any) map[string]any {
	return map[string]any{"Properties": assertions.Match_ObjectLike(&props)}
}

// ofType returns the logical ids of the resources of one type, sorted.
func (s *synthesis) ofType(typ string) []string {
	var ids []string
	for id, r := range s.resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// outputRef returns the logical id of the resource an output refers to.
func (s *synthesis) outputRef(t *testing.T, output string) string {
	t.Helper()
	v, ok := s.outputs[output].(map[string]any)
	if !ok {
		t.Fatalf("output %s: got %v, want a {Ref: …}", output, s.outputs[output])
	}
	id, ok := v["Ref"].(string)
	if !ok {
		t.Fatalf("output %s: got %v, want a {Ref: …}", output, v)
	}
	return id
}

// functionID returns the logical id of the function with the given name.
func (s *synthesis) functionID(t *testing.T, name string) string {
	t.Helper()
	var found []string
	for _, id := range s.ofType("AWS::Lambda::Function") {
		if s.resources[id].Properties["Description"] == "Stanza "+name {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("functions described as %q: got %v, want exactly one", "Stanza "+name, found)
	}
	return found[0]
}

// refersTo reports whether a template value mentions the resource with the
// given logical id, through Ref or Fn::GetAtt, at any depth.
func refersTo(v any, id string) bool {
	switch v := v.(type) {
	case map[string]any:
		if v["Ref"] == id {
			return true
		}
		if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) > 0 && att[0] == id {
			return true
		}
		for _, e := range v {
			if refersTo(e, id) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if refersTo(e, id) {
				return true
			}
		}
	}
	return false
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

func TestCheckFunctions(t *testing.T) {
	tests := []struct {
		name    string
		built   []string
		wantErr string
	}{
		{"OK", allFunctions(), ""},
		{"ErrWorkerNotBuilt", allFunctions()[:len(allFunctions())-1], "function worker is not built"},
		{"ErrNothingBuilt", nil, "function auth is not built"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range tt.built {
				if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name, "bootstrap"), nil, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			err := checkFunctions(dir)
			if got := fmt.Sprint(err); (tt.wantErr == "") != (err == nil) || !strings.Contains(got, tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestStringList(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		want    []string
		wantErr bool
	}{
		{"Unset", nil, nil, false},
		{"CommaSeparated", "https://a.example, https://b.example,", []string{"https://a.example", "https://b.example"}, false},
		{"JSONList", []any{"https://a.example"}, []string{"https://a.example"}, false},
		{"EmptyJSONList", []any{}, nil, false},
		{"ErrNotAString", []any{42.0}, nil, true},
		{"ErrNotAList", map[string]any{}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stringList(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTable(t *testing.T) {
	s := synth(t)
	table := s.outputRef(t, "TableName")
	if got := s.ofType("AWS::DynamoDB::Table"); !slices.Equal(got, []string{table}) {
		t.Fatalf("tables: got %v, want only %s", got, table)
	}
	key := func(name, kind string) map[string]any { return map[string]any{"AttributeName": name, "KeyType": kind} }
	index := func(name string) map[string]any {
		return map[string]any{
			"IndexName":  name,
			"KeySchema":  []any{key(name+"pk", "HASH"), key(name+"sk", "RANGE")},
			"Projection": map[string]any{"ProjectionType": "ALL"},
		}
	}
	attributes := []any{}
	for _, name := range []string{"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"} {
		attributes = append(attributes, map[string]any{"AttributeName": name, "AttributeType": "S"})
	}
	s.has(t, table, map[string]any{
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
		"Properties": assertions.Match_ObjectLike(&map[string]any{
			"KeySchema":                        []any{key("pk", "HASH"), key("sk", "RANGE")},
			"AttributeDefinitions":             assertions.Match_ArrayEquals(&attributes),
			"GlobalSecondaryIndexes":           []any{index("gsi1"), index("gsi2")},
			"BillingMode":                      "PAY_PER_REQUEST",
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"TimeToLiveSpecification":          map[string]any{"AttributeName": "ttl", "Enabled": true},
			"StreamSpecification":              map[string]any{"StreamViewType": "NEW_AND_OLD_IMAGES"},
			"SSESpecification":                 map[string]any{"SSEEnabled": true},
			"DeletionProtectionEnabled":        true,
		}),
	})
}

// secrets returns the logical ids of the signing key and of the SAML key
// pair's secret, the only two secrets.
func (s *synthesis) secrets(t *testing.T) (signingKey, samlKeys string) {
	t.Helper()
	secrets := s.ofType("AWS::SecretsManager::Secret")
	samlKeys = s.outputRef(t, "SamlKeyPairSecretArn")
	if len(secrets) != 2 || !slices.Contains(secrets, samlKeys) {
		t.Fatalf("secrets: got %v, want the signing key and the SAML key pair (%s)", secrets, samlKeys)
	}
	return otherThan(secrets, samlKeys), samlKeys
}

// env is the environment every function gets, whatever the context:
// baseURL, the portal's origin and the options vary with it.
func (s *synthesis) env(t *testing.T, baseURL, origin any, options map[string]any) map[string]any {
	t.Helper()
	signingKey, samlKeys := s.secrets(t)
	env := map[string]any{
		"STANZA_MODE":                  "production",
		"STANZA_BASE_URL":              baseURL,
		"GO_API_HOST":                  origin,
		"STANZA_CLIENT_ADDRESS_HEADER": "Stanza-Client-Address",
		"STANZA_TABLE":                 ref(s.outputRef(t, "TableName")),
		"STANZA_UPLOADS_BUCKET":        ref(s.outputRef(t, "UploadsBucketName")),
		"STANZA_ARCHIVE_BUCKET":        ref(s.outputRef(t, "ArchiveBucketName")),
		"STANZA_SECRET_ARN":            ref(signingKey),
		"STANZA_SAML_KEY_ARN":          ref(samlKeys),
	}
	for k, v := range options {
		env[k] = v
	}
	return env
}

// apiID returns the logical id of the HTTP API, the only one.
func (s *synthesis) apiID(t *testing.T) string {
	t.Helper()
	apis := s.ofType("AWS::ApiGatewayV2::Api")
	if len(apis) != 1 {
		t.Fatalf("HTTP APIs: got %v, want one", apis)
	}
	return apis[0]
}

func TestFunctions(t *testing.T) {
	s := synth(t)
	if got, want := len(s.ofType("AWS::Lambda::Function")), len(allFunctions())+1; got != want {
		t.Errorf("functions: got %d, want %d (one per function and the web deployment's, no other helper functions)", got, want)
	}
	signingKey, _ := s.secrets(t)
	s.has(t, signingKey, map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": assertions.Match_ObjectLike(&map[string]any{
			"GenerateSecretString": assertions.Match_ObjectLike(&map[string]any{"PasswordLength": 64}),
		}),
	})
	// No public URL in the context: the distribution's own, which is the
	// portal's origin too.
	webURL := s.webURL(t)
	env := s.env(t, webURL, webURL, nil)
	for _, name := range allFunctions() {
		t.Run(name, func(t *testing.T) {
			id := s.functionID(t, name)
			s.has(t, id, like(map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"Environment":   map[string]any{"Variables": assertions.Match_ObjectEquals(&env)},
				"TracingConfig": map[string]any{"Mode": "Active"},
			}))
			fn := s.resources[id].Properties
			if mem, _ := fn["MemorySize"].(float64); mem < 256 || mem > 512 {
				t.Errorf("memory: got %v MB, want 256 to 512", fn["MemorySize"])
			}
			if timeout, _ := fn["Timeout"].(float64); timeout < 1 || (name != "worker" && timeout >= 30) {
				t.Errorf("timeout: got %v s, want a positive one, under API Gateway's 30 s for HTTP functions", fn["Timeout"])
			}
			logging, _ := fn["LoggingConfig"].(map[string]any)
			group, _ := logging["LogGroup"].(map[string]any)
			groupID, _ := group["Ref"].(string)
			if r := s.resources[groupID]; r.Type != "AWS::Logs::LogGroup" || r.Properties["RetentionInDays"] == nil {
				t.Errorf("log group: got %v (%v), want a log group of the function's own, with a retention", logging, r.Properties)
			}
		})
	}
}

// The custom context's public URL, SES identity and options reach every
// function; an option left empty stays out, for the portal's default.
func TestFunctionsWithCustomContext(t *testing.T) {
	s := synthVariant(t, "custom")
	options := map[string]any{}
	for k, v := range testOptions {
		if v != "" {
			options[k] = v
		}
	}
	env := s.env(t, testPublicURL, testPublicURL, options) // without the trailing slash
	for _, name := range allFunctions() {
		t.Run(name, func(t *testing.T) {
			s.has(t, s.functionID(t, name), like(map[string]any{
				"Environment": map[string]any{"Variables": assertions.Match_ObjectEquals(&env)},
			}))
		})
	}
}

func TestSAMLKeySecret(t *testing.T) {
	s := synth(t)
	_, samlKeys := s.secrets(t)
	s.has(t, samlKeys, map[string]any{
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
		"Properties": assertions.Match_ObjectEquals(&map[string]any{
			// What ops must put there, said where they put it.
			"Description":  assertions.Match_StringLikeRegexp(jsii.String(`\{"certificate": "<PEM certificate>", "key": "<PEM private key>"\}`)),
			"SecretString": samlKeyPlaceholder,
		}),
	})
	var placeholder struct{ Certificate, Key *string }
	if err := json.Unmarshal([]byte(samlKeyPlaceholder), &placeholder); err != nil || placeholder.Certificate == nil || placeholder.Key == nil {
		t.Errorf("placeholder %s: got %+v (%v), want a JSON object with certificate and key", samlKeyPlaceholder, placeholder, err)
	}
}

// The portal's functions refer to the API's endpoint and the API's routes
// to the functions: the template must still have no dependency cycle,
// which CloudFormation would refuse only at deployment.
func TestNoDependencyCycle(t *testing.T) {
	for _, variant := range []string{"default", "custom"} {
		t.Run(variant, func(t *testing.T) {
			s := synthVariant(t, variant)
			deps := map[string][]string{}
			for id, r := range s.resources {
				for other := range s.resources {
					if refersTo(r.Properties, other) || slices.Contains(asSlice(r.DependsOn), any(other)) {
						deps[id] = append(deps[id], other)
					}
				}
			}
			if cycle := findCycle(deps); cycle != nil {
				t.Errorf("got the dependency cycle %s, want none", strings.Join(cycle, " → "))
			}
		})
	}
}

// findCycle returns one cycle of the graph, as the path that closes it, or
// nil when there is none.
func findCycle(deps map[string][]string) []string {
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var path, cycle []string
	var visit func(id string) bool
	visit = func(id string) bool {
		switch state[id] {
		case open:
			cycle = append(slices.Clone(path[slices.Index(path, id):]), id)
			return true
		case done:
			return false
		}
		state[id] = open
		path = append(path, id)
		for _, d := range deps[id] {
			if visit(d) {
				return true
			}
		}
		path = path[:len(path)-1]
		state[id] = done
		return false
	}
	ids := make([]string, 0, len(deps))
	for id := range deps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if visit(id) {
			return cycle
		}
	}
	return nil
}

func TestFindCycle(t *testing.T) {
	tests := []struct {
		name string
		deps map[string][]string
		want []string
	}{
		{"NoCycle", map[string][]string{"fn": {"api", "table"}, "route": {"fn", "api"}}, nil},
		{"Cycle", map[string][]string{"api": {"route"}, "fn": {"api"}, "route": {"fn"}}, []string{"api", "route", "fn", "api"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findCycle(tt.deps); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	s := synth(t)
	want := map[string]routes.Route{}
	for _, r := range routes.Table {
		want[r.Pattern()] = r
	}
	got := map[string]string{} // route key → integration logical id
	for _, id := range s.ofType("AWS::ApiGatewayV2::Route") {
		p := s.resources[id].Properties
		key, _ := p["RouteKey"].(string)
		if _, dup := got[key]; dup {
			t.Errorf("route %q: got it twice, want it once", key)
		}
		got[key] = ""
		for integration := range s.resources {
			if refersTo(p["Target"], integration) {
				got[key] = integration
			}
		}
	}
	for key := range want {
		if _, ok := got[key]; !ok {
			t.Errorf("route %q of routes.Table: missing from the API", key)
		}
	}
	for key, integration := range got {
		r, ok := want[key]
		if !ok {
			t.Errorf("API route %q: not in routes.Table", key)
			continue
		}
		p := s.resources[integration].Properties
		fn := s.functionID(t, string(r.Function))
		if !refersTo(p["IntegrationUri"], fn) || p["PayloadFormatVersion"] != "2.0" {
			t.Errorf("route %q: got integration %s %v, want function %s (%s) with payload format 2.0", key, integration, p, r.Function, fn)
		}
	}
	stages := s.ofType("AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("stages: got %v, want one", stages)
	}
	s.has(t, stages[0], like(map[string]any{
		"StageName":  "$default",
		"AutoDeploy": true,
		"AccessLogSettings": map[string]any{
			"DestinationArn": assertions.Match_AnyValue(),
			"Format":         assertions.Match_StringLikeRegexp(jsii.String(`\$context\.requestId`)),
		},
		"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": rateLimit, "ThrottlingBurstLimit": burstLimit},
	}))
}

func TestStreamMapping(t *testing.T) {
	s := synth(t)
	queues := s.ofType("AWS::SQS::Queue")
	mappings := s.ofType("AWS::Lambda::EventSourceMapping")
	if len(queues) != 1 || len(mappings) != 1 {
		t.Fatalf("got queues %v and event source mappings %v, want one of each", queues, mappings)
	}
	s.has(t, mappings[0], like(map[string]any{
		"FunctionName":               ref(s.functionID(t, "worker")),
		"EventSourceArn":             getAtt(s.outputRef(t, "TableName"), "StreamArn"),
		"StartingPosition":           "TRIM_HORIZON",
		"BatchSize":                  100,
		"BisectBatchOnFunctionError": true,
		"MaximumRetryAttempts":       assertions.Match_AnyValue(),
		"FunctionResponseTypes":      []any{"ReportBatchItemFailures"},
		"DestinationConfig":          map[string]any{"OnFailure": map[string]any{"Destination": getAtt(queues[0], "Arn")}},
	}))
	s.has(t, queues[0], like(map[string]any{
		"MessageRetentionPeriod": 14 * 24 * 60 * 60,
		"SqsManagedSseEnabled":   true,
	}))
	policies := s.template.FindResources(jsii.String("AWS::SQS::QueuePolicy"), like(map[string]any{
		"Queues":         []any{ref(queues[0])},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{denyInsecureTransport()})},
	}))
	if len(*policies) != 1 {
		t.Errorf("dead-letter queue: got %d policies refusing plain HTTP, want 1", len(*policies))
	}
}

func TestWorkerWakesEveryMinute(t *testing.T) {
	s := synth(t)
	rules := s.ofType("AWS::Events::Rule")
	if len(rules) != 1 {
		t.Fatalf("got rules %v, want one", rules)
	}
	s.has(t, rules[0], like(map[string]any{
		"ScheduleExpression": "rate(1 minute)",
		"State":              "ENABLED",
		"Targets":            []any{assertions.Match_ObjectLike(&map[string]any{"Arn": getAtt(s.functionID(t, "worker"), "Arn")})},
	}))
}

// denyInsecureTransport matches the statement that enforceSSL adds.
func denyInsecureTransport() assertions.Matcher {
	return assertions.Match_ObjectLike(&map[string]any{
		"Effect":    "Deny",
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	})
}

func TestBuckets(t *testing.T) {
	s := synth(t)
	buckets := s.ofType("AWS::S3::Bucket")
	if len(buckets) != 4 {
		t.Fatalf("buckets: got %v, want uploads, archive, web and access logs", buckets)
	}
	uploads, archive := s.outputRef(t, "UploadsBucketName"), s.outputRef(t, "ArchiveBucketName")
	web := s.outputRef(t, "WebBucketName")
	logs := otherThan(buckets, uploads, archive, web)
	for _, id := range buckets {
		t.Run(id, func(t *testing.T) {
			s.has(t, id, map[string]any{
				"DeletionPolicy": "Retain",
				"Properties": assertions.Match_ObjectLike(&map[string]any{
					"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
						map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
					}},
					"PublicAccessBlockConfiguration": map[string]any{
						"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
					},
				}),
			})
			policies := s.template.FindResources(jsii.String("AWS::S3::BucketPolicy"), like(map[string]any{
				"Bucket":         ref(id),
				"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{denyInsecureTransport()})},
			}))
			if len(*policies) != 1 {
				t.Errorf("got %d bucket policies refusing plain HTTP, want 1", len(*policies))
			}
			if id != logs {
				s.has(t, id, like(map[string]any{
					"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]any{"DestinationBucketName": ref(logs)}),
				}))
			}
			// The web bucket's files can all be built again.
			if id == uploads || id == archive {
				s.has(t, id, like(map[string]any{
					"VersioningConfiguration": map[string]any{"Status": "Enabled"},
				}))
			}
		})
	}
	t.Run("archive moves to Glacier Instant Retrieval after 90 days", func(t *testing.T) {
		s.has(t, archive, like(map[string]any{
			"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Status":      "Enabled",
					"Transitions": []any{map[string]any{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}},
				}),
			})},
		}))
	})
	t.Run("uploads drop incomplete uploads and old versions", func(t *testing.T) {
		s.has(t, uploads, like(map[string]any{
			"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Status":                         "Enabled",
					"AbortIncompleteMultipartUpload": assertions.Match_ObjectLike(&map[string]any{"DaysAfterInitiation": assertions.Match_AnyValue()}),
					"NoncurrentVersionExpiration":    assertions.Match_ObjectLike(&map[string]any{"NoncurrentDays": assertions.Match_AnyValue()}),
				}),
			})},
		}))
	})
	// CloudFront delivers its logs with an ACL grant.
	s.has(t, logs, like(map[string]any{
		"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerPreferred"}}},
	}))
	for _, tt := range []struct {
		variant string
		want    any
	}{
		{"default", s.webURL(t)},
		{"custom", testOrigin},
	} {
		t.Run("uploads accept browser PUT and GET from the origins of "+tt.variant, func(t *testing.T) {
			s := synthVariant(t, tt.variant)
			s.has(t, s.outputRef(t, "UploadsBucketName"), like(map[string]any{
				"CorsConfiguration": map[string]any{"CorsRules": []any{assertions.Match_ObjectLike(&map[string]any{
					"AllowedMethods": []any{"PUT", "GET"},
					"AllowedOrigins": []any{tt.want},
				})}},
			}))
		})
	}
}

// otherThan returns the one id of ids that is none of the excluded ones.
func otherThan(ids []string, excluded ...string) string {
	for _, id := range ids {
		if !slices.Contains(excluded, id) {
			return id
		}
	}
	return ""
}

// asSlice reads a template value that may be one item or a list of them,
// as IAM's Action and Resource may.
func asSlice(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

// Read-only actions: any other action on a resource counts as a write.
var (
	tableReads  = []string{"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:Query", "dynamodb:Scan", "dynamodb:DescribeStream"}
	bucketReads = []string{"s3:GetObject", "s3:ListBucket"}
	secretReads = []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}
)

// allowsOf returns the Allow statements of the policies attached to a
// function's role.
func (s *synthesis) allowsOf(t *testing.T, function string) []map[string]any {
	t.Helper()
	role, _ := s.resources[s.functionID(t, function)].Properties["Role"].(map[string]any)
	att, _ := role["Fn::GetAtt"].([]any)
	if len(att) == 0 {
		t.Fatalf("function %s: got role %v, want a role of the stack", function, role)
	}
	roleID, _ := att[0].(string)
	var allows []map[string]any
	for _, id := range s.ofType("AWS::IAM::Policy") {
		p := s.resources[id].Properties
		if !refersTo(p["Roles"], roleID) {
			continue
		}
		doc, _ := p["PolicyDocument"].(map[string]any)
		for _, st := range asSlice(doc["Statement"]) {
			if st, _ := st.(map[string]any); st["Effect"] == "Allow" {
				allows = append(allows, st)
			}
		}
	}
	return allows
}

// grantsOf returns, for each resource logical id, the actions that the
// policies attached to a function's role allow on it.
func (s *synthesis) grantsOf(t *testing.T, function string) map[string][]string {
	t.Helper()
	grants := map[string][]string{}
	for _, st := range s.allowsOf(t, function) {
		for target := range s.resources {
			if refersTo(st["Resource"], target) {
				for _, a := range asSlice(st["Action"]) {
					grants[target] = append(grants[target], a.(string))
				}
			}
		}
	}
	return grants
}

// level tells what a set of actions amounts to: none, read or read and write.
func level(actions, reads []string) access {
	if len(actions) == 0 {
		return noAccess
	}
	for _, a := range actions {
		if !slices.Contains(reads, a) {
			return readWrite
		}
	}
	return readOnly
}

func (a access) String() string { return [...]string{"none", "read", "read-write"}[a] }

func TestLeastPrivilege(t *testing.T) {
	s := synth(t)
	table := s.outputRef(t, "TableName")
	uploads, archive := s.outputRef(t, "UploadsBucketName"), s.outputRef(t, "ArchiveBucketName")
	signingKey, samlKeys := s.secrets(t)
	tests := []struct {
		function                string
		table, uploads, archive access
	}{
		{"auth", readWrite, noAccess, noAccess},
		{"catalog", readOnly, noAccess, noAccess},
		{"applications", readWrite, readWrite, readOnly},
		{"backoffice", readWrite, readOnly, readWrite},
		{"messaging", readWrite, readWrite, noAccess},
		{"profiling", readWrite, noAccess, noAccess},
		{"archive", readWrite, noAccess, readOnly},
		{"worker", readWrite, readWrite, readWrite},
	}
	var covered []string
	for _, tt := range tests {
		covered = append(covered, tt.function)
		t.Run(tt.function, func(t *testing.T) {
			g := s.grantsOf(t, tt.function)
			for _, c := range []struct {
				what   string
				reads  []string
				want   access
				actual []string
			}{
				{"table", tableReads, tt.table, g[table]},
				{"uploads", bucketReads, tt.uploads, g[uploads]},
				{"archive", bucketReads, tt.archive, g[archive]},
				{"signing key", secretReads, readOnly, g[signingKey]},
				{"SAML key pair", secretReads, readOnly, g[samlKeys]},
			} {
				if got := level(c.actual, c.reads); got != c.want {
					t.Errorf("%s: got %s (%v), want %s", c.what, got, c.actual, c.want)
				}
			}
			for what, secret := range map[string]string{"signing key": signingKey, "SAML key pair": samlKeys} {
				if !slices.Contains(g[secret], "secretsmanager:GetSecretValue") {
					t.Errorf("%s: got %v, want secretsmanager:GetSecretValue", what, g[secret])
				}
			}
		})
	}
	if !slices.Equal(covered, allFunctions()) {
		t.Errorf("functions checked: got %v, want %v", covered, allFunctions())
	}
}

// Only the functions that send mail may: auth and the worker, from the
// SES identity of the context or, without one, from the account's own.
func TestSendMail(t *testing.T) {
	anyIdentity := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", ref("AWS::Partition"), ":ses:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":identity/*",
	}}}
	for _, tt := range []struct {
		variant  string
		identity any
		exempted bool // the wildcard identity, with its reason
	}{
		{"default", anyIdentity, true},
		{"custom", testIdentity, false},
	} {
		t.Run(tt.variant, func(t *testing.T) {
			s := synthVariant(t, tt.variant)
			for _, name := range allFunctions() {
				var got []string
				for _, st := range s.allowsOf(t, name) {
					for _, a := range asSlice(st["Action"]) {
						if a, _ := a.(string); strings.HasPrefix(a, "ses:") {
							got = append(got, a)
							if !reflect.DeepEqual(st["Resource"], tt.identity) {
								t.Errorf("%s: got %s on %v, want it on %v only", name, a, st["Resource"], tt.identity)
							}
						}
					}
				}
				var want []string
				if name == "auth" || name == "worker" {
					want = []string{"ses:SendEmail", "ses:SendRawEmail"}
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s: got SES actions %v, want %v", name, got, want)
				}
			}
			report := s.nagReport(t)
			for _, name := range []string{"auth", "worker"} {
				row := fmt.Sprintf(`"AwsSolutions-IAM5","Stanza/Fn%sRole/DefaultPolicy/Resource","Suppressed","[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*] No SES identity was given`, name)
				if got := strings.Contains(report, row); got != tt.exempted {
					t.Errorf("%s: got the wildcard identity exempted %v, want %v", name, got, tt.exempted)
				}
			}
		})
	}
}

// Without STANZA_MAIL_FROM, emails would leave from the local default
// sender, which SES refuses: synthesis says so.
func TestMailFromWarning(t *testing.T) {
	for _, tt := range []struct {
		variant string
		want    int
	}{
		{"default", 1},
		{"custom", 0},
	} {
		t.Run(tt.variant, func(t *testing.T) {
			s := synthVariant(t, tt.variant)
			warnings := s.annotations.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("STANZA_MAIL_FROM is not set")))
			if got := len(*warnings); got != tt.want {
				t.Errorf("got %d warnings about STANZA_MAIL_FROM, want %d", got, tt.want)
			}
		})
	}
}

func TestPublicURL(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		want    string
		wantErr string
	}{
		{"Unset", nil, "", ""},
		{"Empty", "", "", ""},
		{"TrailingSlashDropped", "https://servizi.comune.example/", "https://servizi.comune.example", ""},
		{"WithPath", "https://comune.example/servizi", "https://comune.example/servizi", ""},
		{"ErrPlainHTTP", "http://servizi.comune.example", "", "want an absolute https URL"},
		{"ErrRelative", "servizi.comune.example", "", "want an absolute https URL"},
		{"ErrQuery", "https://servizi.comune.example/?a=1", "", "want an absolute https URL"},
		{"ErrNotAString", 42.0, "", "want a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := publicURL(tt.in)
			if !errorContains(err, tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfigOptions(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		want    map[string]string
		wantErr string
	}{
		{"Unset", nil, nil, ""},
		{"EmptyObject", map[string]any{}, nil, ""},
		{"EmptyString", "", nil, ""},
		{"Object", map[string]any{"STANZA_SP_IPA_CODE": "c_h501", "STANZA_SP_PROVINCE": "RM"},
			map[string]string{"STANZA_SP_IPA_CODE": "c_h501", "STANZA_SP_PROVINCE": "RM"}, ""},
		{"JSONStringFromTheCommandLine", `{"STANZA_MAIL_FROM": "Comune <noreply@comune.example>"}`,
			map[string]string{"STANZA_MAIL_FROM": "Comune <noreply@comune.example>"}, ""},
		{"EmptyValueLeftOut", map[string]any{"STANZA_SP_IPA_CODE": "", "STANZA_SP_PROVINCE": "RM"}, map[string]string{"STANZA_SP_PROVINCE": "RM"}, ""},
		{"ErrUnknownOptions", map[string]any{"STANZA_SAML_KEY_ARN": "x", "STANZA_BASE_URL": "https://a.example", "STANZA_SP_IPA_CODE": "c_h501"},
			nil, "got options STANZA_BASE_URL, STANZA_SAML_KEY_ARN, want only STANZA_SP_ORGANIZATION,"},
		{"ErrInvalidEmail", map[string]any{"STANZA_SP_CONTACT_EMAIL": "urp"}, nil, `STANZA_SP_CONTACT_EMAIL="urp"`},
		{"ErrInvalidURL", map[string]any{"STANZA_CIE_METADATA_URL": "metadata.xml"}, nil, `STANZA_CIE_METADATA_URL="metadata.xml": must be an absolute http(s) URL`},
		{"ErrNotAStringValue", map[string]any{"STANZA_SP_IPA_CODE": 5.0}, nil, "STANZA_SP_IPA_CODE: got 5 (float64), want a string"},
		{"ErrNotJSON", "STANZA_SP_IPA_CODE=c_h501", nil, "want a JSON object"},
		{"ErrList", []any{"STANZA_SP_IPA_CODE"}, nil, "want an object of options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configOptions(tt.in)
			if !errorContains(err, tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSESIdentity(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		wantErr string
	}{
		{"Unset", nil, ""},
		{"Empty", "", ""},
		{"Domain", "arn:aws:ses:eu-south-1:123456789012:identity/comune.example", ""},
		{"Address", "arn:aws:ses:eu-west-1:123456789012:identity/noreply@comune.example", ""},
		{"ErrWildcard", "arn:aws:ses:eu-south-1:123456789012:identity/*", "want the ARN of one SES identity"},
		{"ErrNotSES", "arn:aws:sns:eu-south-1:123456789012:identity/comune.example", "want the ARN of one SES identity"},
		{"ErrJustTheDomain", "comune.example", "want the ARN of one SES identity"},
		{"ErrNotAString", []any{}, "want a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sesIdentity(tt.in)
			if !errorContains(err, tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
			want, _ := tt.in.(string)
			if tt.wantErr != "" {
				want = ""
			}
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// errorContains reports whether err is nil when want is empty, or else an
// error whose message contains want.
func errorContains(err error, want string) bool {
	if want == "" {
		return err == nil
	}
	return err != nil && strings.Contains(err.Error(), want)
}

// A context value the stack cannot use fails synthesis, before any
// resource is defined, with an error naming the context key.
func TestBuildRefusesInvalidContext(t *testing.T) {
	needNode(t)
	placeholder := t.TempDir() // a fresh clone's web/dist
	if err := writeFiles(placeholder, "robots.txt"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		context map[string]any
		wantErr string
	}{
		{"UnknownOption", map[string]any{configKey: map[string]any{"STANZA_TABLE": "other"}},
			"context stanza:config: got options STANZA_TABLE, want only "},
		{"InvalidOption", map[string]any{configKey: map[string]any{"STANZA_MAIL_FROM": "noreply"}},
			`context stanza:config: STANZA_MAIL_FROM="noreply"`},
		{"PlainHTTPPublicURL", map[string]any{publicURLKey: "http://servizi.comune.example"},
			"context stanza:publicUrl: got \"http://servizi.comune.example\", want an absolute https URL"},
		{"WildcardIdentity", map[string]any{sesIdentityKey: "arn:aws:ses:eu-south-1:123456789012:identity/*"},
			"context stanza:sesIdentityArn: got "},
		{"CertificateWithoutPublicURL", map[string]any{certificateKey: testCertificate},
			"context stanza:certificateArn: got a certificate with the public URL \"\""},
		{"WebAppsNotBuilt", map[string]any{webKey: placeholder}, "the web apps are not built (run make web)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := newApp("refused-"+tt.name, tt.context)
			if err != nil {
				t.Fatal(err)
			}
			stack, err := build(app)
			if !errorContains(err, tt.wantErr) || stack != nil {
				t.Errorf("got stack %v and error %v, want no stack and an error containing %q", stack, err, tt.wantErr)
			}
		})
	}
}

func TestAwsSolutionsChecks(t *testing.T) {
	for _, variant := range []string{"default", "custom"} {
		t.Run(variant, func(t *testing.T) { checkAwsSolutions(t, synthVariant(t, variant)) })
	}
}

// nagReport returns the AwsSolutions checks' report of s, a CSV file.
func (s *synthesis) nagReport(t *testing.T) string {
	t.Helper()
	reports, _ := filepath.Glob(filepath.Join(s.outdir, "AwsSolutions-*NagReport.csv"))
	if len(reports) != 1 {
		t.Fatalf("AwsSolutions reports: got %v, want one", reports)
	}
	report, err := os.ReadFile(reports[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(report)
}

// checkAwsSolutions fails on any AwsSolutions finding of s not exempted.
func checkAwsSolutions(t *testing.T, s *synthesis) {
	t.Helper()
	// The checks' report proves they ran: no finding is no proof.
	report := s.nagReport(t)
	checked, suppressed := map[string]bool{}, map[string]bool{}
	for _, line := range strings.Split(report, "\n") {
		if strings.Contains(line, `,"Compliant",`) {
			checked[line] = true
		}
		if strings.Contains(line, `,"Suppressed",`) {
			checked[line], suppressed[line] = true, true
		}
	}
	if len(checked) == 0 {
		t.Errorf("AwsSolutions report: got no compliant or exempted finding, want the checks to have run:\n%s", report)
	}
	errs := s.annotations.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	for _, e := range *errs {
		t.Errorf("%s: %v", *e.Id, e.Entry.Data)
	}
	warnings := s.annotations.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	t.Logf("AwsSolutions: %d checks passed or exempted (%d exempted), %d unsuppressed errors, %d warnings",
		len(checked), len(suppressed), len(*errs), len(*warnings))
	for _, w := range *warnings {
		t.Logf("warning %s: %v", *w.Id, strings.SplitN(fmt.Sprint(w.Entry.Data), "\n", 2)[0])
	}
}
