package protocollotest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stanzaportal/stanza/shared/protocollo"
	"github.com/stanzaportal/stanza/shared/protocollo/protocollotest"
)

func TestRemoteConformance(t *testing.T) {
	protocollotest.RunConformanceTests(t, func(*testing.T) protocollo.Registry { return &protocollotest.Remote{} })
}

func TestRemoteFailures(t *testing.T) {
	tests := []struct {
		name        string
		loseReplies bool
		want        string // the number of the call after the two failures
	}{
		{"FailsBeforeRegistering", false, "2026/0000001"},
		{"LosesRepliesAfterRegistering", true, "2026/0000003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &protocollotest.Remote{Failures: 2, LoseReplies: tt.loseReplies}
			for i, id := range []string{"a", "b"} {
				_, err := r.Register(context.Background(), protocollotest.Request("bugliano", 2026, id))
				if !protocollo.Retryable(err) || !errors.Is(err, protocollotest.ErrRemoteDown) {
					t.Fatalf("call %d: got %v, want a retryable ErrRemoteDown", i, err)
				}
			}
			reg, err := r.Register(context.Background(), protocollotest.Request("bugliano", 2026, "c"))
			if err != nil || reg.Number != tt.want {
				t.Fatalf("got %q, %v; want %q", reg.Number, err, tt.want)
			}
			if got := r.Calls(); got != 3 {
				t.Errorf("got %d calls, want 3", got)
			}
		})
	}
}
