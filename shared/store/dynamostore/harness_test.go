package dynamostore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/dynamostore"
)

// The tests run against a DynamoDB-protocol server: the one at
// STANZA_TEST_DYNAMODB_ENDPOINT when set, otherwise a dynalite that TestMain
// starts and stops. dynalite comes from tools/dynalite (npm ci --prefix
// tools/dynalite).
var (
	endpoint      string // the server's URL, "" when there is none
	serverMissing string // why there is none, when it is something to install
	serverErr     error  // why there is none, when starting it failed
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if endpoint = os.Getenv("STANZA_TEST_DYNAMODB_ENDPOINT"); endpoint != "" {
		return m.Run()
	}
	stop, err := startDynalite()
	serverErr = err
	if stop != nil {
		defer stop()
	}
	return m.Run()
}

// startDynalite starts dynalite on a free loopback port, sets endpoint, and
// returns the function that stops it. It returns neither a function nor an
// error when dynalite is not installed, after saying so in serverMissing.
func startDynalite() (stop func(), err error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	cli := filepath.Join(root, "tools", "dynalite", "node_modules", "dynalite", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		serverMissing = "dynalite is not installed: run `npm ci --prefix tools/dynalite` at the repository root"
		return nil, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		serverMissing = "node is not on PATH: install Node.js 20 or later to run dynalite"
		return nil, nil
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// The preloaded module makes node exit when its stdin closes, which
	// happens however this process ends, even when a test timeout kills it
	// before TestMain can stop dynalite: no node process outlives the tests.
	// dynalite serves from node's own process (no children to reap).
	const exitWithParent = `data:text/javascript,process.stdin.on("end",()=>process.exit()).resume()`
	cmd := exec.Command(node, "--import", exitWithParent, cli,
		"--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--createTableMs", "0", "--deleteTableMs", "0")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out := &readyWriter{ready: make(chan struct{})}
	cmd.Stdout = out
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting dynalite: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-out.ready:
	case err := <-exited:
		return nil, fmt.Errorf("dynalite exited before listening (%v): %s", err, stderr.String())
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-exited
		return nil, fmt.Errorf("dynalite did not listen within 15s: %s", stderr.String())
	}
	endpoint = "http://127.0.0.1:" + strconv.Itoa(port)
	return func() {
		stdin.Close()
		cmd.Process.Kill()
		<-exited
	}, nil
}

// readyWriter takes dynalite's output and closes ready once dynalite says it
// listens. Only the command's copying goroutine calls Write.
type readyWriter struct {
	seen  strings.Builder
	ready chan struct{}
	done  bool
}

func (w *readyWriter) Write(p []byte) (int, error) {
	if !w.done {
		w.seen.Write(p)
		if strings.Contains(w.seen.String(), "Dynalite listening at") {
			w.done = true
			close(w.ready)
		}
	}
	return len(p), nil
}

// moduleRoot returns the directory of go.mod, looking upward from the
// working directory (the package's folder under go test).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// needServer returns a client of the test server, or ends the test when
// there is none: it skips when the server is not installed, except on CI,
// where everything is installed and a skip would hide a broken setup.
func needServer(t *testing.T) *dynamodb.Client {
	t.Helper()
	switch {
	case serverErr != nil:
		t.Fatalf("DynamoDB test server: %v", serverErr)
	case endpoint == "" && os.Getenv("CI") == "true":
		t.Fatalf("no DynamoDB test server on CI: %s", serverMissing)
	case endpoint == "":
		t.Skip(serverMissing)
	}
	// A test server takes any credentials, but the client must sign with
	// some and name a region.
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	if err != nil {
		t.Fatalf("AWS configuration: %v", err)
	}
	return dynamostore.NewClient(cfg, endpoint)
}

// createTable creates a table with a name no other test uses and waits until
// it is active.
func createTable(ctx context.Context, client *dynamodb.Client) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	name := "stanza-test-" + hex.EncodeToString(b)
	if _, err := client.CreateTable(ctx, dynamostore.CreateTableInput(name)); err != nil {
		return "", fmt.Errorf("creating table %s: %w", name, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		return "", fmt.Errorf("waiting for table %s: %w", name, err)
	}
	return name, nil
}

func deleteTable(ctx context.Context, client *dynamodb.Client, name string) error {
	_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	return err
}

// newTable returns a driver over a new table, deleted when t ends.
func newTable(t *testing.T) (*dynamostore.Store, *dynamodb.Client, string) {
	t.Helper()
	client := needServer(t)
	ctx := context.Background()
	name, err := createTable(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := deleteTable(ctx, client, name); err != nil {
			t.Errorf("deleting table %s: %v", name, err)
		}
	})
	return dynamostore.New(client, name), client, name
}

// rawItem returns the item at k as the table holds it, expired or not, or
// nil when there is none.
func rawItem(t *testing.T, client *dynamodb.Client, table string, k store.Key) map[string]types.AttributeValue {
	t.Helper()
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: k.PK}, "sk": &types.AttributeValueMemberS{Value: k.SK}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem %v: %v", k, err)
	}
	return out.Item
}
