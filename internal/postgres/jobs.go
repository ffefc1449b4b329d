package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/internal/dm"
)

// The job queue (dm.JobTx). Several nodes claim from one table: the claim
// locks the rows it picks with FOR UPDATE SKIP LOCKED, so a concurrent
// claim passes over them instead of waiting, and never takes one twice.

const jobColumns = `id, kind, key, payload, state, run_at, attempts, leased_by, last_error, created_at, updated_at`

func (t *tx) EnqueueJob(ctx context.Context, j *dm.Job) (bool, error) {
	j.Queue(time.Now().UTC().Truncate(time.Microsecond))
	var key *string
	if j.Key != "" {
		key = &j.Key
	}
	tag, err := t.tx.Exec(ctx, `INSERT INTO jobs (`+jobColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10)
		ON CONFLICT (kind, key) WHERE key IS NOT NULL DO NOTHING`,
		j.ID, j.Kind, key, string(j.Payload), j.State, j.RunAt, j.Attempts, j.LeasedBy, j.CreatedAt, j.UpdatedAt)
	if err != nil {
		return false, wrap(err, "job")
	}
	return tag.RowsAffected() == 1, nil
}

func (t *tx) ClaimJobs(ctx context.Context, kinds []string, worker string, now time.Time, lease time.Duration, limit int) ([]dm.Job, error) {
	if len(kinds) == 0 || limit <= 0 {
		return nil, nil
	}
	rows, err := t.tx.Query(ctx, `
		UPDATE jobs SET state = 'running', leased_by = $1, run_at = $2, attempts = attempts + 1, updated_at = $3
		WHERE id IN (
			SELECT id FROM jobs WHERE state IN ('queued', 'running') AND run_at <= $3 AND kind = ANY($4)
			ORDER BY run_at LIMIT $5 FOR UPDATE SKIP LOCKED)
		RETURNING `+jobColumns, worker, now.Add(lease), now, kinds, limit)
	if err != nil {
		return nil, wrap(err, "jobs")
	}
	return scanJobs(rows)
}

func scanJobs(rows pgx.Rows) ([]dm.Job, error) {
	defer rows.Close()
	var out []dm.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *j)
	}
	return out, wrap(rows.Err(), "jobs")
}

func scanJob(s pgx.Row) (*dm.Job, error) {
	var j dm.Job
	var key *string
	var payload string
	if err := s.Scan(&j.ID, &j.Kind, &key, &payload, &j.State, &j.RunAt, &j.Attempts, &j.LeasedBy, &j.LastError, &j.CreatedAt, &j.UpdatedAt); err != nil {
		return nil, wrap(err, "job")
	}
	if key != nil {
		j.Key = *key
	}
	j.Payload = []byte(payload)
	j.RunAt, j.CreatedAt, j.UpdatedAt = j.RunAt.UTC(), j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	return &j, nil
}

// leased runs a statement on a job the worker holds; no row changed means the
// lease was lost.
func (t *tx) leased(ctx context.Context, id, query string, args ...any) error {
	tag, err := t.tx.Exec(ctx, query, args...)
	if err != nil {
		return wrap(err, "job")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "job %s is not held by this worker", id)
	}
	return nil
}

func (t *tx) FinishJob(ctx context.Context, id, worker string, now time.Time) error {
	return t.leased(ctx, id, `UPDATE jobs SET state = 'done', run_at = $1, updated_at = $1
		WHERE id = $2 AND leased_by = $3 AND state = 'running'`, now, id, worker)
}

func (t *tx) RetryJob(ctx context.Context, id, worker string, runAt time.Time, lastErr string, now time.Time) error {
	return t.leased(ctx, id, `UPDATE jobs SET state = 'queued', run_at = $1, leased_by = '', last_error = $2, updated_at = $3
		WHERE id = $4 AND leased_by = $5 AND state = 'running'`, runAt, dm.CleanJobError(lastErr), now, id, worker)
}

func (t *tx) BuryJob(ctx context.Context, id, worker, lastErr string, now time.Time) error {
	return t.leased(ctx, id, `UPDATE jobs SET state = 'dead', run_at = $1, leased_by = '', last_error = $2, updated_at = $1
		WHERE id = $3 AND leased_by = $4 AND state = 'running'`, now, dm.CleanJobError(lastErr), id, worker)
}

func (t *tx) Job(ctx context.Context, id string) (*dm.Job, error) {
	return scanJob(t.tx.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id))
}

func (t *tx) JobCounts(ctx context.Context) ([]dm.JobCount, error) {
	rows, err := t.tx.Query(ctx, `SELECT kind, state, count(*) FROM jobs WHERE state <> 'done' GROUP BY state, kind ORDER BY kind, state`)
	if err != nil {
		return nil, wrap(err, "jobs")
	}
	defer rows.Close()
	out := []dm.JobCount{}
	for rows.Next() {
		var c dm.JobCount
		if err := rows.Scan(&c.Kind, &c.State, &c.Count); err != nil {
			return nil, wrap(err, "jobs")
		}
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "jobs")
}

func (t *tx) PruneJobs(ctx context.Context, before time.Time, limit int) (int64, error) {
	if limit <= 0 {
		limit = 1000
	}
	tag, err := t.tx.Exec(ctx, `DELETE FROM jobs WHERE id IN
		(SELECT id FROM jobs WHERE state = 'done' AND run_at < $1 ORDER BY run_at LIMIT $2)`, before, limit)
	if err != nil {
		return 0, wrap(err, "jobs")
	}
	return tag.RowsAffected(), nil
}
