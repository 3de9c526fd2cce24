package dynamostore_test

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/dynamostore"
)

// testdata/stream.json is an event as Lambda delivers it from a table's
// stream: an insert, an update and a deletion by TTL.
func TestChangesFromLambdaEvent(t *testing.T) {
	b, err := os.ReadFile("testdata/stream.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("decoding the event: %v", err)
	}
	got, err := dynamostore.Changes(ev)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	pratica := store.Key{PK: "t#roma#pratiche", SK: "P-0001"}
	submitted := &store.Item{
		Key:     pratica,
		Version: 1,
		Indexes: map[store.Index]store.Key{store.GSI1: {PK: "t#roma#coda#anagrafe", SK: "2026-01-01T10:00:00Z#P-0001"}},
		Data:    []byte(`{"stato":"inviata"}`),
	}
	done := store.Key{PK: "g#done#email", SK: "7de3041dd8f4a5b6c1e2f3a4b5c6d7e8"}
	want := []store.Change{
		{
			ID:   "7de3041dd8f4a5b6c1e2f3a4b5c6d7e8",
			Kind: store.Created,
			Key:  pratica,
			New:  submitted,
			At:   time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC),
		},
		{
			ID:   "8ef4152ee9a5b6c7d2f3a4b5c6d7e8f9",
			Kind: store.Updated,
			Key:  pratica,
			Old:  submitted,
			New: &store.Item{
				Key:     pratica,
				Version: 2,
				Indexes: map[store.Index]store.Key{store.GSI2: {PK: "t#roma#operatore#mrossi", SK: "P-0001"}},
				Data:    []byte(`{"stato":"presa_in_carico"}`),
				Counter: 3,
			},
			At: time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC),
		},
		{
			ID:   "9f05263ffab6c7d8e3a4b5c6d7e8f90a",
			Kind: store.Deleted,
			Key:  done,
			Old:  &store.Item{Key: done, Version: 1, Expires: time.Date(2026, 1, 8, 10, 0, 0, 0, time.UTC)},
			At:   time.Date(2026, 1, 8, 10, 0, 0, 0, time.UTC),
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", jsonOf(t, got), jsonOf(t, want))
	}
}

func TestChangesRejectsWhatTheTableDoesNotHold(t *testing.T) {
	key := map[string]events.DynamoDBAttributeValue{
		"pk": events.NewStringAttribute("p"),
		"sk": events.NewStringAttribute("s"),
	}
	image := func(name string, av events.DynamoDBAttributeValue) map[string]events.DynamoDBAttributeValue {
		m := map[string]events.DynamoDBAttributeValue{
			"pk": key["pk"], "sk": key["sk"], "v": events.NewNumberAttribute("1"),
		}
		m[name] = av
		return m
	}
	tests := []struct {
		name   string
		record events.DynamoDBEventRecord
	}{
		{"ErrUnknownEventName", events.DynamoDBEventRecord{
			EventName: "TRUNCATE",
			Change:    events.DynamoDBStreamRecord{Keys: key},
		}},
		{"ErrKeyMissing", events.DynamoDBEventRecord{
			EventName: "REMOVE",
			Change:    events.DynamoDBStreamRecord{Keys: map[string]events.DynamoDBAttributeValue{"pk": key["pk"]}},
		}},
		{"ErrDataNotBinary", events.DynamoDBEventRecord{
			EventName: "INSERT",
			Change:    events.DynamoDBStreamRecord{Keys: key, NewImage: image("d", events.NewStringAttribute("{}"))},
		}},
		{"ErrVersionNotANumber", events.DynamoDBEventRecord{
			EventName: "MODIFY",
			Change:    events.DynamoDBStreamRecord{Keys: key, OldImage: image("v", events.NewStringAttribute("1"))},
		}},
		{"ErrAttributeTypeNotUsed", events.DynamoDBEventRecord{
			EventName: "INSERT",
			Change:    events.DynamoDBStreamRecord{Keys: key, NewImage: image("x", events.NewBooleanAttribute(true))},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{tc.record}}
			if got, err := dynamostore.Changes(ev); err == nil {
				t.Errorf("got %+v and no error, want an error", got)
			}
		})
	}
}

// An item written through the driver, as its stream record carries it,
// decodes to what Get returns.
func TestChangesDecodeAsGet(t *testing.T) {
	d, client, table := newTable(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		write func(k store.Key) error
	}{
		{"DataOnly", func(k store.Key) error {
			_, err := d.Put(ctx, store.Item{Key: k, Data: []byte(`{"a":1}`)}, store.Condition{})
			return err
		}},
		{"EveryAttribute", func(k store.Key) error {
			if _, err := d.Add(ctx, k, 7); err != nil {
				return err
			}
			_, err := d.Put(ctx, store.Item{
				Key:     k,
				Expires: time.Now().Add(time.Hour).Truncate(time.Second),
				Indexes: map[store.Index]store.Key{store.GSI1: {PK: "i1", SK: "a"}, store.GSI2: {PK: "i2", SK: "b"}},
				Data:    []byte{0, 1, 2, 0xff},
			}, store.IfExists)
			return err
		}},
		{"CounterOnly", func(k store.Key) error {
			_, err := d.Add(ctx, k, -2)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := store.Key{PK: "p", SK: tc.name}
			if err := tc.write(k); err != nil {
				t.Fatalf("writing: %v", err)
			}
			want, err := d.Get(ctx, k)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			raw := rawItem(t, client, table, k)
			record := events.DynamoDBEventRecord{
				EventID:   "e-" + tc.name,
				EventName: "INSERT",
				Change: events.DynamoDBStreamRecord{
					Keys:     streamImage(t, map[string]types.AttributeValue{"pk": raw["pk"], "sk": raw["sk"]}),
					NewImage: streamImage(t, raw),
				},
			}
			// Through JSON, as Lambda delivers it.
			var ev events.DynamoDBEvent
			if err := json.Unmarshal([]byte(jsonOf(t, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record}})), &ev); err != nil {
				t.Fatal(err)
			}
			changes, err := dynamostore.Changes(ev)
			if err != nil {
				t.Fatalf("Changes: %v", err)
			}
			if len(changes) != 1 || changes[0].New == nil {
				t.Fatalf("got %+v, want one change with a new image", changes)
			}
			if got := *changes[0].New; !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// streamImage converts attributes as the SDK returns them to a stream image.
func streamImage(t *testing.T, attrs map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	t.Helper()
	image := make(map[string]events.DynamoDBAttributeValue, len(attrs))
	for name, av := range attrs {
		switch v := av.(type) {
		case *types.AttributeValueMemberS:
			image[name] = events.NewStringAttribute(v.Value)
		case *types.AttributeValueMemberN:
			image[name] = events.NewNumberAttribute(v.Value)
		case *types.AttributeValueMemberB:
			image[name] = events.NewBinaryAttribute(v.Value)
		default:
			t.Fatalf("attribute %q has type %T, which the table does not use", name, av)
		}
	}
	return image
}
