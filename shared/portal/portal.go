// Package portal wires Stanza together: it picks the adapters for the mode
// the portal runs in and builds the handlers and the change-feed worker on
// them. The local server and every Lambda function start from here, so both
// hosts build the portal identically.
package portal

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/stanzaportal/stanza/shared/allegato"
	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/blob/fileblob"
	"github.com/stanzaportal/stanza/shared/blob/s3blob"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/config"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/mail/localmail"
	"github.com/stanzaportal/stanza/shared/mail/sesmail"
	"github.com/stanzaportal/stanza/shared/messaggio"
	"github.com/stanzaportal/stanza/shared/metriche"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/protocollo/localprotocollo"
	"github.com/stanzaportal/stanza/shared/risposta"
	"github.com/stanzaportal/stanza/shared/seguito"
	"github.com/stanzaportal/stanza/shared/servizio"
	"github.com/stanzaportal/stanza/shared/session"
	"github.com/stanzaportal/stanza/shared/signin"
	"github.com/stanzaportal/stanza/shared/spid"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore"
	"github.com/stanzaportal/stanza/shared/store/dynamostore"
	"github.com/stanzaportal/stanza/shared/tenant"
	"github.com/stanzaportal/stanza/shared/testidp"
	"github.com/stanzaportal/stanza/shared/webhook"
	"github.com/stanzaportal/stanza/shared/worker"
)

// Portal is the wired application.
type Portal struct {
	Config  config.Config
	Log     *slog.Logger
	DB      *store.DB
	Uploads *blob.Bucket
	Archive *blob.Bucket
	API     *httpapi.Server
	Worker  *worker.Worker

	// Operators keeps the staff accounts of every Comune; APIKeys, the
	// partners' keys.
	Operators *operatore.Accounts
	APIKeys   *apikey.Store
	// Sessions keeps the sessions of signed-in citizens and staff.
	Sessions *session.Store
	// Accounts keeps citizens' accounts; Terms, the Comuni's terms of use.
	Accounts *cittadino.AccountService
	Terms    *cittadino.TermsService
	// Mail sends the portal's email: through SES in production, into
	// Mailbox (nil in production) locally, where the local server shows it.
	Mail    *mail.Mailer
	Mailbox *localmail.Mailbox
	// Applications keeps the citizens' applications.
	Applications *pratica.Store
	Attachments  *allegato.Store
	// Webhooks keeps the Comuni's webhook subscriptions and sends their
	// deliveries: the local server runs its loop, the cloud's worker
	// function runs it at each invocation.
	Webhooks *webhook.Store
	// SignIn runs SPID and CIE sign-in; TestIdPs are the local server's test
	// identity providers by mount path (nil in production).
	SignIn   *signin.Service
	TestIdPs map[string]*testidp.IdP

	// LocalFiles serves the signed URLs of the local file buckets, by
	// bucket name; empty in production, where S3 serves them.
	LocalFiles map[string]*fileblob.Bucket
	// Sweep deletes the embedded store's expired items, telling the change
	// feed as DynamoDB's TTL deleter does in the cloud; nil in production.
	Sweep func(ctx context.Context, now time.Time) (int, error)

	secret   []byte       // the portal's secret, from which every key is derived
	samlKeys spid.KeyPair // signs SAML metadata and requests
}

// Open builds the portal for cfg.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Portal, error) {
	p := &Portal{Config: cfg, Log: log}
	var err error
	if cfg.Mode == config.Production {
		err = p.openCloud(ctx)
	} else {
		err = p.openLocal()
	}
	if err != nil {
		if p.DB != nil {
			_ = p.DB.Close()
		}
		return nil, err
	}
	p.Operators, err = operatore.New(p.DB, operatore.Keys{TOTP: derive(p.secret, "operatore/totp"), Challenges: derive(p.secret, "operatore/challenge")})
	if err != nil {
		_ = p.DB.Close()
		return nil, err
	}
	p.APIKeys = apikey.New(p.DB)
	p.Sessions = session.NewStore(p.DB)
	if err := p.openAccounts(); err != nil {
		_ = p.DB.Close()
		return nil, err
	}
	if err := p.openSignIn(ctx, p.samlKeys); err != nil {
		_ = p.DB.Close()
		return nil, err
	}
	p.Applications = pratica.NewStore(p.DB)
	p.Attachments = allegato.NewStore(p.DB, p.Uploads, p.Applications)
	p.Webhooks = webhook.New(p.DB, webhook.Options{AllowLoopback: cfg.Mode != config.Production, Log: log})
	p.API = httpapi.NewServer(httpapi.Deps{Webhooks: p.Webhooks, PartnerTokenKey: derive(p.secret, "partner/token"), Applications: p.Applications, Attachments: p.Attachments, Archive: p.Archive, Log: log, DB: p.DB, Production: cfg.Mode == config.Production, ClientAddressHeader: cfg.ClientAddressHeader,
		Operators: p.Operators, APIKeys: p.APIKeys, Keys: p.APIKeys, Sessions: p.Sessions,
		Accounts: p.Accounts, Terms: p.Terms, SignIn: p.SignIn, Logout: p.SignIn.Logout})
	follow := seguito.Deps{
		DB: p.DB, Apps: p.Applications, Comuni: tenant.NewDirectory(p.DB),
		Services: services{servizio.NewCatalogs(p.DB)}, Accounts: p.Accounts, Attachments: attachments{p.Attachments},
		Archive: p.Archive, Registry: localprotocollo.New(p.DB, time.Now), Mailer: p.Mail,
		BaseURL: cfg.BaseURL, Log: log,
	}
	followUps := append(seguito.Handlers(follow), risposta.NewHandler(follow), messaggio.NewNotices(follow, p.Operators))
	p.Worker = worker.New(p.DB, log, append(followUps, pratica.NewCounter(p.DB), p.Webhooks.Handler(), pratica.NewQueueIndex(p.DB), metriche.NewHandler(p.DB),
		allegato.NewCleanup(p.DB, p.Uploads), risposta.NewFileCleanup(p.Archive), operatore.NewPasswordNotices(p.DB, p.Mail, log))...)
	return p, nil
}

// Close releases the store.
func (p *Portal) Close() error { return p.DB.Close() }

// derive returns a key for one purpose from the portal's secret, so that one
// secret serves every signature and a key leaked from one use (say, a
// cursor) does not forge another (a session).
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("stanza/" + purpose))
	return m.Sum(nil)
}

func (p *Portal) openLocal() error {
	dir := p.Config.DataDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	secret, err := localSecret(filepath.Join(dir, "secret.key"))
	if err != nil {
		return err
	}
	p.secret = secret
	if p.samlKeys, err = localKeyPair(dir); err != nil {
		return err
	}
	driver, err := boltstore.Open(filepath.Join(dir, "stanza.db"))
	if err != nil {
		return err
	}
	if p.DB, err = store.New(driver, derive(secret, "cursor")); err != nil {
		_ = driver.Close()
		return err
	}
	p.Sweep = driver.Sweep
	p.LocalFiles = map[string]*fileblob.Bucket{}
	for _, name := range []string{"uploads", "archive"} {
		b, err := fileblob.Open(filepath.Join(dir, "files", name), p.Config.BaseURL+"/_files/"+name, derive(secret, "files/"+name))
		if err != nil {
			return err
		}
		p.LocalFiles[name] = b
	}
	p.Uploads = blob.NewBucket(p.LocalFiles["uploads"])
	p.Archive = blob.NewBucket(p.LocalFiles["archive"])
	p.Mailbox = localmail.New(p.DB)
	p.Mail = mail.New(p.Mailbox, p.DB)
	return nil
}

// localSecret reads the local server's secret, creating it at first start.
// It never leaves the data directory.
func localSecret(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		raw = []byte(hex.EncodeToString(b))
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	secret := strings.TrimSpace(string(raw))
	if len(secret) < 32 {
		return nil, fmt.Errorf("%s: the secret is too short", path)
	}
	return []byte(secret), nil
}

func (p *Portal) openCloud(ctx context.Context) error {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	out, err := secretsmanager.NewFromConfig(awsCfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &p.Config.SecretARN})
	if err != nil {
		return fmt.Errorf("reading the portal's secret: %w", err)
	}
	if out.SecretString == nil || len(*out.SecretString) < 32 {
		return errors.New("the portal's secret is missing or shorter than 32 characters")
	}
	secret := []byte(*out.SecretString)
	p.secret = secret
	if p.samlKeys, err = cloudKeyPair(ctx, awsCfg, p.Config.SAMLKeyARN); err != nil {
		return err
	}

	ddb := dynamostore.NewClient(awsCfg, p.Config.DynamoDBEndpoint)
	if p.DB, err = store.New(dynamostore.New(ddb, p.Config.Table), derive(secret, "cursor")); err != nil {
		return err
	}
	// Path-style addressing only for an S3-compatible server named by URL.
	s3c := s3blob.NewClient(awsCfg, p.Config.S3Endpoint, p.Config.S3Endpoint != "")
	p.Uploads = blob.NewBucket(s3blob.New(s3c, p.Config.UploadsBucket))
	p.Archive = blob.NewBucket(s3blob.New(s3c, p.Config.ArchiveBucket))
	p.Mail = mail.New(sesmail.New(sesmail.NewClient(awsCfg, ""), p.Config.MailFrom), p.DB)
	return nil
}

// portalName names the portal in its emails, whatever the Comune.
const portalName = "Stanza"

// openAccounts builds the citizens' accounts and the terms of use.
func (p *Portal) openAccounts() error {
	var err error
	p.Accounts, err = cittadino.NewAccountService(p.DB, p.Mail, cittadino.Verification{
		Key: derive(p.secret, "email-verification"), BaseURL: p.Config.BaseURL, PortalName: portalName})
	p.Terms = cittadino.NewTermsService(p.DB)
	return err
}
