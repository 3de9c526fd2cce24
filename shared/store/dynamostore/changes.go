package dynamostore

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stanzaportal/stanza/shared/store"
)

// Changes converts a batch of DynamoDB Streams records, as a Lambda receives
// them, into the store's changes, in the batch's order. The table's stream
// must carry new and old images. Items in a change are decoded as Get decodes
// them, and the record's event ID, stable across redeliveries, is the
// change's ID.
//
// A record that does not decode fails the whole batch, so that Lambda retries
// it rather than the worker skipping a change.
func Changes(ev events.DynamoDBEvent) ([]store.Change, error) {
	changes := make([]store.Change, 0, len(ev.Records))
	for _, r := range ev.Records {
		c, err := change(r)
		if err != nil {
			return nil, fmt.Errorf("dynamostore: stream record %s: %w", r.EventID, err)
		}
		changes = append(changes, c)
	}
	return changes, nil
}

func change(r events.DynamoDBEventRecord) (store.Change, error) {
	c := store.Change{ID: r.EventID, At: r.Change.ApproximateCreationDateTime.UTC()}
	switch events.DynamoDBOperationType(r.EventName) {
	case events.DynamoDBOperationTypeInsert:
		c.Kind = store.Created
	case events.DynamoDBOperationTypeModify:
		c.Kind = store.Updated
	case events.DynamoDBOperationTypeRemove:
		c.Kind = store.Deleted
	default:
		return store.Change{}, fmt.Errorf("unknown event name %q", r.EventName)
	}
	keys, err := streamAttrs(r.Change.Keys)
	if err != nil {
		return store.Change{}, err
	}
	if c.Key, err = decodeKey(keys); err != nil {
		return store.Change{}, err
	}
	if c.Old, err = streamItem(r.Change.OldImage); err != nil {
		return store.Change{}, fmt.Errorf("old image: %w", err)
	}
	if c.New, err = streamItem(r.Change.NewImage); err != nil {
		return store.Change{}, fmt.Errorf("new image: %w", err)
	}
	return c, nil
}

// streamItem decodes an image, nil when the record has none.
func streamItem(image map[string]events.DynamoDBAttributeValue) (*store.Item, error) {
	if image == nil {
		return nil, nil
	}
	attrs, err := streamAttrs(image)
	if err != nil {
		return nil, err
	}
	it, err := decodeItem(attrs)
	if err != nil {
		return nil, err
	}
	return &it, nil
}

// streamAttrs converts stream attributes to the SDK's, so that decodeItem
// serves both. The table holds strings, numbers and binaries only.
func streamAttrs(image map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	attrs := make(map[string]types.AttributeValue, len(image))
	for name, av := range image {
		switch av.DataType() {
		case events.DataTypeString:
			attrs[name] = &types.AttributeValueMemberS{Value: av.String()}
		case events.DataTypeNumber:
			attrs[name] = &types.AttributeValueMemberN{Value: av.Number()}
		case events.DataTypeBinary:
			attrs[name] = &types.AttributeValueMemberB{Value: av.Binary()}
		default:
			return nil, fmt.Errorf("attribute %q has a type the table does not use", name)
		}
	}
	return attrs, nil
}
