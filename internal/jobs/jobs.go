// Package jobs runs Parley's durable jobs: work that must happen after a
// commit (an away message, a webhook delivery, a campaign step, a timer).
// A job is a row enqueued in the same transaction as the change that causes
// it (dm.JobTx.EnqueueJob, or chat.Outbox.Enqueue inside the send
// pipeline), so a crash can delay it but never lose it.
//
// A Runner claims due jobs with a lease, runs each with the handler
// registered for its kind, and finishes, retries (exponential backoff) or
// buries it (dead letter after MaxAttempts). Claims take every due job a
// free worker can run in one statement, and the outcomes of the attempts
// that end meanwhile are recorded together, in one transaction (one commit
// for many jobs, not one per job), by a single recorder goroutine: while
// one batch commits, the next gathers. A worker that dies leaves its
// jobs leased; when the lease runs out another worker (on any node) claims
// them again. A job may therefore run more than once when a worker dies
// after its effect and before its finish is recorded: handlers make their
// effect idempotent by the job's ID (a send uses "job:"+ID as its
// client_id), which turns "at least once" into "exactly once" for what
// people see.
//
// Why our own table rather than River: River's SQLite driver expects to own
// a *sql.Tx per insert, while Parley's SQLite store runs every write as a
// savepoint inside a batch on one writer connection (group commit); River
// would need a second writer and lose that design's throughput, or a fork.
// The queue Parley needs is four statements per store, tested by the
// conformance suite on both.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/metrics"
)

// Handler runs the jobs of one kind.
type Handler struct {
	// Run does the job's work. It returns nil when the job is done, an
	// error to retry it later, or Permanent(err) to give up at once.
	Run func(ctx context.Context, j *dm.Job) error
	// MaxAttempts is how many claims a job gets before it is buried
	// (default 10).
	MaxAttempts int
	// Timeout bounds one attempt (default half the runner's lease, so an
	// attempt ends before another worker may claim the job).
	Timeout time.Duration
	// Backoff is the wait before attempt n+1 after attempt n failed
	// (default: 1 s doubling up to 1 h, with jitter).
	Backoff func(attempt int) time.Duration
	// Record, when set, runs inside the transaction that records an
	// attempt's outcome ("done", "retry", "deferred" or "dead"; runErr is Run's error),
	// so that a handler's own log of attempts (the webhook delivery log)
	// commits with the job's state, in the same write. An error from it
	// leaves the outcome unrecorded: the lease runs out and the job runs
	// again.
	Record func(ctx context.Context, tx dm.Tx, j *dm.Job, outcome string, runErr error) error
	// After, when set, runs once the attempt's outcome is settled: recorded
	// (done, retry, deferred, dead), lost to another worker, or not
	// recorded at all (unrecorded). Record may run more than once for one
	// attempt (a batch that failed is recorded again job by job), After
	// once: it is where a handler forgets what it kept for Record.
	After func(j *dm.Job, outcome string)
}

// permanent marks an error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so that the job is buried at once instead of retried.
func Permanent(err error) error { return permanent{err} }

// later marks a job to run again at a given time (not a failure's backoff).
type later struct {
	at  time.Time
	err error
}

func (l later) Error() string { return l.err.Error() }
func (l later) Unwrap() error { return l.err }

// RetryAt puts the job back in the queue until t, for a reason err (quiet
// hours, say), instead of the handler's backoff. The attempt still counts.
func RetryAt(t time.Time, err error) error { return later{t, err} }

// Config tunes a Runner. The zero value is usable.
type Config struct {
	// Workers is how many jobs run at once on this node (default 4).
	// Negative: this node runs none (it still enqueues; others run them).
	Workers int
	// Lease is how long a claimed job belongs to its worker (default 1 min).
	Lease time.Duration
	// Poll is how often an idle runner looks for jobs enqueued elsewhere
	// or become due (default 1 s). Enqueues on this node wake it at once.
	Poll time.Duration
	// Retention is how long finished jobs are kept (default 7 days), which
	// is also how long a job key stays taken.
	Retention time.Duration
	// Now is the clock (default time.Now); tests may set it.
	Now     func() time.Time
	Logger  *slog.Logger
	Metrics *metrics.Registry
}

// Runner claims and runs jobs. It is safe for concurrent use.
type Runner struct {
	store    dm.Store
	cfg      Config
	log      *slog.Logger
	worker   string
	handlers map[string]Handler
	kinds    []string

	kick chan struct{}
	// freed wakes the loop when a slot is free (run); unlike kick it
	// does not call for a claim.
	freed   chan struct{}
	stop    chan struct{}
	done    chan struct{}
	started bool
	// running1 is true while the background loop runs jobs (Lease).
	running1 atomic.Bool

	// runCtx is the context of running jobs: Close cancels it when its own
	// deadline passes, so handlers that honour it stop.
	runCtx    context.Context
	cancelRun context.CancelFunc
	running   sync.WaitGroup
	slots     chan struct{}

	// local carries jobs this node leased to itself when they were
	// enqueued (Lease), handed over after their commit (Offer): they run
	// without a claim statement.
	local chan *dm.Job
	held  []*dm.Job // taken from local while no slot was free

	// outcomes carries finished attempts to the recorder, which closes
	// recorded when outcomes is closed and drained.
	outcomes      chan *outcome
	recorded      chan struct{}
	closeOutcomes sync.Once
}

// outcome is one attempt's result, to be recorded.
type outcome struct {
	j       *dm.Job
	h       Handler
	label   string // done, retry, deferred or dead
	runErr  error
	retryAt time.Time
	now     time.Time
}

// maxRecordBatch bounds how many outcomes one transaction records, so that
// a batch stays a few milliseconds of the SQLite writer's time.
const maxRecordBatch = 256

// New returns a runner over store. Register handlers with Handle, then Start.
func New(store dm.Store, cfg Config) *Runner {
	if cfg.Workers == 0 {
		cfg.Workers = 4
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 7 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	host, _ := os.Hostname()
	r := &Runner{
		store: store, cfg: cfg, log: cfg.Logger,
		// A worker name unique across nodes and restarts: a restarted
		// node must not finish the jobs its previous life had leased.
		worker:   fmt.Sprintf("%s/%d/%s", host, os.Getpid(), dm.NewID()[:8]),
		handlers: map[string]Handler{},
		kick:     make(chan struct{}, 1),
		freed:    make(chan struct{}, 1),
		local:    make(chan *dm.Job, localJobs),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	r.runCtx, r.cancelRun = context.WithCancel(context.Background())
	return r
}

// Handle registers the handler of a kind. It must be called before Start.
func (r *Runner) Handle(kind string, h Handler) {
	if r.started {
		panic("jobs: Handle after Start")
	}
	if h.MaxAttempts <= 0 {
		h.MaxAttempts = 10
	}
	if h.Timeout <= 0 {
		h.Timeout = r.cfg.Lease / 2
	}
	if h.Backoff == nil {
		h.Backoff = DefaultBackoff
	}
	r.handlers[kind] = h
	r.kinds = append(r.kinds, kind)
	sort.Strings(r.kinds)
}

// DefaultBackoff waits 1 s before the second attempt, doubling up to 1 h,
// with up to 20% jitter so that failures do not retry in lockstep.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Second << min(max(attempt-1, 0), 12)
	d = min(d, time.Hour)
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

// localJobs bounds the jobs leased on enqueue that wait for a slot; past
// half of it, Lease declines and jobs go through the queue's claims.
const localJobs = 4096

// Lease leases j, about to be enqueued, to this runner (a claim made by the
// INSERT itself), when this runner runs jobs of its kind, j is due now and
// the runner's local queue has room: j is then stored running, leased by
// this runner until the lease ends, and its first attempt counted. The
// caller hands it over with Offer once the enqueue has committed. Nothing
// else changes: a job never offered (the transaction rolled back, the node
// died) is the store's like any leased job, claimed again by any node once
// its lease has run out, so it survives a crash; and no other node claims
// it before, so it is never run twice at once. It spares the claim's write
// transaction (on SQLite, a commit queued behind the writer's batches)
// between the enqueue and the attempt.
func (r *Runner) Lease(j *dm.Job, now time.Time) bool {
	if !r.running1.Load() || len(r.local) > localJobs/2 {
		return false
	}
	select {
	case <-r.stop:
		return false
	default:
	}
	// The runner's clock, as its claims: the lease ends by it.
	now = r.now()
	if _, ok := r.handlers[j.Kind]; !ok || j.Key != "" || j.RunAt.After(now) {
		return false
	}
	if j.CreatedAt.IsZero() {
		j.CreatedAt = now
	}
	j.State, j.LeasedBy, j.Attempts, j.RunAt = dm.JobRunning, r.worker, 1, now.Add(r.cfg.Lease)
	return true
}

// Offer hands the runner jobs it leased with Lease, once their enqueue has
// committed. It never blocks: a job that finds the local queue full waits
// for its lease to run out and is claimed then.
func (r *Runner) Offer(jobs ...*dm.Job) {
	for _, j := range jobs {
		select {
		case r.local <- j:
		default:
			r.log.Warn("jobs: local queue full; the job runs when its lease ends", "kind", j.Kind, "job", j.ID)
		}
	}
}

// nextLocal returns a job leased on enqueue that may still run in its
// lease, or nil.
func (r *Runner) nextLocal() *dm.Job {
	for {
		var j *dm.Job
		if len(r.held) > 0 {
			j, r.held = r.held[0], r.held[1:]
		} else {
			select {
			case j = <-r.local:
			default:
				return nil
			}
		}
		// An attempt must end inside the lease, or another node could
		// claim the job while it runs: a job that waited too long here is
		// left to its lease's end and claimed then.
		if h, ok := r.handlers[j.Kind]; ok && r.cfg.Now().Add(h.Timeout).Before(j.RunAt) {
			return j
		}
	}
}

// Kick wakes the runner: something was just enqueued. It never blocks.
func (r *Runner) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Start begins claiming and running jobs in the background, until Close.
func (r *Runner) Start() {
	r.started = true
	if r.cfg.Workers < 0 || len(r.kinds) == 0 {
		close(r.done)
		return
	}
	r.slots = make(chan struct{}, r.cfg.Workers)
	r.outcomes = make(chan *outcome, r.cfg.Workers)
	r.recorded = make(chan struct{})
	r.running1.Store(true)
	go r.record()
	go r.loop()
}

// Close stops claiming, then waits for the jobs that are running until ctx
// ends; after that it cancels their context and returns. A job cut off
// keeps its lease and runs again once it has run out, here or elsewhere.
func (r *Runner) Close(ctx context.Context) error {
	if !r.started {
		return nil
	}
	r.running1.Store(false)
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	<-r.done
	finished := make(chan struct{})
	go func() {
		r.running.Wait()
		// Every attempt has handed its outcome over: record the last ones.
		if r.outcomes != nil {
			r.closeOutcomes.Do(func() { close(r.outcomes) })
			<-r.recorded
		}
		close(finished)
	}()
	select {
	case <-finished:
		r.cancelRun()
		return nil
	case <-ctx.Done():
		r.cancelRun()
		<-finished
		return ctx.Err()
	}
}

// loop runs the jobs leased on enqueue and claims jobs while there are free
// slots and due jobs, and otherwise waits for a kick, a freed slot, a leased
// job or the poll interval.
//
// A claim is a write transaction (on SQLite, queued on the one writer
// behind the sends' batches), and the loop waits for it: while it waits,
// no job leased on enqueue starts. So the loop claims only when there may
// be due jobs in the store: at start, after a kick (a job enqueued without
// a lease on this node), at every poll (jobs enqueued elsewhere, retries
// come due, leases run out), and again at once after a claim that filled
// every free slot; not because a slot was freed or a leased job arrived.
func (r *Runner) loop() {
	defer close(r.done)
	poll := time.NewTimer(0)
	defer poll.Stop()
	nextPrune := time.Time{}
	nextCount := time.Time{}
	wantClaim := true
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		now := r.cfg.Now()
		if !now.Before(nextCount) {
			r.count()
			nextCount = now.Add(10 * time.Second)
		}
		if !now.Before(nextPrune) {
			r.prune()
			nextPrune = now.Add(time.Hour)
		}
		free := r.cfg.Workers - len(r.slots)
		// Jobs leased on enqueue first: they need no claim.
		for free > 0 {
			j := r.nextLocal()
			if j == nil {
				break
			}
			r.slots <- struct{}{}
			r.running.Add(1)
			go r.run(j)
			free--
		}
		if free > 0 && wantClaim {
			jobs, err := r.claim(free)
			if err != nil {
				r.log.Warn("jobs: claim failed", "err", err)
			}
			for i := range jobs {
				r.slots <- struct{}{}
				r.running.Add(1)
				go r.run(&jobs[i])
			}
			// A full claim: there may be more due right now (claimed
			// when a slot is free). Otherwise none is due until a kick
			// or the next poll says there may be.
			if wantClaim = len(jobs) == free; wantClaim {
				continue
			}
		}
		poll.Reset(r.cfg.Poll)
		select {
		case <-r.stop:
			return
		case <-r.kick:
			wantClaim = true
		case <-r.freed:
		case j := <-r.local:
			r.held = append(r.held, j)
		case <-poll.C:
			wantClaim = true
		}
	}
}

func (r *Runner) claim(n int) ([]dm.Job, error) {
	var jobs []dm.Job
	err := r.store.Update(context.Background(), func(tx dm.Tx) error {
		var err error
		jobs, err = tx.ClaimJobs(context.Background(), r.kinds, r.worker, r.now(), r.cfg.Lease, n)
		return err
	})
	return jobs, err
}

// now is the runner's clock at the stores' precision.
func (r *Runner) now() time.Time { return r.cfg.Now().UTC().Truncate(time.Millisecond) }

// run runs one claimed job in a slot of the background loop, and hands its
// outcome to the recorder. The slot is free once the handler has returned:
// recording is the recorder's work, batched with other jobs'.
func (r *Runner) run(j *dm.Job) {
	defer func() {
		<-r.slots
		r.running.Done()
		select { // a slot is free
		case r.freed <- struct{}{}:
		default:
		}
	}()
	r.outcomes <- r.attempt(j)
}

// record is the recorder goroutine: it writes the outcomes that have
// arrived, many per transaction, until outcomes is closed.
func (r *Runner) record() {
	defer close(r.recorded)
	batch := make([]*outcome, 0, maxRecordBatch)
	for o := range r.outcomes {
		batch = append(batch[:0], o)
	drain:
		for len(batch) < maxRecordBatch {
			select {
			case o, ok := <-r.outcomes:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		r.recordBatch(batch)
	}
}

// RunDue claims and runs the jobs that are due now, one at a time in the
// caller's goroutine, until none is left, and returns how many attempts it
// made. It is for tests and tools that want jobs done at a known point
// (with a clock they set); a started runner does this in the background.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		jobs, err := r.claim(1)
		if err != nil || len(jobs) == 0 {
			return n, err
		}
		r.recordBatch([]*outcome{r.attempt(&jobs[0])})
		n++
	}
	return n, ctx.Err()
}

// attempt runs one claimed job and returns its outcome, to be recorded.
func (r *Runner) attempt(j *dm.Job) *outcome {
	h := r.handlers[j.Kind]
	ctx, cancel := context.WithTimeout(r.runCtx, h.Timeout)
	start := time.Now()
	err := safeRun(ctx, h.Run, j)
	cancel()
	r.cfg.Metrics.Observe("parley_job_duration_seconds", "Time to run one job attempt.", metrics.Labels("kind", j.Kind), time.Since(start).Seconds())

	now := r.now()
	label := "done"
	var perm permanent
	var at later
	retryAt := time.Time{}
	switch {
	case err == nil:
	case errors.As(err, &at):
		label, retryAt = "deferred", at.at
	case errors.As(err, &perm) || j.Attempts >= h.MaxAttempts:
		label = "dead"
	default:
		label, retryAt = "retry", now.Add(h.Backoff(j.Attempts))
	}
	return &outcome{j: j, h: h, label: label, runErr: err, retryAt: retryAt, now: now}
}

// errLost is a lease lost between the claim and the record: the attempt
// outlived its lease and another worker has the job.
var errLost = errors.New("jobs: lease lost")

// write records one outcome in tx: the job's new state, then the handler's
// own log (Record). A lease lost is errLost, and then nothing was written.
func (r *Runner) write(ctx context.Context, tx dm.Tx, o *outcome) error {
	var serr error
	switch o.label {
	case "done":
		serr = tx.FinishJob(ctx, o.j.ID, r.worker, o.now)
	case "dead":
		serr = tx.BuryJob(ctx, o.j.ID, r.worker, o.runErr.Error(), o.now)
	default:
		serr = tx.RetryJob(ctx, o.j.ID, r.worker, o.retryAt, o.runErr.Error(), o.now)
	}
	if dm.IsCode(serr, dm.ENOTFOUND) {
		return errLost // the UPDATE matched no row: nothing written
	}
	if serr != nil || o.h.Record == nil {
		return serr
	}
	return o.h.Record(ctx, tx, o.j, o.label, o.runErr)
}

// recordBatch records outcomes in one transaction. A lease lost costs its
// own job only; any other error (a handler's Record failing, say) rolls the
// batch back, and then each outcome is recorded in a transaction of its own,
// so that one bad record never holds back the others.
func (r *Runner) recordBatch(batch []*outcome) {
	ctx := context.Background()
	if len(batch) > 1 {
		lost := make([]bool, len(batch))
		err := r.store.Update(ctx, func(tx dm.Tx) error {
			for i, o := range batch {
				lost[i] = false
				if err := r.write(ctx, tx, o); errors.Is(err, errLost) {
					lost[i] = true
				} else if err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			for i, o := range batch {
				label := o.label
				if lost[i] {
					label = "lost"
				}
				r.recorded1(o, label, nil)
			}
			return
		}
		r.log.Info("jobs: recording a batch failed, recording one by one", "jobs", len(batch), "err", err)
	}
	for _, o := range batch {
		err := r.store.Update(ctx, func(tx dm.Tx) error { return r.write(ctx, tx, o) })
		switch {
		case err == nil:
			r.recorded1(o, o.label, nil)
		case errors.Is(err, errLost) || dm.IsCode(err, dm.ENOTFOUND):
			r.recorded1(o, "lost", nil)
		default:
			// The lease runs out and the job runs again: handlers are idempotent.
			r.recorded1(o, "unrecorded", err)
		}
	}
}

// recorded1 counts and logs one recorded outcome.
func (r *Runner) recorded1(o *outcome, label string, rerr error) {
	j := o.j
	r.cfg.Metrics.Add("parley_jobs_total", "Job attempts by kind and outcome (done, retry, deferred, dead, lost, unrecorded).",
		metrics.Labels("kind", j.Kind, "outcome", label), 1)
	switch label {
	case "retry":
		r.log.Info("jobs: attempt failed, will retry", "kind", j.Kind, "job", j.ID, "attempt", j.Attempts, "err", o.runErr)
	case "dead":
		r.log.Warn("jobs: job failed for good (dead letter)", "kind", j.Kind, "job", j.ID, "attempt", j.Attempts, "err", o.runErr)
	case "unrecorded":
		r.log.Warn("jobs: recording an outcome failed", "kind", j.Kind, "job", j.ID, "err", rerr)
	}
	if o.h.After != nil {
		o.h.After(j, label)
	}
}

// safeRun turns a handler's panic into an error, so one bad job cannot take
// the node down; it is retried like any failure.
func safeRun(ctx context.Context, run func(context.Context, *dm.Job) error, j *dm.Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return run(ctx, j)
}

// count refreshes the queue gauges of /metrics.
func (r *Runner) count() {
	var cs []dm.JobCount
	err := r.store.View(context.Background(), func(tx dm.Tx) error {
		var err error
		cs, err = tx.JobCounts(context.Background())
		return err
	})
	if err != nil {
		r.log.Warn("jobs: counting failed", "err", err)
		return
	}
	seen := map[string]bool{}
	for _, c := range cs {
		l := metrics.Labels("kind", c.Kind, "state", c.State)
		seen[l] = true
		r.cfg.Metrics.Set("parley_jobs", "Jobs not finished, by kind and state (queued, running, dead).", l, c.Count)
	}
	for _, kind := range r.kinds {
		for _, state := range []string{dm.JobQueued, dm.JobRunning, dm.JobDead} {
			if l := metrics.Labels("kind", kind, "state", state); !seen[l] {
				r.cfg.Metrics.Set("parley_jobs", "Jobs not finished, by kind and state (queued, running, dead).", l, 0)
			}
		}
	}
}

// prune deletes finished jobs older than the retention, in short slices.
func (r *Runner) prune() {
	before := r.now().Add(-r.cfg.Retention)
	for {
		var n int64
		err := r.store.Update(context.Background(), func(tx dm.Tx) error {
			var err error
			n, err = tx.PruneJobs(context.Background(), before, 1000)
			return err
		})
		if err != nil {
			r.log.Warn("jobs: pruning failed", "err", err)
			return
		}
		select {
		case <-r.stop:
			return
		default:
		}
		if n < 1000 {
			return
		}
	}
}
