package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The job queue (dm.JobTx). Claims go through the single writer like every
// write, so two workers can never take the same job: the second claim's
// statement runs after the first has moved it to running.

const jobColumns = `id, kind, key, payload, state, run_at, attempts, leased_by, last_error, created_at, updated_at`

func (t *tx) EnqueueJob(ctx context.Context, j *dm.Job) (bool, error) {
	j.Queue(time.Now().UTC().Truncate(time.Millisecond))
	res, err := t.exec(ctx, `INSERT INTO jobs (`+jobColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)
		ON CONFLICT (kind, key) WHERE key IS NOT NULL DO NOTHING`,
		j.ID, j.Kind, nullString(j.Key), string(j.Payload), j.State, ms(j.RunAt), j.Attempts, j.LeasedBy, ms(j.CreatedAt), ms(j.UpdatedAt))
	if err != nil {
		return false, wrap(err, "job")
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err, "job")
}

func (t *tx) ClaimJobs(ctx context.Context, kinds []string, worker string, now time.Time, lease time.Duration, limit int) ([]dm.Job, error) {
	if len(kinds) == 0 || limit <= 0 {
		return nil, nil
	}
	// One statement per number of kinds; the writer's statement cache
	// keeps each prepared.
	q := `UPDATE jobs SET state = 'running', leased_by = ?, run_at = ?, attempts = attempts + 1, updated_at = ?
		WHERE id IN (SELECT id FROM jobs WHERE state IN ('queued', 'running') AND run_at <= ?
			AND kind IN (?` + strings.Repeat(", ?", len(kinds)-1) + `) ORDER BY run_at LIMIT ?)
		RETURNING ` + jobColumns
	args := []any{worker, ms(now.Add(lease)), ms(now), ms(now)}
	for _, k := range kinds {
		args = append(args, k)
	}
	args = append(args, limit)
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "jobs")
	}
	return scanJobs(rows)
}

func scanJobs(rows *sql.Rows) ([]dm.Job, error) {
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

func scanJob(s interface{ Scan(...any) error }) (*dm.Job, error) {
	var j dm.Job
	var key sql.NullString
	var payload string
	var runAt, created, updated int64
	if err := s.Scan(&j.ID, &j.Kind, &key, &payload, &j.State, &runAt, &j.Attempts, &j.LeasedBy, &j.LastError, &created, &updated); err != nil {
		return nil, wrap(err, "job")
	}
	j.Key, j.Payload = key.String, []byte(payload)
	j.RunAt, j.CreatedAt, j.UpdatedAt = utc(runAt), utc(created), utc(updated)
	return &j, nil
}

// leased runs a statement on a job the worker holds; no row changed means the
// lease was lost.
func (t *tx) leased(ctx context.Context, id string, query string, args ...any) error {
	n, err := t.affected(ctx, query, args...)
	if err != nil {
		return wrap(err, "job")
	}
	if n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "job %s is not held by this worker", id)
	}
	return nil
}

func (t *tx) FinishJob(ctx context.Context, id, worker string, now time.Time) error {
	return t.leased(ctx, id, `UPDATE jobs SET state = 'done', run_at = ?, updated_at = ?
		WHERE id = ? AND leased_by = ? AND state = 'running'`, ms(now), ms(now), id, worker)
}

func (t *tx) RetryJob(ctx context.Context, id, worker string, runAt time.Time, lastErr string, now time.Time) error {
	return t.leased(ctx, id, `UPDATE jobs SET state = 'queued', run_at = ?, leased_by = '', last_error = ?, updated_at = ?
		WHERE id = ? AND leased_by = ? AND state = 'running'`, ms(runAt), dm.CleanJobError(lastErr), ms(now), id, worker)
}

func (t *tx) BuryJob(ctx context.Context, id, worker, lastErr string, now time.Time) error {
	return t.leased(ctx, id, `UPDATE jobs SET state = 'dead', run_at = ?, leased_by = '', last_error = ?, updated_at = ?
		WHERE id = ? AND leased_by = ? AND state = 'running'`, ms(now), dm.CleanJobError(lastErr), ms(now), id, worker)
}

func (t *tx) Job(ctx context.Context, id string) (*dm.Job, error) {
	return scanJob(t.queryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
}

func (t *tx) JobCounts(ctx context.Context) ([]dm.JobCount, error) {
	rows, err := t.query(ctx, `SELECT kind, state, count(*) FROM jobs WHERE state <> 'done' GROUP BY state, kind ORDER BY kind, state`)
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
	return t.affected(ctx, `DELETE FROM jobs WHERE id IN
		(SELECT id FROM jobs WHERE state = 'done' AND run_at < ? ORDER BY run_at LIMIT ?)`, ms(before), limitOr(limit, 1000))
}
