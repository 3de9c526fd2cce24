package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stanzaportal/stanza/shared/routes"
)

// StackProps configures the portal's stack.
type StackProps struct {
	awscdk.StackProps
	// Assets is the directory with one folder per function, each holding
	// the function's bootstrap executable, as `make build` writes them.
	Assets string
	// Web is the directory with the built web apps, as `make web` writes
	// them.
	Web string
	// UploadOrigins are the browser origins allowed to PUT and GET objects of
	// the uploads bucket directly, with the signed URLs the portal hands out.
	// None means the portal's own origin.
	UploadOrigins []string
	// PublicURL is the portal's public URL, without a trailing slash: a
	// Comune's own domain in front of the distribution. Empty means the
	// distribution's own https URL.
	PublicURL string
	// CertificateARN is the certificate, in us-east-1, of PublicURL's host,
	// which the distribution then answers to. Empty means CloudFront's own
	// domain and certificate.
	CertificateARN string
	// Options are portal options of shared/config (passThrough), passed to
	// every function as they are.
	Options map[string]string
	// SESIdentityARN is the SES identity, the sender's domain, that the
	// functions sending mail may send from. Empty means any identity of the
	// account in the stack's region.
	SESIdentityARN string
}

// worker is the function that reads the table's change stream. It serves
// no route, so it is not in routes.Functions.
const worker = "worker"

// access is what a function may do with one resource.
type access uint8

const (
	noAccess access = iota
	readOnly
	readWrite
)

// function is one Lambda function with the access its feature needs and no
// more, so that a flaw in one feature cannot reach another's data: the
// public catalogue, for one, can write nothing.
type function struct {
	name                    string
	table, uploads, archive access
	sendsMail               bool
	memoryMB                float64
	timeoutSeconds          float64
}

// httpTimeout stays below the 30 seconds after which API Gateway gives up on
// an integration, so a slow function ends with its own error, not a 503.
const httpTimeout = 15

// functions is every Lambda function of the portal: the HTTP functions of
// routes.Functions and the worker.
var functions = []function{
	// Auth sends the email address verification messages.
	{name: string(routes.Auth), table: readWrite, sendsMail: true, memoryMB: 256, timeoutSeconds: httpTimeout},
	{name: string(routes.Catalog), table: readOnly, memoryMB: 256, timeoutSeconds: httpTimeout},
	{name: string(routes.Applications), table: readWrite, uploads: readWrite, archive: readOnly, memoryMB: 512, timeoutSeconds: httpTimeout},
	{name: string(routes.Backoffice), table: readWrite, uploads: readOnly, archive: readWrite, memoryMB: 512, timeoutSeconds: httpTimeout},
	{name: string(routes.Messaging), table: readWrite, uploads: readWrite, memoryMB: 256, timeoutSeconds: httpTimeout},
	{name: string(routes.Profiling), table: readWrite, memoryMB: 256, timeoutSeconds: httpTimeout},
	{name: string(routes.Archive), table: readWrite, archive: readOnly, memoryMB: 256, timeoutSeconds: httpTimeout},
	// The worker renders PDFs and copies attachments into the archive, so it
	// gets more memory and time than a request does; it sends the notices
	// that follow an application's changes.
	{name: worker, table: readWrite, uploads: readWrite, archive: readWrite, sendsMail: true, memoryMB: 512, timeoutSeconds: 60},
}

// logRetention keeps function and access logs long enough to investigate a
// citizen's complaint about a past request, and no longer, since they hold
// IP addresses. The log groups themselves outlive the stack, like the data.
const logRetention = awslogs.RetentionDays_THREE_MONTHS

// NewStack defines the whole portal: the table, the buckets, the signing key,
// the SAML key pair's secret, one function per entry of functions, the
// HTTP API built from routes.Table, and the CloudFront distribution that
// serves the web apps and the API on one origin. It returns an error, before
// defining anything, when the function table misses a function of
// routes.Functions, a function's bootstrap is not in props.Assets or the web
// apps are not in props.Web. The other props are taken as given: build
// checks them as it reads them from the context.
func NewStack(scope constructs.Construct, id string, props StackProps) (awscdk.Stack, error) {
	if err := checkFunctions(props.Assets); err != nil {
		return nil, err
	}
	if err := checkWeb(props.Web); err != nil {
		return nil, err
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)

	table := newTable(stack)
	secret := awssecretsmanager.NewSecret(stack, jsii.String("SigningKey"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Key that signs the portal's cursors and tokens"),
		// Letters and digits only: 64 of them carry about 380 bits, and the
		// key survives any shell or environment it passes through.
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
		},
		// Retained with the table: the keys derived from it seal data kept
		// there, such as the operators' TOTP secrets.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	exempt(secret, "SMG4", "The key signs cursors and tokens that are still in use; rotating it needs a rotation function and a key ring in the portal, so it is rotated by hand.")

	samlKeys := newSAMLKeySecret(stack)

	logs := newLogBucket(stack)

	// The API and the distribution in front of it come before the
	// functions, whose environment names the distribution's URL; the API's
	// routes, which name the functions, come after them. Neither the API
	// resource nor the distribution refers to a function, so there is no
	// cycle.
	api := newAPI(stack)
	site := newSite(stack, logs, api, props.Web, publicHost(props.PublicURL), props.CertificateARN)
	origin := siteOrigin(props.PublicURL, site.distribution)
	baseURL := origin
	if props.PublicURL != "" {
		baseURL = jsii.String(props.PublicURL)
	}
	origins := jsii.Strings(props.UploadOrigins...)
	if len(props.UploadOrigins) == 0 {
		origins = &[]*string{origin}
	}
	uploads := newUploadsBucket(stack, logs, origins)
	archive := newArchiveBucket(stack, logs)

	env := map[string]*string{
		"STANZA_MODE":     jsii.String("production"),
		"STANZA_BASE_URL": baseURL,
		// The Lambda adapter builds each request's URL, and so its Host,
		// from GO_API_HOST. Through CloudFront the Host the API sees is the
		// API's own, while browsers send the portal's origin in Origin:
		// the API's same-origin check must compare it with the portal's.
		"GO_API_HOST": origin,
		// API Gateway's source IP is CloudFront's; the viewer's is here.
		"STANZA_CLIENT_ADDRESS_HEADER": jsii.String(clientAddressHeader),
		"STANZA_TABLE":                 table.TableName(),
		"STANZA_UPLOADS_BUCKET":        uploads.BucketName(),
		"STANZA_ARCHIVE_BUCKET":        archive.BucketName(),
		"STANZA_SECRET_ARN":            secret.SecretArn(),
		"STANZA_SAML_KEY_ARN":          samlKeys.SecretArn(),
	}
	for k, v := range props.Options {
		env[k] = jsii.String(v)
	}
	if props.Options["STANZA_MAIL_FROM"] == "" {
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("stanza:mailFromMissing"),
			jsii.String("STANZA_MAIL_FROM is not set in the context stanza:config: emails would come from the local default sender, which SES refuses."), nil)
	}
	fns := map[string]awslambda.Function{}
	for _, f := range functions {
		fn := newFunction(stack, f, props.Assets, env)
		grantTable(fn.Role(), table, f.table)
		grantBucket(fn.Role(), uploads, f.uploads)
		grantBucket(fn.Role(), archive, f.archive)
		secret.GrantRead(fn.Role(), nil)
		// Every function reads the key pair when it starts, with the rest
		// of the portal's production configuration.
		samlKeys.GrantRead(fn.Role(), nil)
		if f.sendsMail {
			grantSendMail(stack, fn.Role(), props.SESIdentityARN)
		}
		fns[f.name] = fn
	}
	listenToStream(stack, fns[worker], table)
	wakeWorker(stack, fns[worker])

	stage := addRoutes(stack, api, fns)

	awscdk.NewCfnOutput(stack, jsii.String("WebUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("The portal's web apps and API, on one origin; point a custom domain's DNS at its host"),
		Value:       jsii.String("https://" + *site.distribution.DistributionDomainName()),
	})
	awscdk.NewCfnOutput(stack, jsii.String("WebBucketName"), &awscdk.CfnOutputProps{Value: site.bucket.BucketName()})
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: stage.Url()})
	awscdk.NewCfnOutput(stack, jsii.String("SamlKeyPairSecretArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("Secret to fill with the SPID/CIE key pair before the portal can start"),
		Value:       samlKeys.SecretArn(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("TableName"), &awscdk.CfnOutputProps{Value: table.TableName()})
	awscdk.NewCfnOutput(stack, jsii.String("UploadsBucketName"), &awscdk.CfnOutputProps{Value: uploads.BucketName()})
	awscdk.NewCfnOutput(stack, jsii.String("ArchiveBucketName"), &awscdk.CfnOutputProps{Value: archive.BucketName()})
	return stack, nil
}

// checkFunctions fails early with a plain message instead of deep inside the
// CDK: a route whose function has no row would have no integration, and a
// missing bootstrap means the functions were not built.
func checkFunctions(assets string) error {
	known := map[string]bool{}
	for _, f := range functions {
		known[f.name] = true
	}
	for _, name := range routes.Functions {
		if !known[string(name)] {
			return fmt.Errorf("function %q serves routes but has no row in the stack's function table", name)
		}
	}
	for _, f := range functions {
		path := filepath.Join(assets, f.name, "bootstrap")
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("function %s is not built (run make build): %w", f.name, err)
		}
	}
	return nil
}

// samlKeyPlaceholder is the SAML key pair secret's value until ops replace
// it: the portal then fails to start with a message that asks for both PEM
// blocks. It must never change: CloudFormation writes SecretString again,
// over the real key pair, when the template's value changes.
const samlKeyPlaceholder = `{"certificate":"","key":""}`

// newSAMLKeySecret holds the SPID/CIE service provider's signing key pair.
// Its certificate must be made as SPID's Avviso n. 29 requires and is
// registered with the identity federations through the SP metadata, so
// CloudFormation cannot generate it: ops put it there. It outlives the
// stack, like the data, since a new one must be registered again.
func newSAMLKeySecret(stack awscdk.Stack) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(stack, jsii.String("SamlKeyPair"), &awssecretsmanager.SecretProps{
		Description:       jsii.String(`SPID/CIE service provider key pair. Replace the value with the JSON object {"certificate": "<PEM certificate>", "key": "<PEM private key>"}: the certificate as SPID's Avviso n. 29 requires, the key that signs the SAML requests.`),
		SecretStringValue: awscdk.SecretValue_UnsafePlainText(jsii.String(samlKeyPlaceholder)),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	exempt(secret, "SMG4", "The key pair's certificate is registered with the SPID and CIE federations through the service provider's metadata, so a new one can be used only once registered: it is replaced by hand.")
	return secret
}

// newTable is the portal's single table; its keys and indexes are those of
// shared/store. It is retained and protected from deletion, since it holds
// every citizen's applications.
func newTable(stack awscdk.Stack) awsdynamodb.Table {
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	table := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: str("pk"),
		SortKey:      str("sk"),
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		TimeToLiveAttribute: jsii.String("ttl"),
		// The worker needs the old image too, to tell what a change changed.
		Stream: awsdynamodb.StreamViewType_NEW_AND_OLD_IMAGES,
		// The AWS-managed key encrypts at rest and logs its use in CloudTrail,
		// with no key policy to keep and no monthly key to pay for.
		Encryption:         awsdynamodb.TableEncryption_AWS_MANAGED,
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	})
	for _, gsi := range []string{"gsi1", "gsi2"} {
		table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(gsi),
			PartitionKey:   str(gsi + "pk"),
			SortKey:        str(gsi + "sk"),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return table
}

// privateBucket is what every bucket shares: no public access, encrypted at
// rest with S3-managed keys (which keeps signed URLs free of KMS calls), TLS
// only, retained when the stack goes.
func privateBucket(stack awscdk.Stack, id string, props awss3.BucketProps) awss3.Bucket {
	props.BlockPublicAccess = awss3.BlockPublicAccess_BLOCK_ALL()
	props.Encryption = awss3.BucketEncryption_S3_MANAGED
	props.EnforceSSL = jsii.Bool(true)
	props.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	return awss3.NewBucket(stack, jsii.String(id), &props)
}

// newLogBucket receives the server access logs of the other buckets, so that
// every read and write of a citizen's file leaves a trace, and the
// distribution's. CloudFront delivers its logs with an ACL grant, so the
// bucket accepts ACLs, its own owner still owning every object.
func newLogBucket(stack awscdk.Stack) awss3.Bucket {
	return privateBucket(stack, "AccessLogs", awss3.BucketProps{
		ObjectOwnership: awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(365)),
		}},
	})
}

// newUploadsBucket holds attachments of applications still in progress.
// Versioning lets an overwritten or deleted attachment be recovered for a
// while; browsers upload and download with signed URLs, hence CORS.
func newUploadsBucket(stack awscdk.Stack, logs awss3.Bucket, origins *[]*string) awss3.Bucket {
	props := awss3.BucketProps{
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("uploads/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
		}},
	}
	props.Cors = &[]*awss3.CorsRule{{
		AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT, awss3.HttpMethods_GET},
		AllowedOrigins: origins,
		AllowedHeaders: jsii.Strings("*"),
		ExposedHeaders: jsii.Strings("ETag"),
		MaxAge:         jsii.Number(3600),
	}}
	return privateBucket(stack, "Uploads", props)
}

// newArchiveBucket keeps closed applications for good. After 90 days objects
// move to Glacier Instant Retrieval, which costs less to keep yet still
// serves a citizen's download at once. Versioning keeps what an archive
// held even if an object is overwritten.
func newArchiveBucket(stack awscdk.Stack, logs awss3.Bucket) awss3.Bucket {
	return privateBucket(stack, "Archive", awss3.BucketProps{
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("archive/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
			Transitions: &[]*awss3.Transition{{
				StorageClass:    awss3.StorageClass_GLACIER_INSTANT_RETRIEVAL(),
				TransitionAfter: awscdk.Duration_Days(jsii.Number(90)),
			}},
		}},
	})
}

// newFunction defines one function with a role of its own that starts empty:
// it may write only to its own log group, and gets the rest from the grants.
func newFunction(stack awscdk.Stack, f function, assets string, env map[string]*string) awslambda.Function {
	id := "Fn" + f.name
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	logGroup := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{Retention: logRetention})
	logGroup.GrantWrite(role)
	exempt(role, "IAM5", "X-Ray's PutTraceSegments and PutTelemetryRecords, which active tracing needs, accept no resource but *.", `/^Resource::\*$/`)

	return awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Description:  jsii.String("Stanza " + f.name),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(assets, f.name)), nil),
		MemorySize:   jsii.Number(f.memoryMB),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(f.timeoutSeconds)),
		Environment:  &env,
		Role:         role,
		LogGroup:     logGroup,
		Tracing:      awslambda.Tracing_ACTIVE,
	})
}

// grantTable gives a role the table's data actions. Both grants include the
// table's indexes, whose ARNs end in a wildcard.
func grantTable(role awsiam.IRole, table awsdynamodb.Table, a access) {
	switch a {
	case readOnly:
		table.GrantReadData(role)
	case readWrite:
		table.GrantReadWriteData(role)
	default:
		return
	}
	exempt(role, "IAM5", "Queries on the table's indexes need the index ARNs, table/index/*.",
		fmt.Sprintf(`/^Resource::<%s[0-9A-F]{8}\.Arn>\/index\/\*$/`, *table.Node().Id()))
}

// grantBucket gives a role exactly the S3 actions of shared/blob on one
// bucket. ListBucket serves List, and makes a missing key read as 404, not
// 403.
// It does not use Bucket.GrantRead and GrantReadWrite, whose wildcard
// actions also allow ACL, tagging, retention and legal-hold changes.
func grantBucket(role awsiam.IRole, bucket awss3.Bucket, a access) {
	if a == noAccess {
		return
	}
	objectActions := []string{"s3:GetObject"}
	if a == readWrite {
		objectActions = append(objectActions, "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:ListBucket"),
		Resources: jsii.Strings(*bucket.BucketArn()),
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(objectActions...),
		Resources: jsii.Strings(*bucket.ArnForObjects(jsii.String("*"))),
	}))
	exempt(role, "IAM5", "Object actions apply to the bucket's objects, whose keys the portal chooses at run time.",
		fmt.Sprintf(`/^Resource::<%s[0-9A-F]{8}\.Arn>\/\*$/`, *bucket.Node().Id()))
}

// grantSendMail lets a role send email through SES from identity, or from
// any identity of the account in the stack's region when identity is empty
// (the sender's domain was not given). SES checks these actions against
// the sender's identity; SendRawEmail covers messages sent as raw MIME.
func grantSendMail(stack awscdk.Stack, role awsiam.IRole, identity string) {
	if identity == "" {
		identity = *stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("ses"),
			Resource:     jsii.String("identity"),
			ResourceName: jsii.String("*"),
		})
		exempt(role, "IAM5", "No SES identity was given in the context (stanza:sesIdentityArn), so the role may send from any identity of its own account and region; set it to narrow the grant to the sender's domain.",
			`/^Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity\/\*$/`)
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ses:SendEmail", "ses:SendRawEmail"),
		Resources: jsii.Strings(identity),
	}))
}

// wakeWorker invokes the worker every minute even when the table is quiet:
// after each batch the worker sends the webhook deliveries that are due, and
// a retry must not wait for the next change. The scheduled event carries no
// stream records, so the worker only delivers.
func wakeWorker(stack awscdk.Stack, fn awslambda.Function) {
	awsevents.NewRule(stack, jsii.String("WorkerTick"), &awsevents.RuleProps{
		Description: jsii.String("Wakes the worker to send the webhook deliveries that are due"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(1))),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, nil)},
	})
}

// listenToStream feeds the table's changes to the worker. The worker reports
// the records it failed, so only those are retried; a poison record is
// isolated by bisecting and, after a bounded number of tries, parked on a
// dead-letter queue instead of blocking its shard.
func listenToStream(stack awscdk.Stack, fn awslambda.Function, table awsdynamodb.Table) {
	dlq := awssqs.NewQueue(stack, jsii.String("StreamDeadLetters"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	exempt(fn.Role(), "IAM5", "DynamoDB's ListStreams, which reading the table's stream needs, accepts no resource but *.", `/^Resource::\*$/`)
	exempt(dlq, "SQS3", "This queue is itself the dead-letter queue: the on-failure destination of the worker's stream mapping.")
	fn.AddEventSource(awslambdaeventsources.NewDynamoEventSource(table, &awslambdaeventsources.DynamoEventSourceProps{
		// From the oldest record kept, so a change made while the mapping was
		// being created or was disabled is not skipped.
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(100),
		BisectBatchOnError:      jsii.Bool(true),
		ReportBatchItemFailures: jsii.Bool(true),
		RetryAttempts:           jsii.Number(5),
		OnFailure:               awslambdaeventsources.NewSqsDlq(dlq),
	}))
}

// Stage throttling for the whole API, in requests per second: well above the
// portal's expected traffic, low enough that a runaway client cannot run up
// the bill.
const (
	rateLimit  = 100
	burstLimit = 200
)

// newAPI creates the HTTP API, still without routes or stage. The portal
// authenticates inside its handlers (SPID/CIE sessions, operators'
// credentials, partners' API keys), as the local server does, so the routes
// carry no API Gateway authorizer.
func newAPI(stack awscdk.Stack) awsapigatewayv2.HttpApi {
	return awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName: jsii.String("stanza"),
		// The default stage cannot be given access logs; addRoutes' can.
		CreateDefaultStage: jsii.Bool(false),
	})
}

// addRoutes creates one route of api per row of routes.Table, each
// integrated with its row's function, and the stage that serves them.
func addRoutes(stack awscdk.Stack, api awsapigatewayv2.HttpApi, fns map[string]awslambda.Function) awsapigatewayv2.HttpStage {
	integrations := map[routes.Function]awsapigatewayv2.HttpRouteIntegration{}
	for _, name := range routes.Functions {
		integrations[name] = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(string(name)), fns[string(name)],
			&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
				PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
			})
	}
	for _, r := range routes.Table {
		api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: integrations[r.Function],
		})
	}
	// After the routes: the exemption reaches only the constructs already
	// below the API.
	exempt(api, "APIG4", "The portal authorizes every request in its handlers, by the route's access in shared/routes; the public catalogue needs no sign-in at all.")

	logGroup := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{Retention: logRetention})
	return api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		AccessLogSettings: &accessLog{
			destination: awsapigatewayv2.NewLogGroupLogDestination(logGroup),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat())),
		},
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(rateLimit),
			BurstLimit: jsii.Number(burstLimit),
		},
	})
}

// accessLog is the stage's IAccessLogSettings, which the CDK takes as an
// interface rather than a struct.
type accessLog struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (a *accessLog) Destination() awsapigatewayv2.IAccessLogDestination { return a.destination }
func (a *accessLog) Format() awsapigateway.AccessLogFormat              { return a.format }

// accessLogFormat is one JSON object per request, so CloudWatch Logs
// Insights can query its fields. The request id ties a line to the
// function's own log.
func accessLogFormat() string {
	fields := map[string]string{
		"requestId":        "$context.requestId",
		"time":             "$context.requestTime",
		"ip":               "$context.identity.sourceIp",
		"userAgent":        "$context.identity.userAgent",
		"route":            "$context.routeKey",
		"path":             "$context.path",
		"status":           "$context.status",
		"responseLength":   "$context.responseLength",
		"latency":          "$context.responseLatency",
		"integrationError": "$context.integrationErrorMessage",
	}
	b, err := json.Marshal(fields) // sorted keys: the template stays stable
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return string(b)
}

// exempt records on c, and the resources below it, why a cdk-nag AwsSolutions
// rule does not apply. A wildcard finding (IAM5) is exempted only for the
// wildcards matched by appliesTo, so that any new wildcard still fails.
func exempt(c constructs.IConstruct, rule, reason string, appliesTo ...string) {
	s := &cdknag.NagPackSuppression{Id: jsii.String("AwsSolutions-" + rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		list := make([]interface{}, len(appliesTo))
		for i, re := range appliesTo {
			list[i] = &cdknag.RegexAppliesTo{Regex: jsii.String(re)}
		}
		s.AppliesTo = &list
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}
