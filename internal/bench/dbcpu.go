package bench

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// dbCPU samples the CPU time of the PostgreSQL backends serving one
// database (the server's pool connections), read from /proc/PID/stat: the
// bench runs on the database's machine. Backends that end during a phase
// take their CPU time with them, so the figure is a lower bound; the
// server's pool keeps its connections, so in practice it is the whole.
type dbCPU struct {
	conn *pgx.Conn
	at   map[int]time.Duration // pid -> CPU time at the last sample
}

// newDBCPU connects to url; nil (and no error) when url is empty.
func newDBCPU(ctx context.Context, url string) (*dbCPU, error) {
	if url == "" {
		return nil, nil
	}
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	return &dbCPU{conn: c}, nil
}

func (d *dbCPU) close() {
	if d != nil {
		d.conn.Close(context.Background())
	}
}

// sample reads every backend's CPU time now and returns how much they used
// since the previous sample (0 on the first).
func (d *dbCPU) sample(ctx context.Context) (time.Duration, error) {
	rows, err := d.conn.Query(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`)
	if err != nil {
		return 0, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0, err
	}
	now := make(map[int]time.Duration, len(pids))
	var used time.Duration
	for _, p := range pids {
		t, err := CPUTime(int(p))
		if err != nil {
			continue // ended meanwhile
		}
		now[int(p)] = t
		if d.at != nil {
			used += t - d.at[int(p)] // a new backend counts from 0
		}
	}
	d.at = now
	return used, nil
}
