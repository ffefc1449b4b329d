// Package webhooks sends a brand's events to the URLs it registers
// (outbound webhooks), so that an external program (an LLM agent, a CRM)
// hears of customer messages and inbox changes and can answer with a bot
// token (internal/brand).
//
// The sender never blocks a send and survives a crash: a stage of the send
// pipeline (Step) and a watcher of inbox changes write, inside the change's
// own transaction, one delivery row (the console's log) and one durable job
// per subscribed endpoint. The job runner (internal/jobs) then POSTs the
// event, signed, and retries with exponential backoff for more than 24
// hours; on PostgreSQL nodes claim jobs with FOR UPDATE SKIP LOCKED, so a
// delivery is made by one node at a time.
//
// Every request goes through internal/safehttp: the address dialled must be
// public unless the operator allows a range (--webhook-allow). Redirects are
// not followed, the response body is read to at most a few kilobytes, and
// each attempt has a timeout, so a hostile receiver costs its own retries
// and nothing else. Delivery is at least once: a node that dies after a
// receiver answered and before recording it delivers again, with the same
// Parley-Webhook-Id, by which receivers deduplicate.
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/ratelimit"
	"github.com/parleyhq/parley/internal/safehttp"
)

// JobDeliver is the kind of the job that makes one delivery's attempts.
const JobDeliver = "webhook.deliver"

// Headers of a delivery.
const (
	HeaderID        = "Parley-Webhook-Id"        // the event's id (stable across attempts)
	HeaderTimestamp = "Parley-Webhook-Timestamp" // Unix seconds of this attempt
	HeaderSignature = "Parley-Webhook-Signature" // "v1=" + hex HMAC-SHA256(secret, timestamp + "." + body)
	HeaderEvent     = "Parley-Webhook-Event"     // the event type
	HeaderDelivery  = "Parley-Webhook-Delivery"  // the delivery's id (a redelivery has its own)
)

// SecretPrefix starts every endpoint secret.
const SecretPrefix = "whsec_"

// Limits.
const (
	maxEndpoints     = 10
	maxURLBytes      = 2000
	maxDescription   = 200 // runes
	maxResponseBytes = 4 << 10
)

// Config tunes the service. The zero value is usable.
type Config struct {
	// Allow lists private address ranges endpoints may reach (an
	// operator's intranet, a test's loopback receiver). None by default.
	Allow []netip.Prefix
	// Timeout bounds one attempt, connection to last byte (default 10 s).
	Timeout time.Duration
	// Backoff is the wait after failed attempt n (default Backoff); tests
	// shorten it.
	Backoff func(attempt int) time.Duration
	// MaxAttempts is how many attempts a delivery gets (default
	// MaxAttempts, which Backoff spreads over more than 24 hours).
	MaxAttempts int
	// Retention is how long the delivery log is kept (default 30 days).
	Retention time.Duration
	Logger    *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RateLimitOff lifts the bound on redeliveries (RedeliveryRate).
	RateLimitOff bool
}

// RedeliveryRate bounds the redeliveries a brand asks for, per node: each
// is a new delivery of up to MaxAttempts POSTs of up to Timeout each, so
// without a bound one brand's owner could queue millions of them, holding
// every job worker (every brand's webhooks, away messages, bot replies and
// campaigns wait behind them) and aiming the server's requests at any
// public URL as often as they like. A receiver that was down and is fixed
// needs a few dozen at once, not a flood.
var RedeliveryRate = ratelimit.Rate{Burst: 30, Count: 60, Per: time.Hour}

// MaxAttempts is the default number of attempts of a delivery.
const MaxAttempts = 12

// Backoff waits 10 s after the first failed attempt, three times longer
// after each next one, at most 6 hours, plus up to 10% jitter: the 11
// waits of 12 attempts add up to about 27 hours, so a receiver that is down
// for a day still gets its events.
func Backoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < 6*time.Hour; i++ {
		d *= 3
	}
	d = min(d, 6*time.Hour)
	return d + time.Duration(mrand.Int64N(int64(d)/10+1))
}

// Step is the webhooks' stage of the send pipeline and their watcher of
// brand inbox changes. It is built before the chat service (NewStep),
// given to it in chat.Config.Steps after the brand layer's stage, and to
// the brand stage's Watch.
type Step struct {
	brand *brand.Step
	now   func() time.Time
	log   *slog.Logger
	// fresh keeps, by job id, the delivery and endpoint of each job this
	// node leased on enqueue (jobs.Runner.Lease), so that its attempt,
	// moments later, reads neither again; a job run elsewhere or later
	// reads them from the store.
	fresh freshDeliveries
}

// freshDeliveries is Step.fresh: bounded, and swept of entries whose job
// never ran here (a send rolled back after its enqueue, a full queue).
type freshDeliveries struct {
	mu sync.Mutex
	m  map[string]freshDelivery
}

type freshDelivery struct {
	d  *dm.WebhookDelivery
	e  dm.WebhookEndpoint
	at time.Time
}

const maxFresh = 8192

func (f *freshDeliveries) put(jobID string, d *dm.WebhookDelivery, e dm.WebhookEndpoint) {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = make(map[string]freshDelivery)
	}
	if len(f.m) >= maxFresh {
		for id, x := range f.m {
			if now.Sub(x.at) > time.Minute {
				delete(f.m, id)
			}
		}
		if len(f.m) >= maxFresh {
			return
		}
	}
	f.m[jobID] = freshDelivery{d: d, e: e, at: now}
}

func (f *freshDeliveries) take(jobID string) (freshDelivery, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	x, ok := f.m[jobID]
	if ok {
		delete(f.m, jobID)
	}
	return x, ok
}

var (
	_ chat.Step          = (*Step)(nil)
	_ brand.InboxWatcher = (*Step)(nil)
)

// NewStep returns the webhooks' pipeline stage over the brand layer's.
func NewStep(b *brand.Step, cfg Config) *Step {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Step{brand: b, now: cfg.Now, log: cfg.Logger}
}

// Event is the JSON body of a delivery.
type Event struct {
	ID        string     `json:"id"`
	Type      string     `json:"type"`
	CreatedAt time.Time  `json:"created_at"`
	Brand     dm.Profile `json:"brand"`
	Data      EventData  `json:"data"`
}

// EventData is what happened.
type EventData struct {
	ConversationID string      `json:"conversation_id"`
	Customer       *dm.Profile `json:"customer"`
	// Message is the message of message.* events.
	Message *dm.Message `json:"message,omitempty"`
	// Agent is the team member who wrote a message.sent, or made a change
	// (nil for the brand account, a bot or the brand layer itself).
	Agent *dm.Profile `json:"agent,omitempty"`
	// Conversation is the inbox state of conversation.* events.
	Conversation *Conversation `json:"conversation,omitempty"`
}

// Conversation is a brand conversation's inbox state in an event.
type Conversation struct {
	Status   string      `json:"status"`
	Assignee *dm.Profile `json:"assignee"`
	Labels   []string    `json:"labels"`
	Priority string      `json:"priority"`
}

// MessageStored enqueues message.received or message.sent for each endpoint
// of the brand subscribed to it, inside the send's transaction.
func (s *Step) MessageStored(ctx context.Context, tx dm.Tx, out chat.Outbox, sent *chat.Sent) error {
	brandID, customerID, outbound, err := s.brand.SideIDs(ctx, tx, sent)
	if err != nil || brandID == "" {
		return err
	}
	typ := dm.WebhookMessageReceived
	if outbound {
		typ = dm.WebhookMessageSent
	}
	// The brand's endpoints and account come from the state the brand
	// stage read for this send (in memory while they do not change).
	all, brandAcc, err := s.brand.Endpoints(ctx, tx, sent, brandID)
	if err != nil {
		return err
	}
	eps := filterSubscribed(all, typ)
	if len(eps) == 0 {
		return nil
	}
	// The customer is at hand when they wrote; the brand's message reads
	// them now that an endpoint wants the event.
	b, customer := brandAcc, sent.Sender
	if outbound {
		b = sent.Sender
		if customer, err = tx.Account(ctx, customerID); err != nil {
			return err
		}
	}
	msg := *sent.Message
	msg.Automated, msg.AgentName = sent.Params.Automated, sent.Params.AgentName
	data := EventData{ConversationID: msg.ConversationID, Customer: ptr(customer.Profile()), Message: &msg}
	if outbound && sent.Params.Agent != nil {
		data.Agent = ptr(sent.Params.Agent.Profile())
	}
	return s.enqueue(ctx, tx, out, b, eps, typ, msg.CreatedAt, data)
}

// InboxChanged enqueues conversation.* events.
func (s *Step) InboxChanged(ctx context.Context, tx dm.Tx, out chat.Outbox, c brand.InboxChange) error {
	eps, err := subscribed(ctx, tx, c.Brand.ID, c.Type)
	if err != nil || len(eps) == 0 {
		return err
	}
	cust, err := tx.Account(ctx, c.Item.CustomerID)
	if err != nil {
		return err
	}
	conv := &Conversation{Status: c.Item.Status, Labels: c.Item.Labels, Priority: c.Item.Priority}
	if conv.Labels == nil {
		conv.Labels = []string{}
	}
	if c.Item.AssigneeID != "" {
		a, err := tx.Account(ctx, c.Item.AssigneeID)
		if err != nil {
			return err
		}
		conv.Assignee = ptr(a.Profile())
	}
	data := EventData{ConversationID: c.Item.ConversationID, Customer: ptr(cust.Profile()), Conversation: conv}
	if c.Actor != nil && c.Actor.ID != c.Brand.ID {
		data.Agent = ptr(c.Actor.Profile())
	}
	return s.enqueue(ctx, tx, out, c.Brand, eps, c.Type, c.At, data)
}

// subscribed returns a brand's endpoints that take events of typ: one
// indexed read, only for brand conversations.
func subscribed(ctx context.Context, tx dm.Tx, brandID, typ string) ([]dm.WebhookEndpoint, error) {
	eps, err := tx.WebhookEndpoints(ctx, brandID)
	if err != nil {
		return nil, err
	}
	return filterSubscribed(eps, typ), nil
}

// filterSubscribed returns the endpoints of eps that take events of typ, in
// a new slice (eps may be shared).
func filterSubscribed(eps []dm.WebhookEndpoint, typ string) []dm.WebhookEndpoint {
	var out []dm.WebhookEndpoint
	for _, e := range eps {
		if slices.Contains(e.Events, typ) {
			out = append(out, e)
		}
	}
	return out
}

// redactGoneBody returns a delivery's body with its message read as
// deleted (no text, reactions, files or buttons) once the message is gone
// for the brand: deleted for everyone, or no longer kept. Every team view
// shows such a message so; the delivery log, a retry and a redelivery
// must not keep its text for 30 days, nor send it again.
func redactGoneBody(ctx context.Context, tx dm.Tx, brandID, body string) (string, error) {
	var ev Event
	if err := json.Unmarshal([]byte(body), &ev); err != nil || ev.Data.Message == nil || ev.Data.Message.Deleted {
		return body, nil
	}
	id := ev.Data.Message.ID
	gone, err := tx.GoneMessages(ctx, brandID, []string{id})
	if err != nil || !gone[id] {
		return body, err
	}
	ev.Data.Message = ev.Data.Message.Gone()
	b, err := json.Marshal(ev)
	if err != nil {
		return body, err
	}
	return string(b), nil
}

// enqueue writes one delivery and one job per endpoint, with one body.
func (s *Step) enqueue(ctx context.Context, tx dm.Tx, out chat.Outbox, b *dm.Account, eps []dm.WebhookEndpoint, typ string, at time.Time, data EventData) error {
	ev := Event{ID: dm.NewID(), Type: typ, CreatedAt: at, Brand: b.Profile(), Data: data}
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	for _, e := range eps {
		d := &dm.WebhookDelivery{ID: dm.NewID(), BrandID: b.ID, EndpointID: e.ID,
			EventID: ev.ID, EventType: typ, Body: string(body), Status: dm.DeliveryPending, CreatedAt: now, UpdatedAt: now}
		j, err := enqueueDelivery(ctx, tx, out, d)
		if err != nil {
			return err
		}
		if j.State == dm.JobRunning && j.LeasedBy != "" {
			s.fresh.put(j.ID, d, e)
		}
	}
	return nil
}

type deliverJob struct {
	DeliveryID string `json:"delivery_id"`
}

func enqueueDelivery(ctx context.Context, tx dm.Tx, out chat.Outbox, d *dm.WebhookDelivery) (*dm.Job, error) {
	if err := tx.PutWebhookDelivery(ctx, d); err != nil {
		return nil, err
	}
	payload, _ := json.Marshal(deliverJob{DeliveryID: d.ID})
	j := &dm.Job{Kind: JobDeliver, Payload: payload, CreatedAt: d.CreatedAt}
	_, err := out.Enqueue(ctx, j)
	return j, err
}

// Service manages endpoints and makes deliveries. It is safe for concurrent use.
type Service struct {
	chat   *chat.Service
	brand  *brand.Service
	store  dm.Store
	step   *Step
	cfg    Config
	log    *slog.Logger
	client *http.Client
	// results carries each attempt's answer from deliver to record, by
	// job id; forget takes it out once the outcome is settled (record may
	// run twice for one attempt when a batch of outcomes is recorded again
	// one by one).
	results sync.Map
	// redeliveries is RedeliveryRate per brand (nil: no bound).
	redeliveries *ratelimit.Limiter
}

// New returns the service; step must be in c's pipeline and watch b's inbox.
func New(c *chat.Service, b *brand.Service, step *Step, cfg Config) *Service {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Backoff == nil {
		cfg.Backoff = Backoff
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = MaxAttempts
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// Up to 64 idle connections per receiver: a busy receiver gets many
	// deliveries at once (one per job worker), and a connection closed
	// for want of an idle slot is dialled again for the next delivery.
	client := safehttp.NewClient(safehttp.Config{Allow: cfg.Allow, Timeout: cfg.Timeout, MaxRedirects: -1, UserAgent: "Parley-Webhooks/1",
		IdleConnsPerHost: 64})
	// A redirect is the receiver's answer, recorded as a failure: following
	// it would let a receiver point deliveries elsewhere.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	svc := &Service{chat: c, brand: b, store: c.Store(), step: step, cfg: cfg, log: cfg.Logger, client: client}
	if !cfg.RateLimitOff {
		svc.redeliveries = RedeliveryRate.Limiter()
	}
	return svc
}

// RegisterJobs gives r the delivery handler.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Handle(JobDeliver, jobs.Handler{Run: s.deliver, Record: s.record, After: s.forget, MaxAttempts: s.cfg.MaxAttempts, Backoff: s.cfg.Backoff,
		// The attempt's own timeout plus the time to record it.
		Timeout: s.cfg.Timeout + 10*time.Second})
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// Sign returns the signature header's value for a body sent at ts.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a delivery's signature as a receiver does: the timestamp
// within tolerance of now and a v1 signature that matches. It is what
// docs/webhooks.md shows receivers, and what the tests use.
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(header.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return errors.New("no timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("timestamp out of tolerance")
	}
	want := Sign(secret, ts, body)
	for _, sig := range strings.Fields(header.Get(HeaderSignature)) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return errors.New("signature mismatch")
}

// deliver makes one attempt of a delivery. Its outcome is written by
// record, in the transaction where the job runner records the job's.
func (s *Service) deliver(ctx context.Context, j *dm.Job) error {
	var p deliverJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var d *dm.WebhookDelivery
	var e *dm.WebhookEndpoint
	var err error
	if x, ok := s.step.fresh.take(j.ID); ok && j.Attempts == 1 && x.d.ID == p.DeliveryID {
		// Enqueued on this node moments ago and leased to it: the
		// delivery and its endpoint are as the send's transaction wrote
		// and read them.
		d, e = x.d, &x.e
	} else {
		err = s.store.View(ctx, func(tx dm.Tx) error {
			var err error
			if d, err = tx.WebhookDelivery(ctx, p.DeliveryID); err != nil {
				return err
			}
			// A retry or a redelivery comes later than its event: the
			// message may have been deleted for everyone meanwhile.
			if d.Body, err = redactGoneBody(ctx, tx, d.BrandID, d.Body); err != nil {
				return err
			}
			e, err = tx.WebhookEndpoint(ctx, d.BrandID, d.EndpointID)
			return err
		})
	}
	if dm.IsCode(err, dm.ENOTFOUND) {
		return jobs.Permanent(fmt.Errorf("endpoint deleted: %w", err)) // its deliveries went with it
	}
	if err != nil {
		return err
	}
	if d.Status != dm.DeliveryPending {
		// A run again after a crash between the outcome's commit and
		// the job's: the delivery is already settled.
		return nil
	}
	start := time.Now()
	code, aerr := s.post(ctx, e, d)
	s.results.Store(j.ID, result{code: code, took: time.Since(start)})
	return aerr
}

// result is what one attempt's POST got, from deliver to record.
type result struct {
	code int
	took time.Duration
}

// record writes an attempt into the delivery log, inside the job runner's
// transaction that records the job's outcome: the log and the queue cannot
// disagree, and a delivery costs one write after its claim. An attempt
// that made no POST (the endpoint is gone, the delivery was settled) has
// nothing to log.
func (s *Service) record(ctx context.Context, tx dm.Tx, j *dm.Job, outcome string, runErr error) error {
	v, ok := s.results.Load(j.ID)
	if !ok {
		return nil
	}
	res := v.(result)
	var p deliverJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil
	}
	t := s.now()
	lastErr := ""
	if runErr != nil {
		lastErr = runErr.Error()
	}
	status, delivered := "", (*time.Time)(nil)
	switch outcome {
	case "done":
		status, delivered = dm.DeliverySucceeded, &t
	case "dead":
		status = dm.DeliveryFailed
	}
	// One UPDATE counts the attempt and settles the delivery (no read
	// back of the row); the attempt's number is the count it returns.
	n, err := tx.RecordWebhookAttempt(ctx, p.DeliveryID, status, res.code, lastErr, t, delivered)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil // deleted with its endpoint meanwhile
	}
	if err != nil {
		return err
	}
	return tx.AddWebhookAttempt(ctx, &dm.WebhookAttempt{DeliveryID: p.DeliveryID, N: n, At: t, StatusCode: res.code,
		Error: lastErr, DurationMS: res.took.Milliseconds()})
}

// forget drops an attempt's answer once its outcome is settled.
func (s *Service) forget(j *dm.Job, _ string) { s.results.Delete(j.ID) }

// post sends a delivery once. It returns the status code (0 when there was
// no answer) and an error unless the receiver answered 2xx.
func (s *Service) post(ctx context.Context, e *dm.WebhookEndpoint, d *dm.WebhookDelivery) (int, error) {
	u, err := safehttp.CheckURL(e.URL)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	body := []byte(d.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := s.cfg.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderID, d.EventID)
	req.Header.Set(HeaderEvent, d.EventType)
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(e.Secret, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, errors.New(cleanErr(err))
	}
	defer resp.Body.Close()
	// A few kilobytes are read so that a well-behaved receiver's
	// connection is reused; a huge body is cut off there, and the
	// connection with it.
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
		if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
			msg += " (redirect not followed)"
		}
		return resp.StatusCode, errors.New(msg)
	}
	return resp.StatusCode, nil
}

// cleanErr keeps the useful end of a client error ("connection refused",
// "certificate signed by unknown authority") without Go's prefixes. It
// names no address that is not the brand's own to know: a refused one
// (what a name resolved to inside the server's network, such as a
// database's 10.x address or the metadata service's) and the server's DNS
// resolver stay out of the delivery log, which the brand reads; otherwise
// any brand owner could map the private network one URL at a time.
func cleanErr(err error) string {
	if errors.Is(err, safehttp.ErrForbidden) {
		return "address not allowed: the host is not a public address, or its name resolves to one that is not"
	}
	if de := (*net.DNSError)(nil); errors.As(err, &de) {
		c := *de
		c.Server = ""
		return c.Error()
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			err = inner
		}
	}
	return err.Error()
}

func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func ptr[T any](v T) *T { return &v }
