package dm

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// This file holds the durable job queue: work that must happen after a
// commit (an away message, a webhook delivery, a campaign step, a timer) is
// enqueued as a row inside the same transaction as the change that causes
// it, so that a crash can delay it but never lose it. internal/jobs claims
// and runs the rows; JobTx is what a store keeps for it.

// Job states.
const (
	JobQueued  = "queued"  // waiting for RunAt
	JobRunning = "running" // claimed by a worker until RunAt (its lease)
	JobDone    = "done"    // finished; kept a while, then pruned
	JobDead    = "dead"    // failed for good (dead letter); kept for operators
)

// Job is one unit of work in the queue.
type Job struct {
	ID   string
	Kind string
	// Key, when not "", makes enqueueing idempotent: a second job of the
	// same Kind and Key is not added while the first is kept (queued,
	// running, done until pruned, or dead).
	Key     string
	Payload json.RawMessage
	State   string
	// RunAt is when a queued job becomes due; while it runs, it is the end
	// of its worker's lease, after which another worker may claim it.
	RunAt time.Time
	// Attempts counts claims, so a job whose worker dies every time still
	// reaches its dead letter.
	Attempts  int
	LeasedBy  string
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// JobCount is how many jobs of a kind are in a state (for /metrics).
type JobCount struct {
	Kind  string
	State string
	Count int64
}

// MaxJobError bounds the stored text of a job's last error.
const MaxJobError = 1000

// JobTx is the job queue's part of a transaction.
type JobTx interface {
	// EnqueueJob adds j as queued (ID, State, CreatedAt and UpdatedAt are
	// set when empty). created is false when j.Key named a job that is
	// already kept, which is then left as it is.
	EnqueueJob(ctx context.Context, j *Job) (created bool, err error)
	// ClaimJobs leases up to limit due jobs of the given kinds to worker
	// until now+lease: queued jobs whose RunAt has come, and running jobs
	// whose lease ran out (their worker died). Oldest RunAt first. Each
	// claim counts an attempt. Two workers never hold one job at once:
	// PostgreSQL skips rows another transaction has locked, SQLite has one
	// writer.
	ClaimJobs(ctx context.Context, kinds []string, worker string, now time.Time, lease time.Duration, limit int) ([]Job, error)
	// FinishJob marks a job worker holds as done. ENOTFOUND when worker no
	// longer holds it (its lease ran out and another worker claimed it).
	FinishJob(ctx context.Context, id, worker string, now time.Time) error
	// RetryJob puts a job worker holds back in the queue until runAt, with
	// the error of its attempt (ENOTFOUND as FinishJob).
	RetryJob(ctx context.Context, id, worker string, runAt time.Time, lastErr string, now time.Time) error
	// BuryJob moves a job worker holds to the dead letters (ENOTFOUND as FinishJob).
	BuryJob(ctx context.Context, id, worker, lastErr string, now time.Time) error
	// Job returns one job (ENOTFOUND if none).
	Job(ctx context.Context, id string) (*Job, error)
	// JobCounts counts the jobs that are not done, by kind and state.
	JobCounts(ctx context.Context) ([]JobCount, error)
	// PruneJobs deletes at most limit done jobs finished before before.
	PruneJobs(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Queue makes j a new queued job, filling what its creator may leave empty
// (ID, RunAt, CreatedAt, payload); stores call it in EnqueueJob with their
// own clock precision. A job leased on enqueue (jobs.Runner.Lease: State
// running, LeasedBy its worker, RunAt its lease's end, Attempts 1) keeps
// its lease: it is stored claimed.
func (j *Job) Queue(now time.Time) {
	leased := j.State == JobRunning && j.LeasedBy != ""
	if j.ID == "" {
		j.ID = NewID()
	}
	if j.CreatedAt.IsZero() {
		j.CreatedAt = now
	}
	if j.RunAt.IsZero() {
		j.RunAt = j.CreatedAt
	}
	j.UpdatedAt = j.CreatedAt
	if leased {
		j.Attempts, j.LastError = 1, ""
	} else {
		j.State, j.Attempts, j.LeasedBy, j.LastError = JobQueued, 0, "", ""
	}
	if len(j.Payload) == 0 {
		j.Payload = json.RawMessage("{}")
	}
}

// CleanJobError makes an attempt's error text storable: valid UTF-8, no NUL
// (PostgreSQL text refuses it), at most MaxJobError bytes.
func CleanJobError(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "?"), "\x00", "")
	return Truncate(s, MaxJobError)
}
