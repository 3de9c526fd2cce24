package i18n

import (
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Rome whatever zones the host has (a Lambda has none)
)

// Rome is Italy's time zone. The portal shows every time in it, and counts
// in it the days and weeks of the metrics and the years of a register,
// whatever zone the host runs in.
var Rome = mustLocation("Europe/Rome")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var months = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
	"agosto", "settembre", "ottobre", "novembre", "dicembre"}

// Date writes the day of t in Italian time, as Italians write it in a
// sentence: "3 marzo 2026".
func Date(t time.Time) string {
	t = t.In(Rome)
	return fmt.Sprintf("%d %s %d", t.Day(), months[t.Month()-1], t.Year())
}

// ShortDate writes the day of t in Italian time in figures: "03/03/2026".
func ShortDate(t time.Time) string { return t.In(Rome).Format("02/01/2006") }

// Clock writes the hour and minute of t in Italian time: "14:05".
func Clock(t time.Time) string { return t.In(Rome).Format("15:04") }
