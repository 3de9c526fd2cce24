package store

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
)

// Key addresses one item: a partition key and a sort key.
type Key struct {
	PK string `json:"pk"`
	SK string `json:"sk"`
}

// Index names a sparse secondary index. An item is in an index only when it
// sets that index's key in Item.Indexes.
type Index string

// The secondary indexes every adapter provides.
const (
	GSI1 Index = "gsi1"
	GSI2 Index = "gsi2"
)

// Indexes lists every secondary index, for adapters that create them.
var Indexes = []Index{GSI1, GSI2}

// Item is one stored record. Data is the record's JSON document; the store
// never looks inside it.
type Item struct {
	Key     Key
	Version int64         // 1 when created, one more at every Put
	Expires time.Time     // zero: never; otherwise invisible from then on (second precision)
	Indexes map[Index]Key // this item's keys in secondary indexes
	Data    []byte
	Counter int64 // value kept by Add
}

// Condition guards a write. The zero value imposes nothing.
type Condition struct {
	MustExist    bool
	MustNotExist bool
	Version      int64 // when > 0, the stored version must equal it
}

// Conditions for the common cases.
var (
	IfAbsent = Condition{MustNotExist: true}
	IfExists = Condition{MustExist: true}
)

// IfVersion returns the condition that the stored version is v.
func IfVersion(v int64) Condition { return Condition{Version: v} }

// Query selects items of one partition, of the table or of an index.
type Query struct {
	Index    Index  // "" for the table itself
	PK       string // partition key (of the index, when Index is set)
	Prefix   string // when set, only sort keys starting with it
	From, To string // when set, only sort keys in [From, To]
	Reverse  bool   // descending sort-key order
	Limit    int    // 1..MaxQueryLimit; 0 means DefaultQueryLimit
}

// Limits shared by every adapter; they follow DynamoDB's.
const (
	MaxKeyBytes       = 1024
	MaxItemBytes      = 350 * 1024 // leaves room under DynamoDB's 400 KB for keys and attributes
	MaxBatchGet       = 100
	MaxQueryLimit     = 1000
	DefaultQueryLimit = 50
)

func checkKeyPart(what, s string) error {
	switch {
	case s == "":
		return fault.New(fault.Invalid, "store: %s is empty", what)
	case len(s) > MaxKeyBytes:
		return fault.New(fault.Invalid, "store: %s is longer than %d bytes", what, MaxKeyBytes)
	case !utf8.ValidString(s):
		return fault.New(fault.Invalid, "store: %s is not valid UTF-8", what)
	}
	for _, r := range s {
		if r == 0 {
			return fault.New(fault.Invalid, "store: %s contains a NUL byte", what)
		}
	}
	return nil
}

func (k Key) check() error {
	if err := checkKeyPart("partition key", k.PK); err != nil {
		return err
	}
	return checkKeyPart("sort key", k.SK)
}

func (it Item) check() error {
	if err := it.Key.check(); err != nil {
		return err
	}
	if len(it.Data) > MaxItemBytes {
		return fault.New(fault.TooLarge, "store: item data is %d bytes, over %d", len(it.Data), MaxItemBytes)
	}
	for ix, k := range it.Indexes {
		if !knownIndex(ix) {
			return fault.New(fault.Invalid, "store: unknown index %q", ix)
		}
		if err := k.check(); err != nil {
			return fmt.Errorf("index %s: %w", ix, err)
		}
	}
	return nil
}

func knownIndex(ix Index) bool {
	for _, known := range Indexes {
		if ix == known {
			return true
		}
	}
	return false
}

// Expired reports whether the item is past its expiry at now.
func (it Item) Expired(now time.Time) bool {
	return !it.Expires.IsZero() && !it.Expires.After(now)
}

// Clone returns a deep copy of the item.
func (it Item) Clone() Item {
	c := it
	if it.Data != nil {
		c.Data = append([]byte(nil), it.Data...)
	}
	if it.Indexes != nil {
		c.Indexes = make(map[Index]Key, len(it.Indexes))
		for k, v := range it.Indexes {
			c.Indexes[k] = v
		}
	}
	return c
}
