package tenant_test

import (
	"context"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/tenant"
)

func TestDirectory(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	dir := tenant.NewDirectory(db)

	for _, c := range []tenant.Comune{{ID: "bosco", Name: "Comune di Bosco"}, {ID: "argine", Name: "Comune di Argine"}} {
		if err := dir.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		create   tenant.Comune
		wantCode fault.Code
	}{
		{"ErrExists", tenant.Comune{ID: "bosco", Name: "Altro"}, fault.Conflict},
		{"ErrBadID", tenant.Comune{ID: "Bosco Alto", Name: "X"}, fault.Invalid},
		{"ErrNoName", tenant.Comune{ID: "valle"}, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := dir.Create(ctx, tt.create); fault.CodeOf(err) != tt.wantCode {
				t.Errorf("got %v, want %s", err, tt.wantCode)
			}
		})
	}
	if got, err := dir.Get(ctx, "bosco"); err != nil || got.Name != "Comune di Bosco" {
		t.Errorf("Get: got %+v (%v)", got, err)
	}
	for _, id := range []string{"valle", "NOT/valid", ""} {
		if _, err := dir.Get(ctx, id); !fault.Is(err, fault.NotFound) {
			t.Errorf("Get(%q): got %v, want not found", id, err)
		}
	}
	list, err := dir.List(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "argine" || list[1].ID != "bosco" {
		t.Errorf("List: got %+v (%v), want argine, bosco", list, err)
	}
}
