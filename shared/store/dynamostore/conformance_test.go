package dynamostore_test

import (
	"context"
	"github.com/aws/aws-sdk-go-v2/config"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/dynamostore"
	"github.com/stanzaportal/stanza/shared/store/storetest"
)

// harness makes drivers for the conformance suite. On the test server each
// driver gets a table of its own; on AWS all share the given table, which the
// suite allows since every test writes under its own tenant.
type harness struct {
	client *dynamodb.Client
	table  string // the AWS table; "" on the test server

	mu      sync.Mutex
	created []string
}

func (h *harness) MakeDriver(ctx context.Context) (store.Driver, error) {
	if h.table != "" {
		return dynamostore.New(h.client, h.table), nil
	}
	name, err := createTable(ctx, h.client)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.created = append(h.created, name)
	h.mu.Unlock()
	return dynamostore.New(h.client, name), nil
}

// Capabilities: DynamoDB delivers changes through Streams, not a Feed.
func (h *harness) Capabilities() storetest.Capabilities { return storetest.Capabilities{} }

// Close deletes the tables the harness created, which matters on a
// long-running server given by STANZA_TEST_DYNAMODB_ENDPOINT. A table left
// over harms nothing: every run names its own.
func (h *harness) Close() {
	for _, name := range h.created {
		_ = deleteTable(context.Background(), h.client, name)
	}
}

func TestConformance(t *testing.T) {
	client := needServer(t)
	storetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (storetest.Harness, error) {
		return &harness{client: client}, nil
	})
}

// TestConformanceAWS runs the suite against a real table, made by the CDK
// stack or with CreateTableInput, when the environment names one.
func TestConformanceAWS(t *testing.T) {
	table := os.Getenv("STANZA_TEST_AWS_TABLE")
	hasCreds := os.Getenv("AWS_ACCESS_KEY_ID") != "" || os.Getenv("AWS_PROFILE") != ""
	if table == "" || !hasCreds {
		t.Skip("set STANZA_TEST_AWS_TABLE and AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE; with AWS_REGION) to run the suite against a real DynamoDB table")
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatalf("AWS configuration: %v", err)
	}
	client := dynamostore.NewClient(cfg, "")
	storetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (storetest.Harness, error) {
		return &harness{client: client, table: table}, nil
	})
}
