package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"

	"github.com/stanzaportal/stanza/shared/webapps"
)

// apiPaths are the paths CloudFront sends to the HTTP API, as the local
// server mounts the API on /api/ and /auth/: every route of routes.Table is
// below one of them. Everything else is a file of the web apps.
var apiPaths = []string{"/api/*", "/auth/*"}

// checkWeb fails early with a plain message when the web apps are not
// built: a fresh clone's web/dist holds only a placeholder, which would
// deploy a portal without pages.
func checkWeb(dir string) error {
	for _, app := range webapps.Apps {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(app.Page))); err != nil {
			return fmt.Errorf("the web apps are not built (run make web): %w", err)
		}
	}
	return nil
}

// site is what serves the portal to browsers on one origin: the web apps'
// files from their bucket, and the API under apiPaths. One origin keeps the
// session cookie (__Host-, SameSite=Lax) first-party and lets the API's
// same-origin check hold, with no CORS.
type site struct {
	bucket       awss3.Bucket
	distribution awscloudfront.Distribution
}

// newSite defines the web bucket, filled from dir, and the distribution in
// front of it and of api. certificateARN, when given, is the certificate of
// domain, the portal's own host name.
func newSite(stack awscdk.Stack, logs awss3.Bucket, api awsapigatewayv2.HttpApi, dir, domain, certificateARN string) site {
	// Not versioned: every file comes from the repository and can be built
	// again, and deployments keep the assets of the previous builds.
	bucket := privateBucket(stack, "Web", awss3.BucketProps{
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("web/"),
	})
	props := &awscloudfront.DistributionProps{
		Comment: jsii.String("Stanza: the web apps and the API"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			// LIST lets S3 answer 404, not 403, for a missing file, as the
			// local server does.
			Origin: awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, &awscloudfrontorigins.S3BucketOriginWithOACProps{
				OriginAccessLevels: &[]awscloudfront.AccessLevel{awscloudfront.AccessLevel_READ, awscloudfront.AccessLevel_LIST},
			}),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: newWebHeaders(stack),
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
				Function: awscloudfront.NewFunction(stack, jsii.String("WebPages"), &awscloudfront.FunctionProps{
					Comment: jsii.String("Serves the web apps' pages for their deep links, as the local server does"),
					Code:    awscloudfront.FunctionCode_FromInline(jsii.String(viewerRequestCode())),
					Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
				}),
			}},
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{},
		HttpVersion:         awscloudfront.HttpVersion_HTTP2_AND_3,
		// North America and Europe: the portal's users are in Italy.
		PriceClass:    awscloudfront.PriceClass_PRICE_CLASS_100,
		EnableLogging: jsii.Bool(true),
		LogBucket:     logs,
		LogFilePrefix: jsii.String("cloudfront/"),
	}
	toAPI := &awscloudfront.BehaviorOptions{
		// The endpoint is https://<id>.execute-api.<region>.amazonaws.com.
		Origin: awscloudfrontorigins.NewHttpOrigin(awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), api.ApiEndpoint(), nil)),
			&awscloudfrontorigins.HttpOriginProps{
				ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
				OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
			}),
		ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
		AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
		CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
		// Everything but Host, which must name the API for API Gateway to
		// route the request: the portal reads the public host from
		// GO_API_HOST instead.
		OriginRequestPolicy: awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
		FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
			EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
			Function: awscloudfront.NewFunction(stack, jsii.String("ClientAddress"), &awscloudfront.FunctionProps{
				Comment: jsii.String("Tells the API the viewer's address, which API Gateway sees as CloudFront's"),
				Code:    awscloudfront.FunctionCode_FromInline(jsii.String(clientAddressCode())),
				Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
			}),
		}},
	}
	for _, p := range apiPaths {
		(*props.AdditionalBehaviors)[p] = toAPI
	}
	if certificateARN != "" {
		props.DomainNames = jsii.Strings(domain)
		props.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Certificate"), jsii.String(certificateARN))
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	distribution := awscloudfront.NewDistribution(stack, jsii.String("Site"), props)
	exempt(distribution, "CFR1", "A public service of an Italian Comune: citizens may use it from abroad, so no country is refused.")
	exempt(distribution, "CFR2", "No AWS WAF web ACL by default: it costs every month and its rules depend on the deployment; the API throttles its stage and counts sign-in attempts itself.")
	if certificateARN == "" {
		exempt(distribution, "CFR4", "Without a custom domain (stanza:certificateArn) the distribution uses CloudFront's default certificate, whose TLS policy cannot be chosen; with one, TLS 1.2 is the minimum.")
	}
	deployWeb(stack, bucket, dir)
	return site{bucket: bucket, distribution: distribution}
}

// newWebHeaders are the static files' security headers: the local server's
// content policy and referrer policy (shared/webapps), and, since the cloud
// serves HTTPS only, HSTS. It leaves out includeSubDomains and preload: the
// portal's host may be a Comune's subdomain, and the Comune's other hosts
// are not the portal's to decide.
func newWebHeaders(stack awscdk.Stack) awscloudfront.ResponseHeadersPolicy {
	return awscloudfront.NewResponseHeadersPolicy(stack, jsii.String("WebHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("Stanza: the web apps' security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(webapps.ContentSecurityPolicy),
				Override:              jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY,
				Override:    jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				// jsii names the enum's member, STRICT_ORIGIN_WHEN_CROSS_ORIGIN
				// for strict-origin-when-cross-origin.
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy(strings.ToUpper(strings.ReplaceAll(webapps.ReferrerPolicy, "-", "_"))),
				Override:       jsii.Bool(true),
			},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)),
				Override:            jsii.Bool(true),
			},
		},
	})
}

// deployWeb copies the built web apps from dir into the bucket. Vite names
// the files of assets/ by their content, so browsers may keep them for good,
// and they are never pruned: a page loaded before a deployment still finds
// its scripts. The other files (the pages, robots.txt, the icon) keep their
// names from build to build, so browsers check them each time; those are
// pruned, and deployed after the assets they refer to.
//
// Both deployments run the CDK's one deployment function, here given a role
// and a log group of the stack's own: the role starts empty, as the
// portal's functions' do, instead of with an AWS managed policy, and the
// logs are kept as long as theirs.
func deployWeb(stack awscdk.Stack, bucket awss3.Bucket, dir string) {
	role := awsiam.NewRole(stack, jsii.String("WebDeploymentRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	logGroup := awslogs.NewLogGroup(stack, jsii.String("WebDeploymentLogs"), &awslogs.LogGroupProps{Retention: logRetention})
	logGroup.GrantWrite(role)
	source := awss3deployment.Source_Asset(jsii.String(dir), nil)
	assets := awss3deployment.NewBucketDeployment(stack, jsii.String("WebAssets"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: bucket,
		Role:              role,
		LogGroup:          logGroup,
		Sources:           &[]awss3deployment.ISource{source},
		Exclude:           jsii.Strings("*"),
		Include:           jsii.Strings("assets/*"),
		Prune:             jsii.Bool(false),
		CacheControl: &[]awss3deployment.CacheControl{
			awss3deployment.CacheControl_SetPublic(),
			awss3deployment.CacheControl_MaxAge(awscdk.Duration_Days(jsii.Number(365))),
			awss3deployment.CacheControl_Immutable(),
		},
	})
	pages := awss3deployment.NewBucketDeployment(stack, jsii.String("WebFiles"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: bucket,
		Role:              role,
		LogGroup:          logGroup,
		Sources:           &[]awss3deployment.ISource{source},
		Exclude:           jsii.Strings("assets/*"),
		CacheControl:      &[]awss3deployment.CacheControl{awss3deployment.CacheControl_NoCache()},
	})
	pages.Node().AddDependency(assets)
	exempt(role, "IAM5", "The CDK's deployment function reads the build from the CDK's asset bucket and writes every key of the web bucket, whose names come from the build.",
		`/^Action::s3:(GetBucket|GetObject|List|Abort|DeleteObject)\*$/`,
		fmt.Sprintf(`/^Resource::<%s[0-9A-F]{8}\.Arn>\/\*$/`, *bucket.Node().Id()),
		`/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-<AWS::Region>\/\*$/`)
	for _, c := range *stack.Node().Children() {
		if strings.HasPrefix(*c.Node().Id(), "Custom::CDKBucketDeployment") {
			exempt(c, "L1", "The CDK's deployment function runs on the Python runtime that its CDK release chose, which the stack cannot set; upgrading the CDK moves it on.")
		}
	}
}

// jsApp is an entry of the viewer-request function's table of apps.
type jsApp struct {
	Prefix string `json:"prefix"`
	Page   string `json:"page"`
}

// viewerRequestCode is the CloudFront Function that applies, on every
// request for a file, the local server's rules of shared/webapps, which S3
// alone cannot: a page path (no extension) gets its app's page, and an
// app's directory its index.html, after a redirect to the slash as Go's
// file server does. It cleans the path as path.Clean does, since
// webapps.DeepLink is defined on cleaned paths. The redirect drops the
// query, which no link to an app's directory carries.
func viewerRequestCode() string {
	var apps []jsApp
	var dirs []string
	for _, a := range webapps.Apps {
		apps = append(apps, jsApp{Prefix: a.Prefix, Page: "/" + a.Page})
		if d := path.Dir(a.Page); d != "." {
			dirs = append(dirs, d)
		}
	}
	appsJSON, err := json.Marshal(apps)
	if err != nil {
		panic(err) // a slice of strings always marshals
	}
	dirsJSON, err := json.Marshal(dirs)
	if err != nil {
		panic(err)
	}
	return strings.NewReplacer("APPS", string(appsJSON), "DIRS", string(dirsJSON)).Replace(viewerRequestJS)
}

const viewerRequestJS = `var apps = APPS;
var dirs = DIRS;

function clean(uri) {
  var out = [];
  var segments = uri.split('/');
  for (var i = 0; i < segments.length; i++) {
    var s = segments[i];
    if (s === '..') {
      out.pop();
    } else if (s !== '' && s !== '.') {
      out.push(s);
    }
  }
  return out.join('/');
}

function handler(event) {
  var request = event.request;
  var name = clean(request.uri);
  if (name === '') {
    request.uri = '/index.html';
    return request;
  }
  if (dirs.indexOf(name) >= 0) {
    if (request.uri.endsWith('/')) {
      request.uri = '/' + name + '/index.html';
      return request;
    }
    return {statusCode: 301, statusDescription: 'Moved Permanently', headers: {location: {value: '/' + name + '/'}}};
  }
  if (name.slice(name.lastIndexOf('/') + 1).indexOf('.') >= 0) {
    return request;
  }
  for (var j = 0; j < apps.length; j++) {
    if (name.startsWith(apps[j].prefix)) {
      request.uri = apps[j].page;
      return request;
    }
  }
  return request;
}
`

// clientAddressHeader carries the viewer's IP address to the API: behind
// CloudFront, API Gateway's source IP is an edge server's, shared by many
// citizens, and the sign-in rate limits and the audit log need the
// viewer's. The function overwrites whatever a viewer sent in it; the
// functions read it through STANZA_CLIENT_ADDRESS_HEADER.
const clientAddressHeader = "Stanza-Client-Address"

// clientAddressCode is the CloudFront Function that writes the viewer's
// address into clientAddressHeader on every API request.
func clientAddressCode() string {
	return strings.ReplaceAll(clientAddressJS, "HEADER", strings.ToLower(clientAddressHeader))
}

const clientAddressJS = `function handler(event) {
  var request = event.request;
  request.headers['HEADER'] = {value: event.viewer.ip};
  return request;
}
`

// siteOrigin is the origin browsers load the portal from: the public URL's,
// or else the distribution's.
func siteOrigin(publicURL string, distribution awscloudfront.Distribution) *string {
	if publicURL == "" {
		return jsii.String("https://" + *distribution.DistributionDomainName())
	}
	u, err := url.Parse(publicURL)
	if err != nil {
		panic(err) // build checked it
	}
	return jsii.String(u.Scheme + "://" + u.Host)
}
