package testidp

// Identity is a fictional citizen as a SPID identity provider knows them.
// Field names follow the SPID attribute names; every value is made up, and
// the fiscal codes are computed from the made-up data (so they are
// well-formed, with the right check character).
type Identity struct {
	SpidCode       string // spidCode: the identity's code at the provider
	Name           string // name
	FamilyName     string // familyName
	FiscalNumber   string // fiscalNumber, "TINIT-" and the fiscal code
	Email          string // email
	MobilePhone    string // mobilePhone
	DateOfBirth    string // dateOfBirth, YYYY-MM-DD
	PlaceOfBirth   string // placeOfBirth, cadastral code of the Comune
	CountyOfBirth  string // countyOfBirth, province abbreviation
	Gender         string // gender, M or F
	Address        string // address
	DigitalAddress string // digitalAddress (PEC); may be empty
	IvaCode        string // ivaCode, "VATIT-" and the VAT number; may be empty

	// Description tells a developer who this is on the picker page.
	Description string
}

// FiscalCode is the fiscal code without the "TINIT-" prefix.
func (id Identity) FiscalCode() string {
	const prefix = "TINIT-"
	if len(id.FiscalNumber) > len(prefix) && id.FiscalNumber[:len(prefix)] == prefix {
		return id.FiscalNumber[len(prefix):]
	}
	return id.FiscalNumber
}

// Attributes returns the identity's SPID attributes by SPID name. Empty
// optional attributes (digitalAddress, ivaCode) are left out, as an IdP
// leaves out what it does not hold.
func (id Identity) Attributes() map[string]string {
	attrs := map[string]string{
		"spidCode":       id.SpidCode,
		"name":           id.Name,
		"familyName":     id.FamilyName,
		"fiscalNumber":   id.FiscalNumber,
		"email":          id.Email,
		"mobilePhone":    id.MobilePhone,
		"dateOfBirth":    id.DateOfBirth,
		"placeOfBirth":   id.PlaceOfBirth,
		"countyOfBirth":  id.CountyOfBirth,
		"gender":         id.Gender,
		"address":        id.Address,
		"digitalAddress": id.DigitalAddress,
		"ivaCode":        id.IvaCode,
	}
	for k, v := range attrs {
		if v == "" {
			delete(attrs, k)
		}
	}
	return attrs
}

// CIEAttributes returns the only attributes CIE releases.
func (id Identity) CIEAttributes() map[string]string {
	return map[string]string{
		"name":         id.Name,
		"familyName":   id.FamilyName,
		"dateOfBirth":  id.DateOfBirth,
		"fiscalNumber": id.FiscalNumber,
	}
}

// Identities returns the test citizens: two families (the Sartorelli, three
// generations in Milan, and the Bellandi, a young couple with a newborn in
// Bologna) and a self-employed woman living alone in Rome, so that features
// that depend on age, family or work can be tried with realistic data.
func Identities() []Identity {
	const sartorelli = "Corso Garibaldi 45, 20121 Milano MI"
	const bellandi = "Via dei Tigli 12, 40121 Bologna BO"
	return []Identity{
		{
			SpidCode: "TSTIDP0000001", Name: "Anna", FamilyName: "Sartorelli",
			FiscalNumber: "TINIT-SRTNNA76H61F205P", Email: "anna.sartorelli@example.org", MobilePhone: "+393400000001",
			DateOfBirth: "1976-06-21", PlaceOfBirth: "F205", CountyOfBirth: "MI", Gender: "F",
			Address: sartorelli, DigitalAddress: "anna.sartorelli@pec.example.org",
			Description: "Madre di due figli maggiorenni, vive con il padre anziano",
		},
		{
			SpidCode: "TSTIDP0000002", Name: "Franco", FamilyName: "Sartorelli",
			FiscalNumber: "TINIT-SRTFNC50S02F839S", Email: "franco.sartorelli@example.org", MobilePhone: "+393400000002",
			DateOfBirth: "1950-11-02", PlaceOfBirth: "F839", CountyOfBirth: "NA", Gender: "M",
			Address:     sartorelli,
			Description: "Pensionato oltre i 70 anni, padre di Anna",
		},
		{
			SpidCode: "TSTIDP0000003", Name: "Matteo", FamilyName: "Sartorelli",
			FiscalNumber: "TINIT-SRTMTT03P30F205S", Email: "matteo.sartorelli@example.org", MobilePhone: "+393400000003",
			DateOfBirth: "2003-09-30", PlaceOfBirth: "F205", CountyOfBirth: "MI", Gender: "M",
			Address:     sartorelli,
			Description: "Studente universitario, figlio di Anna",
		},
		{
			SpidCode: "TSTIDP0000004", Name: "Sofia", FamilyName: "Sartorelli",
			FiscalNumber: "TINIT-SRTSFO08A55F205J", Email: "sofia.sartorelli@example.org", MobilePhone: "+393400000004",
			DateOfBirth: "2008-01-15", PlaceOfBirth: "F205", CountyOfBirth: "MI", Gender: "F",
			Address:     sartorelli,
			Description: "Neomaggiorenne, figlia di Anna",
		},
		{
			SpidCode: "TSTIDP0000005", Name: "Giulia", FamilyName: "Bellandi",
			FiscalNumber: "TINIT-BLLGLI93B67A944K", Email: "giulia.bellandi@example.org", MobilePhone: "+393400000005",
			DateOfBirth: "1993-02-27", PlaceOfBirth: "A944", CountyOfBirth: "BO", Gender: "F",
			Address:     bellandi,
			Description: "Madre di una neonata",
		},
		{
			SpidCode: "TSTIDP0000006", Name: "Luca", FamilyName: "Bellandi",
			FiscalNumber: "TINIT-BLLLCU90L08D612P", Email: "luca.bellandi@example.org", MobilePhone: "+393400000006",
			DateOfBirth: "1990-07-08", PlaceOfBirth: "D612", CountyOfBirth: "FI", Gender: "M",
			Address:     bellandi,
			Description: "Padre di una neonata, marito di Giulia",
		},
		{
			SpidCode: "TSTIDP0000007", Name: "Elena", FamilyName: "Ruggeri",
			FiscalNumber: "TINIT-RGGLNE84R45H501C", Email: "elena.ruggeri@example.org", MobilePhone: "+393400000007",
			DateOfBirth: "1984-10-05", PlaceOfBirth: "H501", CountyOfBirth: "RM", Gender: "F",
			Address: "Via Nomentana 210, 00161 Roma RM", DigitalAddress: "elena.ruggeri@pec.example.org",
			IvaCode:     "VATIT-12345678903",
			Description: "Libera professionista con partita IVA, vive da sola",
		},
	}
}
