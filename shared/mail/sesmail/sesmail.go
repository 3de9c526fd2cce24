// Package sesmail is the mail adapter over Amazon SES (the v2 API). Each
// message goes out as SES's simple content with both a text and an HTML
// part, which SES assembles into a multipart/alternative message encoded in
// UTF-8, so that accented Italian survives every mail client.
package sesmail

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
)

var _ mail.Sender = (*Sender)(nil)

// NewClient returns an SES client for cfg. endpoint, when not empty,
// replaces AWS's endpoint (a test server).
func NewClient(cfg aws.Config, endpoint string) *sesv2.Client {
	return sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// Sender sends through SES from one address.
type Sender struct {
	client *sesv2.Client
	from   string
}

// New returns a Sender over client whose messages come from from, an
// address or domain verified in SES (e.g. "Stanza <noreply@comune.example.it>").
func New(client *sesv2.Client, from string) *Sender {
	return &Sender{client: client, from: from}
}

const charset = "UTF-8"

func content(s string) *types.Content {
	return &types.Content{Data: aws.String(s), Charset: aws.String(charset)}
}

// Send delivers m. The Comune, when there is one, goes along as the
// message tag "tenant", so that SES's sending statistics and events can be
// told apart by Comune.
func (s *Sender) Send(ctx context.Context, m mail.Message) error {
	body := &types.Body{Text: content(m.Text)}
	if m.HTML != "" {
		body.Html = content(m.HTML)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.from),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content:          &types.EmailContent{Simple: &types.Message{Subject: content(m.Subject), Body: body}},
	}
	if m.Tenant != "" {
		in.EmailTags = []types.MessageTag{{Name: aws.String("tenant"), Value: aws.String(m.Tenant)}}
	}
	_, err := s.client.SendEmail(ctx, in)
	return translate(err)
}

// translate gives SES's throttling its code, so that a caller can ask the
// user to retry later; any other error is internal (a sender address not
// verified, a suspended account: problems of the installation, not of the
// request).
func translate(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "TooManyRequestsException", "LimitExceededException":
			return fault.Wrap(err, fault.TooManyRequests, "Il servizio di posta è momentaneamente sovraccarico: riprova fra qualche minuto.")
		}
	}
	return err
}
