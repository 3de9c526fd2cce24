package lambdahost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/webhook"
	"github.com/stanzaportal/stanza/shared/worker"
)

// failOn is a handler that fails on one sort key and records the others.
type failOn struct {
	sk   string
	seen []string
}

func (f *failOn) Name() string { return "test" }

func (f *failOn) Handle(_ context.Context, ch store.Change) error {
	if ch.Key.SK == f.sk {
		return errors.New("receiver down")
	}
	f.seen = append(f.seen, ch.Key.SK)
	return nil
}

// streamEvent is a batch as a Lambda receives it from DynamoDB Streams.
func streamEvent(t *testing.T, sks ...string) events.DynamoDBEvent {
	t.Helper()
	var records []any
	for i, sk := range sks {
		key := map[string]any{"pk": map[string]string{"S": "t#esempio#p"}, "sk": map[string]string{"S": sk}}
		image := map[string]any{"pk": key["pk"], "sk": key["sk"], "v": map[string]string{"N": "1"}}
		records = append(records, map[string]any{
			"eventID": fmt.Sprintf("event-%d", i), "eventName": "INSERT", "eventSource": "aws:dynamodb",
			"dynamodb": map[string]any{
				"Keys": key, "NewImage": image, "SequenceNumber": fmt.Sprintf("10%d", i),
				"StreamViewType": "NEW_AND_OLD_IMAGES", "ApproximateCreationDateTime": 1767261600,
			},
		})
	}
	raw, _ := json.Marshal(map[string]any{"Records": records})
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestStreamReportsFailuresInOrder checks the worker function's answer to a
// batch whose second change fails: that change and the ones after it are
// reported, so Lambda retries them in order; the first is not redone.
func TestStreamReportsFailuresInOrder(t *testing.T) {
	db := bolttest.DB(t)
	h := &failOn{sk: "b"}
	fn := Stream(worker.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), h))

	ev := streamEvent(t, "a", "b", "c")
	resp, err := fn(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if !slices.Equal(failed, []string{"101", "102"}) {
		t.Errorf("failures: got %v, want [101 102]", failed)
	}

	// Lambda retries from the failed record; the receiver is back.
	h.sk = ""
	if resp, err := fn(context.Background(), ev); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("retry: %+v %v", resp, err)
	}
	if !slices.Equal(h.seen, []string{"a", "b", "c"}) {
		t.Errorf("handled %v, want a, b, c once each", h.seen)
	}

	// A record that cannot be decoded fails the whole batch.
	bad := streamEvent(t, "x")
	bad.Records[0].EventName = "TRUNCATE"
	if _, err := fn(context.Background(), bad); err == nil {
		t.Error("an undecodable batch was accepted")
	}
}

// TestScheduledTickOnlyDelivers feeds the worker function the event that
// the every-minute schedule sends: it carries no stream records, so the
// worker processes nothing and answers without failures.
func TestScheduledTickOnlyDelivers(t *testing.T) {
	db := bolttest.DB(t)
	h := &failOn{sk: "never"}
	fn := Deliver(webhook.New(db, webhook.Options{}), Stream(worker.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), h)))
	var ev events.DynamoDBEvent
	tick := `{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","time":"2026-11-26T12:00:00Z","resources":[],"detail":{}}`
	if err := json.Unmarshal([]byte(tick), &ev); err != nil {
		t.Fatal(err)
	}
	resp, err := fn(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 || len(h.seen) != 0 {
		t.Fatalf("got %+v, %v, handled %v; want nothing done and no failure", resp, err, h.seen)
	}
}
