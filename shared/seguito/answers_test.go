package seguito_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stanzaportal/stanza/shared/formio"
	"github.com/stanzaportal/stanza/shared/ricevuta"
	"github.com/stanzaportal/stanza/shared/seguito"
)

const nidoForm = `{"title":"Iscrizione","components":[
 {"type":"panel","key":"bambino","title":"Il bambino","label":"Il bambino","components":[
  {"type":"content","key":"intro","html":"<p>Dati del bambino</p>"},
  {"type":"textfield","key":"nome","label":"Nome"},
  {"type":"columns","key":"cols","columns":[{"components":[{"type":"number","key":"isee","label":"ISEE"}]}]}
 ]},
 {"type":"select","key":"tempo","label":"Frequenza","data":{"values":[{"label":"Tempo pieno","value":"pieno"},{"label":"Part-time","value":"part"}]}},
 {"type":"selectboxes","key":"nidi","label":"Nidi preferiti","values":[{"label":"Arcobaleno","value":"arc"},{"label":"Girasole","value":"gir"}]},
 {"type":"checkbox","key":"privacy","label":"Ho letto l'informativa"},
 {"type":"datagrid","key":"genitori","label":"Genitori","components":[{"type":"textfield","key":"cf","label":"Codice fiscale"}]},
 {"type":"container","key":"indirizzo","label":"Indirizzo","components":[{"type":"textfield","key":"via"}]},
 {"type":"textfield","key":"nascosto","label":"Nascosto"}
]}`

func TestAnswers(t *testing.T) {
	form, err := formio.Parse(context.Background(), formio.Definition(nidoForm), nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	data := `{"nome":"Luca","isee":12000.50,"tempo":"pieno","nidi":{"arc":true,"gir":false},"privacy":true,
		"genitori":[{"cf":"RSSMRA80A01H501U"},{"cf":"BNCLRA85M41F205X"}],"indirizzo":{"via":"Via Roma 1"},"extra":"x"}`
	tests := []struct {
		name string
		form *formio.Form
		want []ricevuta.Answer
	}{
		{"LabelsAndOrderOfTheForm", form, []ricevuta.Answer{
			{Label: "Il bambino", Group: []ricevuta.Answer{{Label: "Nome", Value: "Luca"}, {Label: "ISEE", Value: "12000.50"}}},
			{Label: "Frequenza", Value: "Tempo pieno"},
			{Label: "Nidi preferiti", Value: "Arcobaleno"},
			{Label: "Ho letto l'informativa", Value: "Sì"},
			{Label: "Genitori", Group: []ricevuta.Answer{
				{Label: "Genitori 1", Group: []ricevuta.Answer{{Label: "Codice fiscale", Value: "RSSMRA80A01H501U"}}},
				{Label: "Genitori 2", Group: []ricevuta.Answer{{Label: "Codice fiscale", Value: "BNCLRA85M41F205X"}}},
			}},
			{Label: "Indirizzo", Group: []ricevuta.Answer{{Label: "via", Value: "Via Roma 1"}}},
			{Label: "extra", Value: "x"},
		}},
		{"KeysWithoutAForm", nil, []ricevuta.Answer{
			{Label: "extra", Value: "x"},
			{Label: "genitori", Group: []ricevuta.Answer{
				{Label: "genitori 1", Group: []ricevuta.Answer{{Label: "cf", Value: "RSSMRA80A01H501U"}}},
				{Label: "genitori 2", Group: []ricevuta.Answer{{Label: "cf", Value: "BNCLRA85M41F205X"}}},
			}},
			{Label: "indirizzo", Group: []ricevuta.Answer{{Label: "via", Value: "Via Roma 1"}}},
			{Label: "isee", Value: "12000.50"},
			{Label: "nidi", Group: []ricevuta.Answer{{Label: "arc", Value: "Sì"}, {Label: "gir", Value: "No"}}},
			{Label: "nome", Value: "Luca"},
			{Label: "privacy", Value: "Sì"},
			{Label: "tempo", Value: "pieno"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := seguito.Answers(tt.form, json.RawMessage(data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestAnswersRefuseNonObject(t *testing.T) {
	if _, err := seguito.Answers(nil, json.RawMessage(`[1]`)); err == nil {
		t.Error("got no error for a list, want one")
	}
}
