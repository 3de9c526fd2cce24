// Package lambdahost runs the portal's handlers as AWS Lambda functions:
// HTTP functions behind an API Gateway HTTP API (payload format 2.0) through
// aws-lambda-go-api-proxy, and the worker on DynamoDB Streams events.
package lambdahost

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/stanzaportal/stanza/shared/config"
	"github.com/stanzaportal/stanza/shared/portal"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/store/dynamostore"
	"github.com/stanzaportal/stanza/shared/webhook"
	"github.com/stanzaportal/stanza/shared/worker"
)

// HTTPHandler is what an HTTP function hands to the Lambda runtime.
type HTTPHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// HTTP returns the Lambda handler of function fn of p: its routes of the
// table, and nothing else.
func HTTP(p *portal.Portal, fn routes.Function) HTTPHandler {
	return httpadapter.NewV2(p.API.Handler(fn)).ProxyWithContext
}

// Stream returns the worker's Lambda handler. Changes are handled in order;
// at the first failure, that change and every later one are reported as
// failed, so that Lambda retries them in order (ReportBatchItemFailures).
func Stream(w *worker.Worker) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		changes, err := dynamostore.Changes(ev)
		if err != nil {
			return events.DynamoDBEventResponse{}, err
		}
		n, err := w.ProcessBatch(ctx, changes)
		var resp events.DynamoDBEventResponse
		if err != nil {
			slog.ErrorContext(ctx, "change feed", slog.String("error", err.Error()))
			for _, r := range ev.Records[n:] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			}
		}
		return resp, nil
	}
}

// open builds the portal from the function's environment.
func open(ctx context.Context) (*portal.Portal, error) {
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(log)
	return portal.Open(ctx, cfg, log)
}

// Run runs HTTP function fn; like lambda.Start, it never returns, and a
// function that cannot start exits with the reason in its log.
func Run(fn routes.Function) {
	p := mustOpen()
	lambda.Start(HTTP(p, fn))
}

// RunWorker runs the change-feed worker; like lambda.Start, it never returns.
// After each batch it sends the webhook deliveries that are due (see
// Deliver).
func RunWorker() {
	p := mustOpen()
	lambda.Start(Deliver(p.Webhooks, Stream(p.Worker)))
}

// deliveryBudget bounds the time an invocation spends on webhook
// deliveries, within the worker function's timeout.
const deliveryBudget = 30 * time.Second

// Deliver runs stream, then one round of the webhook deliveries that are
// due. The deliveries the batch enqueued thus go out at once; a retry goes
// out at the first invocation after it is due, which on a quiet feed needs
// the function to be invoked on a schedule too. A failed round is logged
// and does not fail the batch, whose changes were handled.
func Deliver(hooks *webhook.Store, stream func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		resp, err := stream(ctx, ev)
		if err != nil {
			return resp, err
		}
		dctx, cancel := context.WithTimeout(ctx, deliveryBudget)
		defer cancel()
		if _, derr := hooks.RunDue(dctx); derr != nil {
			slog.ErrorContext(ctx, "webhook deliveries", slog.String("error", derr.Error()))
		}
		return resp, nil
	}
}

func mustOpen() *portal.Portal {
	p, err := open(context.Background())
	if err != nil {
		slog.Error("the function cannot start", slog.String("error", err.Error()))
		os.Exit(1)
	}
	return p
}
