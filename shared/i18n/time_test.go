package i18n

import (
	"testing"
	"time"
)

func TestTimesAreRomes(t *testing.T) {
	tests := []struct {
		name   string
		format func(time.Time) string
		at     time.Time
		want   string
	}{
		{"DateInWinter", Date, time.Date(2026, 11, 26, 13, 5, 0, 0, time.UTC), "26 novembre 2026"},
		{"DateAcrossMidnight", Date, time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "1 gennaio 2027"},
		{"ShortDateAcrossMidnight", ShortDate, time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC), "03/03/2026"},
		{"ClockInWinter", Clock, time.Date(2026, 11, 26, 13, 5, 0, 0, time.UTC), "14:05"},
		{"ClockInSummer", Clock, time.Date(2026, 7, 1, 13, 5, 0, 0, time.UTC), "15:05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.format(tt.at); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
