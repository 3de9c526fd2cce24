package dynamostore_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/dynamostore"
)

// DynamoDB deletes expired items lazily, and dynalite never does, so the
// conformance suite's expiry tests already see expired items still in the
// table. What they cannot see is what a write keeps of such an item: an
// expired item does not exist, so a write over it must start from nothing,
// not from its version, counter or index keys.
func TestWriteOverExpiredItemStartsOver(t *testing.T) {
	d, client, table := newTable(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		write func(k store.Key) error
		want  func(k store.Key) store.Item
	}{
		{"PutIfAbsent", func(k store.Key) error {
			_, err := d.Put(ctx, store.Item{Key: k, Data: []byte(`{"new":true}`)}, store.IfAbsent)
			return err
		}, func(k store.Key) store.Item {
			return store.Item{Key: k, Version: 1, Data: []byte(`{"new":true}`)}
		}},
		{"PutWithoutCondition", func(k store.Key) error {
			_, err := d.Put(ctx, store.Item{Key: k, Data: []byte(`{"new":true}`)}, store.Condition{})
			return err
		}, func(k store.Key) store.Item {
			return store.Item{Key: k, Version: 1, Data: []byte(`{"new":true}`)}
		}},
		{"Add", func(k store.Key) error {
			_, err := d.Add(ctx, k, 3)
			return err
		}, func(k store.Key) store.Item {
			return store.Item{Key: k, Version: 1, Counter: 3}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := store.Key{PK: "p", SK: tc.name}
			if _, err := d.Add(ctx, k, 5); err != nil {
				t.Fatalf("Add: %v", err)
			}
			expired := store.Item{
				Key:     k,
				Expires: time.Now().Add(-time.Hour).Truncate(time.Second),
				Indexes: map[store.Index]store.Key{store.GSI1: {PK: "ix", SK: tc.name}},
				Data:    []byte(`{"old":true}`),
			}
			if _, err := d.Put(ctx, expired, store.Condition{}); err != nil {
				t.Fatalf("Put expired: %v", err)
			}
			if rawItem(t, client, table, k) == nil {
				t.Fatal("the expired item is not in the table: the test would prove nothing")
			}
			if err := tc.write(k); err != nil {
				t.Fatalf("write: %v", err)
			}
			got, err := d.Get(ctx, k)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if want := tc.want(k); !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// A query whose first items have expired still fills its pages, and never
// returns an empty page with a cursor.
func TestQuerySkipsExpiredItemsAcrossPages(t *testing.T) {
	d, _, _ := newTable(t)
	ctx := context.Background()
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, sk := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		it := store.Item{Key: store.Key{PK: "p", SK: sk}}
		if sk < "f" {
			it.Expires = past
		}
		if _, err := d.Put(ctx, it, store.Condition{}); err != nil {
			t.Fatalf("Put %s: %v", sk, err)
		}
	}
	tests := []struct {
		name      string
		reverse   bool
		wantPages [][]string
	}{
		{"Forward", false, [][]string{{"f", "g"}, {"h"}}},
		{"Reverse", true, [][]string{{"h", "g"}, {"f"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := store.Query{PK: "p", Reverse: tc.reverse, Limit: 2}
			var pages [][]string
			var cursor []byte
			for {
				items, next, err := d.Query(ctx, q, cursor)
				if err != nil {
					t.Fatalf("Query: %v", err)
				}
				var page []string
				for _, it := range items {
					page = append(page, it.Key.SK)
				}
				pages = append(pages, page)
				if next == nil || len(pages) > len(tc.wantPages) {
					break
				}
				cursor = next
			}
			if !reflect.DeepEqual(pages, tc.wantPages) {
				t.Errorf("got pages %q, want %q", pages, tc.wantPages)
			}
		})
	}
}

// BatchGetItem may answer in part; BatchGet asks again for the keys left out
// and still returns the items in the order of the keys. No test server leaves
// keys out on request, so a fake answers the two calls.
func TestBatchGetRetriesUnprocessedKeys(t *testing.T) {
	item := func(sk string) map[string]map[string]string {
		return map[string]map[string]string{"pk": {"S": "p"}, "sk": {"S": sk}, "v": {"N": "1"}}
	}
	keys := func(sks ...string) []map[string]map[string]string {
		var ks []map[string]map[string]string
		for _, sk := range sks {
			ks = append(ks, map[string]map[string]string{"pk": {"S": "p"}, "sk": {"S": sk}})
		}
		return ks
	}
	// DynamoDB names the keys it left out as they were asked for; the fake
	// names only the keys, so that the test sees BatchGet ask for
	// consistent reads again by itself.
	answers := []map[string]any{
		{"Responses": map[string]any{"t": []any{item("c")}}, "UnprocessedKeys": map[string]any{"t": map[string]any{"Keys": keys("a", "b")}}},
		{"Responses": map[string]any{"t": []any{item("b"), item("a")}}, "UnprocessedKeys": map[string]any{}},
	}
	var mu sync.Mutex
	var requests []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if got := r.Header.Get("X-Amz-Target"); got != "DynamoDB_20120810.BatchGetItem" {
			http.Error(w, "unexpected operation "+got, http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req map[string]any
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if len(requests) == len(answers) {
			http.Error(w, "too many requests", http.StatusBadRequest)
			return
		}
		answer := answers[len(requests)]
		requests = append(requests, req["RequestItems"].(map[string]any))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(srv.Close)
	client := dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(srv.URL),
		Region:       "us-east-1",
		Credentials:  aws.AnonymousCredentials{},
	})

	items, err := dynamostore.New(client, "t").BatchGet(context.Background(),
		[]store.Key{{PK: "p", SK: "a"}, {PK: "p", SK: "b"}, {PK: "p", SK: "c"}})
	if err != nil {
		t.Fatalf("BatchGet: %v", err)
	}
	want := []store.Key{{PK: "p", SK: "a"}, {PK: "p", SK: "b"}, {PK: "p", SK: "c"}}
	if got := keysOf(items); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(requests) != 2 {
		t.Fatalf("got %d requests, want 2", len(requests))
	}
	wantSecond := map[string]any{"t": map[string]any{"ConsistentRead": true, "Keys": keys("a", "b")}}
	if got, want := jsonOf(t, requests[1]), jsonOf(t, wantSecond); got != want {
		t.Errorf("second request: got %s, want %s", got, want)
	}
}

func keysOf(items []store.Item) []store.Key {
	var ks []store.Key
	for _, it := range items {
		ks = append(ks, it.Key)
	}
	return ks
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
