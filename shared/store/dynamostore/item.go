package dynamostore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stanzaportal/stanza/shared/store"
)

// Attribute names of the table layout (see the package doc).
const (
	attrPK      = "pk"
	attrSK      = "sk"
	attrVersion = "v"
	attrTTL     = "ttl"
	attrData    = "d"
	attrCounter = "n"
)

// indexAttrs returns the names of the key attributes of index ix.
func indexAttrs(ix store.Index) (pk, sk string) {
	return string(ix) + "pk", string(ix) + "sk"
}

func keyAttrs(k store.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: k.PK},
		attrSK: &types.AttributeValueMemberS{Value: k.SK},
	}
}

// decodeItem turns a stored item's attributes into a store.Item. Get, Put,
// Query and Changes all decode through it, so they agree on what an item is.
func decodeItem(attrs map[string]types.AttributeValue) (store.Item, error) {
	var it store.Item
	var err error
	if it.Key, err = decodeKey(attrs); err != nil {
		return store.Item{}, err
	}
	if it.Version, err = numberAttr(attrs, attrVersion); err != nil {
		return store.Item{}, err
	}
	if _, ok := attrs[attrTTL]; ok {
		secs, err := numberAttr(attrs, attrTTL)
		if err != nil {
			return store.Item{}, err
		}
		it.Expires = time.Unix(secs, 0).UTC()
	}
	if av, ok := attrs[attrData]; ok {
		b, ok := av.(*types.AttributeValueMemberB)
		if !ok {
			return store.Item{}, fmt.Errorf("dynamostore: attribute %q of %v is not binary", attrData, it.Key)
		}
		it.Data = b.Value
	}
	if _, ok := attrs[attrCounter]; ok {
		if it.Counter, err = numberAttr(attrs, attrCounter); err != nil {
			return store.Item{}, err
		}
	}
	for _, ix := range store.Indexes {
		pkName, skName := indexAttrs(ix)
		if _, ok := attrs[pkName]; !ok {
			continue
		}
		pk, err1 := stringAttr(attrs, pkName)
		sk, err2 := stringAttr(attrs, skName)
		if err1 != nil || err2 != nil {
			return store.Item{}, fmt.Errorf("dynamostore: index %s key of %v: %w", ix, it.Key, firstErr(err1, err2))
		}
		if it.Indexes == nil {
			it.Indexes = make(map[store.Index]store.Key)
		}
		it.Indexes[ix] = store.Key{PK: pk, SK: sk}
	}
	return it, nil
}

func decodeKey(attrs map[string]types.AttributeValue) (store.Key, error) {
	pk, err1 := stringAttr(attrs, attrPK)
	sk, err2 := stringAttr(attrs, attrSK)
	if err := firstErr(err1, err2); err != nil {
		return store.Key{}, err
	}
	return store.Key{PK: pk, SK: sk}, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func stringAttr(attrs map[string]types.AttributeValue, name string) (string, error) {
	s, ok := attrs[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", fmt.Errorf("dynamostore: attribute %q is missing or not a string", name)
	}
	return s.Value, nil
}

func numberAttr(attrs map[string]types.AttributeValue, name string) (int64, error) {
	n, ok := attrs[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("dynamostore: attribute %q is missing or not a number", name)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("dynamostore: attribute %q: %w", name, err)
	}
	return v, nil
}

// expr collects the placeholders of one request's expressions. DynamoDB
// refuses a request that defines a placeholder no expression uses, so each is
// defined where an expression uses it.
type expr struct {
	names  map[string]string
	values map[string]types.AttributeValue
}

// name returns the placeholder of an attribute name. Every name goes through
// one, since some of ours ("ttl") are DynamoDB reserved words.
func (e *expr) name(attr string) string {
	if e.names == nil {
		e.names = make(map[string]string)
	}
	e.names["#"+attr] = attr
	return "#" + attr
}

func (e *expr) value(key string, v types.AttributeValue) string {
	if e.values == nil {
		e.values = make(map[string]types.AttributeValue)
	}
	e.values[":"+key] = v
	return ":" + key
}

// live holds when the item is absent or has not expired at now. A comparison
// with a missing attribute is false in DynamoDB, hence the explicit test.
func (e *expr) live(now time.Time) string {
	ttl := e.name(attrTTL)
	return fmt.Sprintf("(attribute_not_exists(%s) OR %s > %s)", ttl, ttl, e.value("now", number(now.Unix())))
}

// expired holds when the item exists and has expired at now. Expires has
// second precision, so "not after now" is ttl <= now in whole seconds.
func (e *expr) expired(now time.Time) string {
	return fmt.Sprintf("%s <= %s", e.name(attrTTL), e.value("now", number(now.Unix())))
}

// condition returns the expression of c, in which an expired item counts as
// absent, or "" for the zero Condition.
func (e *expr) condition(c store.Condition, now time.Time) string {
	switch {
	case c.MustNotExist:
		return fmt.Sprintf("(attribute_not_exists(%s) OR %s)", e.name(attrPK), e.expired(now))
	case c.MustExist:
		return fmt.Sprintf("(attribute_exists(%s) AND %s)", e.name(attrPK), e.live(now))
	case c.Version > 0:
		return fmt.Sprintf("(%s = %s AND %s)", e.name(attrVersion), e.value("version", number(c.Version)), e.live(now))
	}
	return ""
}

// putInput returns the UpdateItem that replaces the stored item with item:
// it sets the attributes item has, removes those it lacks, leaves the counter
// alone and increments the version. It only applies to an absent or live
// item (see writeLive), and when cond holds.
func putInput(table string, item store.Item, cond store.Condition, now time.Time) *dynamodb.UpdateItemInput {
	var e expr
	v := e.name(attrVersion)
	set := []string{fmt.Sprintf("%s = if_not_exists(%s, %s) + %s", v, v, e.value("zero", number(0)), e.value("one", number(1)))}
	var remove []string
	if item.Expires.IsZero() {
		remove = append(remove, e.name(attrTTL))
	} else {
		set = append(set, e.name(attrTTL)+" = "+e.value("ttl", number(item.Expires.Unix())))
	}
	if len(item.Data) == 0 {
		remove = append(remove, e.name(attrData))
	} else {
		set = append(set, e.name(attrData)+" = "+e.value("d", &types.AttributeValueMemberB{Value: item.Data}))
	}
	for _, ix := range store.Indexes {
		pk, sk := indexAttrs(ix)
		if k, ok := item.Indexes[ix]; ok {
			set = append(set,
				e.name(pk)+" = "+e.value(pk, &types.AttributeValueMemberS{Value: k.PK}),
				e.name(sk)+" = "+e.value(sk, &types.AttributeValueMemberS{Value: k.SK}))
		} else {
			remove = append(remove, e.name(pk), e.name(sk))
		}
	}
	update := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		update += " REMOVE " + strings.Join(remove, ", ")
	}
	condition := e.live(now)
	if c := e.condition(cond, now); c != "" {
		condition += " AND " + c
	}
	return &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       keyAttrs(item.Key),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(condition),
		ExpressionAttributeNames:  e.names,
		ExpressionAttributeValues: e.values,
		ReturnValues:              types.ReturnValueAllNew,
	}
}

// queryInput returns the Query for q without its Limit and start key, which
// change from one request to the next.
func queryInput(table string, q store.Query, now time.Time) *dynamodb.QueryInput {
	pkName, skName := attrPK, attrSK
	in := &dynamodb.QueryInput{
		TableName:        aws.String(table),
		ScanIndexForward: aws.Bool(!q.Reverse),
	}
	if q.Index == "" {
		in.ConsistentRead = aws.Bool(true)
	} else {
		in.IndexName = aws.String(string(q.Index))
		pkName, skName = indexAttrs(q.Index)
	}
	var e expr
	str := func(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
	cond := e.name(pkName) + " = " + e.value("pk", str(q.PK))
	switch {
	case q.Prefix != "":
		cond += fmt.Sprintf(" AND begins_with(%s, %s)", e.name(skName), e.value("prefix", str(q.Prefix)))
	case q.From != "" && q.To != "":
		cond += fmt.Sprintf(" AND %s BETWEEN %s AND %s", e.name(skName), e.value("from", str(q.From)), e.value("to", str(q.To)))
	case q.From != "":
		cond += fmt.Sprintf(" AND %s >= %s", e.name(skName), e.value("from", str(q.From)))
	case q.To != "":
		cond += fmt.Sprintf(" AND %s <= %s", e.name(skName), e.value("to", str(q.To)))
	}
	in.KeyConditionExpression = aws.String(cond)
	in.FilterExpression = aws.String(e.live(now))
	in.ExpressionAttributeNames, in.ExpressionAttributeValues = e.names, e.values
	return in
}
