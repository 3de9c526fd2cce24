// Package dynamostore is the store.Driver for Amazon DynamoDB: the whole store
// is one table, as the store package's single-table design expects.
//
// # Table
//
// CreateTableInput returns the table's definition, which the CDK stack
// reproduces attribute by attribute:
//
//	attribute  type  role
//	pk         S     partition key of the table (Item.Key.PK)
//	sk         S     sort key of the table (Item.Key.SK)
//	gsi1pk     S     partition key of index "gsi1" (Item.Indexes[store.GSI1].PK)
//	gsi1sk     S     sort key of index "gsi1"
//	gsi2pk     S     partition key of index "gsi2" (Item.Indexes[store.GSI2].PK)
//	gsi2sk     S     sort key of index "gsi2"
//	v          N     Item.Version
//	ttl        N     Item.Expires in epoch seconds; the table's TTL attribute
//	d          B     Item.Data, absent when empty
//	n          N     Item.Counter, absent until the first Add
//
// Both indexes project all attributes and are sparse: an item without an
// index's key attributes is not in it. Billing is on demand. The stream view
// must be NEW_AND_OLD_IMAGES, because the change feed (see Changes) carries
// the item before and after every write. Time to live cannot be set when a
// table is created; the stack enables it on "ttl" separately.
//
// # Writes
//
// Put is an UpdateItem that sets every attribute the item has and removes the
// ones it lacks, rather than a PutItem: the server then computes the new
// version as if_not_exists(v, 0) + 1 and keeps the counter in the same atomic
// step, where a PutItem would need the stored version read first and a retry
// loop around the race between the read and the write.
//
// # Expiry
//
// DynamoDB deletes expired items when it gets round to it, often hours later.
// Until then they are still in the table, and the store's contract says they
// must not exist: reads and queries leave them out, and conditions treat them
// as absent. A write must also not inherit an expired item's version or
// counter, so Put and Add only update an item that is absent or live; when an
// expired one is in the way they delete it (conditionally on its expiry) and
// write again. That delete shows in the change feed like DynamoDB's own TTL
// deletion would, a little earlier.
//
// # Consistency
//
// Reads of the table are strongly consistent, so a caller reads its own
// writes. Queries of a secondary index cannot be: DynamoDB updates indexes
// asynchronously, usually within a second.
//
// # Errors
//
// A failed condition is a fault.Conflict error and a missing item a
// fault.NotFound one. Every other DynamoDB error is returned as it is.
package dynamostore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

var _ store.Driver = (*Store)(nil)

// Store is a store.Driver over one DynamoDB table.
type Store struct {
	client *dynamodb.Client
	table  string
}

// New returns a driver for table, which must have the layout of
// CreateTableInput.
func New(client *dynamodb.Client, table string) *Store {
	return &Store{client: client, table: table}
}

// NewClient returns a DynamoDB client for cfg; endpoint, when set,
// replaces AWS's (dynalite, DynamoDB Local).
func NewClient(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// CreateTableInput returns the definition of a table named name with the
// layout the driver expects (see the package doc).
func CreateTableInput(name string) *dynamodb.CreateTableInput {
	attrs := []types.AttributeDefinition{
		{AttributeName: aws.String(attrPK), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: aws.String(attrSK), AttributeType: types.ScalarAttributeTypeS},
	}
	var gsis []types.GlobalSecondaryIndex
	for _, ix := range store.Indexes {
		pk, sk := indexAttrs(ix)
		attrs = append(attrs,
			types.AttributeDefinition{AttributeName: aws.String(pk), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String(sk), AttributeType: types.ScalarAttributeTypeS})
		gsis = append(gsis, types.GlobalSecondaryIndex{
			IndexName:  aws.String(string(ix)),
			KeySchema:  keySchema(pk, sk),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	return &dynamodb.CreateTableInput{
		TableName:              aws.String(name),
		AttributeDefinitions:   attrs,
		KeySchema:              keySchema(attrPK, attrSK),
		GlobalSecondaryIndexes: gsis,
		BillingMode:            types.BillingModePayPerRequest,
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewTypeNewAndOldImages,
		},
	}
}

func keySchema(pk, sk string) []types.KeySchemaElement {
	return []types.KeySchemaElement{
		{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
		{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
	}
}

// Get returns the item at k, or a NotFound error.
func (s *Store) Get(ctx context.Context, k store.Key) (store.Item, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            keyAttrs(k),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return store.Item{}, translate(err)
	}
	if out.Item == nil {
		return store.Item{}, notFound()
	}
	it, err := decodeItem(out.Item)
	if err != nil {
		return store.Item{}, err
	}
	if it.Expired(time.Now()) {
		return store.Item{}, notFound()
	}
	return it, nil
}

func notFound() error {
	return fault.New(fault.NotFound, "L'elemento richiesto non esiste.")
}

// BatchGet returns the live items among keys, in the order of keys.
func (s *Store) BatchGet(ctx context.Context, keys []store.Key) ([]store.Item, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	req := types.KeysAndAttributes{ConsistentRead: aws.Bool(true)}
	for _, k := range keys {
		req.Keys = append(req.Keys, keyAttrs(k))
	}
	found := make(map[store.Key]store.Item, len(keys))
	// BatchGetItem answers in part when the response would pass 16 MB or the
	// table is throttled, and names the keys it left out: ask again for those,
	// waiting longer each time as AWS advises.
	const attempts = 8
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{s.table: req},
		})
		if err != nil {
			return nil, translate(err)
		}
		for _, attrs := range out.Responses[s.table] {
			it, err := decodeItem(attrs)
			if err != nil {
				return nil, err
			}
			found[it.Key] = it
		}
		rest, ok := out.UnprocessedKeys[s.table]
		if !ok || len(rest.Keys) == 0 {
			break
		}
		if attempt == attempts {
			return nil, fmt.Errorf("dynamostore: %d keys still unprocessed after %d batch reads", len(rest.Keys), attempts)
		}
		req.Keys = rest.Keys
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
	now := time.Now()
	var items []store.Item
	for _, k := range keys {
		if it, ok := found[k]; ok && !it.Expired(now) {
			items = append(items, it)
		}
	}
	return items, nil
}

// Put replaces the item when cond holds and returns it as stored.
func (s *Store) Put(ctx context.Context, item store.Item, cond store.Condition) (store.Item, error) {
	var stored map[string]types.AttributeValue
	err := s.writeLive(ctx, item.Key, func(now time.Time) error {
		in := putInput(s.table, item, cond, now)
		out, err := s.client.UpdateItem(ctx, in)
		if err == nil {
			stored = out.Attributes
		}
		return err
	})
	if err != nil {
		return store.Item{}, err
	}
	return decodeItem(stored)
}

// Delete removes the item at k when cond holds.
func (s *Store) Delete(ctx context.Context, k store.Key, cond store.Condition) error {
	in := &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: keyAttrs(k)}
	var e expr
	if c := e.condition(cond, time.Now()); c != "" {
		in.ConditionExpression = aws.String(c)
		in.ExpressionAttributeNames, in.ExpressionAttributeValues = e.names, e.values
	}
	_, err := s.client.DeleteItem(ctx, in)
	return translate(err)
}

// Add adds delta to the counter at k and returns the new value. It bumps the
// version too, so that a version condition notices a counter change.
func (s *Store) Add(ctx context.Context, k store.Key, delta int64) (int64, error) {
	var n int64
	err := s.writeLive(ctx, k, func(now time.Time) error {
		var e expr
		in := &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table),
			Key:       keyAttrs(k),
			UpdateExpression: aws.String(fmt.Sprintf("ADD %s %s, %s %s",
				e.name(attrCounter), e.value("delta", number(delta)),
				e.name(attrVersion), e.value("one", number(1)))),
			ConditionExpression: aws.String(e.live(now)),
			ReturnValues:        types.ReturnValueUpdatedNew,
		}
		in.ExpressionAttributeNames, in.ExpressionAttributeValues = e.names, e.values
		out, err := s.client.UpdateItem(ctx, in)
		if err != nil {
			return err
		}
		n, err = numberAttr(out.Attributes, attrCounter)
		return err
	})
	return n, err
}

// writeLive runs write, an update conditioned on the item being absent or
// live, and translates its error. When the condition fails because an expired
// item is still in the table, it deletes that item and runs write again: see
// Expiry in the package doc. Each round removes an expired item, so the loop
// ends unless other writers keep storing expired items at the same key.
func (s *Store) writeLive(ctx context.Context, k store.Key, write func(now time.Time) error) error {
	for {
		err := write(time.Now())
		if !isConditionFailed(err) {
			return translate(err)
		}
		removed, rerr := s.removeExpired(ctx, k)
		if rerr != nil {
			return rerr
		}
		if !removed {
			return translate(err)
		}
	}
}

// removeExpired deletes the item at k if it has expired, and reports whether
// it did.
func (s *Store) removeExpired(ctx context.Context, k store.Key) (bool, error) {
	var e expr
	in := &dynamodb.DeleteItemInput{
		TableName:           aws.String(s.table),
		Key:                 keyAttrs(k),
		ConditionExpression: aws.String(e.expired(time.Now())),
	}
	in.ExpressionAttributeNames, in.ExpressionAttributeValues = e.names, e.values
	_, err := s.client.DeleteItem(ctx, in)
	switch {
	case isConditionFailed(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// Query returns up to q.Limit live items of one partition.
func (s *Store) Query(ctx context.Context, q store.Query, after []byte) ([]store.Item, []byte, error) {
	in := queryInput(s.table, q, time.Now())
	if after != nil {
		start, err := decodeCursor(after)
		if err != nil {
			return nil, nil, err
		}
		in.ExclusiveStartKey = start
	}
	// The expiry filter runs after DynamoDB has counted Limit items, so a
	// response may hold fewer live items than asked, even none, and still
	// have more to read. Read on until the page is full or the partition
	// ends, so that no page is empty while a cursor goes on.
	var items []store.Item
	for {
		in.Limit = aws.Int32(int32(q.Limit - len(items)))
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return nil, nil, translate(err)
		}
		for _, attrs := range out.Items {
			it, err := decodeItem(attrs)
			if err != nil {
				return nil, nil, err
			}
			items = append(items, it)
		}
		if out.LastEvaluatedKey == nil {
			return items, nil, nil
		}
		if len(items) == q.Limit {
			cursor, err := encodeCursor(out.LastEvaluatedKey)
			return items, cursor, err
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// Close does nothing: the client holds no resources that need releasing.
func (s *Store) Close() error { return nil }

// encodeCursor turns a LastEvaluatedKey, whose values are all key strings,
// into bytes. The store signs cursors, so decodeCursor only sees what
// encodeCursor made.
func encodeCursor(key map[string]types.AttributeValue) ([]byte, error) {
	flat := make(map[string]string, len(key))
	for name, av := range key {
		s, ok := av.(*types.AttributeValueMemberS)
		if !ok {
			return nil, fmt.Errorf("dynamostore: key attribute %q of a query cursor is not a string", name)
		}
		flat[name] = s.Value
	}
	return json.Marshal(flat)
}

func decodeCursor(b []byte) (map[string]types.AttributeValue, error) {
	var flat map[string]string
	if err := json.Unmarshal(b, &flat); err != nil {
		return nil, fmt.Errorf("dynamostore: decode query cursor: %w", err)
	}
	key := make(map[string]types.AttributeValue, len(flat))
	for name, s := range flat {
		key[name] = &types.AttributeValueMemberS{Value: s}
	}
	return key, nil
}

// translate turns the DynamoDB errors the store contract names into fault
// errors; it is the only place that looks at DynamoDB error types.
func translate(err error) error {
	if isConditionFailed(err) {
		return fault.Wrap(err, fault.Conflict, "L'operazione è in conflitto con lo stato attuale dei dati.")
	}
	return err
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
