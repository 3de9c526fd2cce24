package testidp

import (
	"strings"
	"testing"
	"time"
)

// fiscalCodeCheck returns the check character of the first 15 characters of
// an Italian fiscal code (DM 23/12/1976).
func fiscalCodeCheck(cf string) byte {
	odd := []int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
	sum := 0
	for i := 0; i < 15; i++ {
		c := cf[i]
		v := int(c - 'A')
		if c >= '0' && c <= '9' {
			v = int(c - '0')
		}
		if i%2 == 0 { // positions 1, 3, 5… counting from one
			v = odd[v]
		}
		sum += v
	}
	return byte('A' + sum%26)
}

func TestFiscalCodeCheck(t *testing.T) {
	// A fiscal code published as an example by the Agenzia delle Entrate.
	if got := fiscalCodeCheck("RSSMRA85T10A562S"); got != 'S' {
		t.Errorf("got %c, want S", got)
	}
}

// TestIdentitiesAreValid checks each identity's fiscal code against its own
// data: birth date and gender encoded, place of birth, check character.
func TestIdentitiesAreValid(t *testing.T) {
	const months = "ABCDEHLMPRST"
	seen := map[string]bool{}
	for _, id := range Identities() {
		t.Run(id.Name+id.FamilyName, func(t *testing.T) {
			cf := id.FiscalCode()
			if id.FiscalNumber != "TINIT-"+cf || len(cf) != 16 {
				t.Fatalf("fiscalNumber %q: want TINIT- and 16 characters", id.FiscalNumber)
			}
			if got := fiscalCodeCheck(cf); got != cf[15] {
				t.Errorf("check character: got %c, want %c", cf[15], got)
			}
			birth, err := time.Parse("2006-01-02", id.DateOfBirth)
			if err != nil {
				t.Fatalf("dateOfBirth %q: %v", id.DateOfBirth, err)
			}
			day := birth.Day()
			if id.Gender == "F" {
				day += 40
			} else if id.Gender != "M" {
				t.Errorf("gender: got %q, want M or F", id.Gender)
			}
			want := birth.Format("06") + string(months[birth.Month()-1]) + twoDigits(day) + id.PlaceOfBirth
			if cf[6:15] != want {
				t.Errorf("fiscal code %s: birth and place part %s, want %s", cf, cf[6:15], want)
			}
			for name, v := range map[string]string{"spidCode": id.SpidCode, "name": id.Name, "familyName": id.FamilyName,
				"email": id.Email, "mobilePhone": id.MobilePhone, "countyOfBirth": id.CountyOfBirth,
				"address": id.Address, "description": id.Description} {
				if v == "" {
					t.Errorf("%s is empty", name)
				}
			}
			if id.IvaCode != "" && !validVAT(strings.TrimPrefix(id.IvaCode, "VATIT-")) {
				t.Errorf("ivaCode %q is not a valid VAT number", id.IvaCode)
			}
			if seen[cf] || seen[id.SpidCode] {
				t.Errorf("fiscal code or spidCode repeated")
			}
			seen[cf], seen[id.SpidCode] = true, true
		})
	}
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// validVAT checks an Italian VAT number (partita IVA): 11 digits, the last
// a Luhn-style check digit.
func validVAT(v string) bool {
	if len(v) != 11 {
		return false
	}
	sum := 0
	for i := 0; i < 10; i++ {
		d := int(v[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return int(v[10]-'0') == (10-sum%10)%10
}

// TestIdentitiesCoverProfiles checks the mix of ages and families that
// profiling features need. Ages are taken on the date the identities were
// written, so the test does not change meaning as years pass.
func TestIdentitiesCoverProfiles(t *testing.T) {
	ref := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	age := func(id Identity) int {
		b, _ := time.Parse("2006-01-02", id.DateOfBirth)
		a := ref.Year() - b.Year()
		if ref.YearDay() < b.YearDay() {
			a--
		}
		return a
	}
	var pensioner, young, parent, newbornParent bool
	families := map[string]int{}
	for _, id := range Identities() {
		a := age(id)
		if a < 18 {
			t.Errorf("%s %s is %d: SPID identities are adults here", id.Name, id.FamilyName, a)
		}
		pensioner = pensioner || a > 70
		young = young || (a >= 18 && a <= 25)
		parent = parent || (a >= 40 && a <= 60 && strings.Contains(id.Description, "figli"))
		newbornParent = newbornParent || strings.Contains(id.Description, "neonat")
		families[id.FamilyName+"|"+id.Address]++
	}
	if !pensioner || !young || !parent || !newbornParent {
		t.Errorf("got pensioner %v, young adult %v, middle-aged parent %v, newborn's parent %v; want all",
			pensioner, young, parent, newbornParent)
	}
	n := 0
	for _, members := range families {
		if members >= 2 {
			n++
		}
	}
	if n < 2 || len(Identities()) < 6 {
		t.Errorf("got %d families among %d identities, want at least 2 families and 6 identities", n, len(Identities()))
	}
}

func TestAttributes(t *testing.T) {
	id := Identities()[0]
	all := id.Attributes()
	if all["fiscalNumber"] != id.FiscalNumber || all["dateOfBirth"] != id.DateOfBirth || all["spidCode"] != id.SpidCode {
		t.Errorf("Attributes: got %v", all)
	}
	if _, ok := all["ivaCode"]; ok {
		t.Error("Attributes: got an ivaCode for an identity without one")
	}
	cie := id.CIEAttributes()
	if len(cie) != 4 || cie["name"] != id.Name || cie["familyName"] != id.FamilyName ||
		cie["dateOfBirth"] != id.DateOfBirth || cie["fiscalNumber"] != id.FiscalNumber {
		t.Errorf("CIEAttributes: got %v, want name, familyName, dateOfBirth, fiscalNumber", cie)
	}
}
