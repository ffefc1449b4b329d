package bench

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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
	// The server's URL may carry pgxpool's own parameters
	// (pool_max_conns): parsed as a pool's, they are not sent to the
	// database as settings, which it would refuse.
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	c, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
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

// DBCPUMeter adds up the CPU time of the backends of the database at a URL
// while a long job (a seed) runs, sampling twice a second so that backends
// opened meanwhile are counted from their first sample.
type DBCPUMeter struct {
	stop chan struct{}
	done chan time.Duration
}

// MeasureDBCPU starts a meter; nil (measuring nothing) when url is empty or
// unreachable.
func MeasureDBCPU(ctx context.Context, url string) *DBCPUMeter {
	d, err := newDBCPU(ctx, url)
	if err != nil || d == nil {
		return nil
	}
	m := &DBCPUMeter{stop: make(chan struct{}), done: make(chan time.Duration, 1)}
	go func() {
		defer d.close()
		var total time.Duration
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		d.sample(ctx)
		for {
			select {
			case <-t.C:
				used, _ := d.sample(ctx)
				total += used
			case <-m.stop:
				used, _ := d.sample(ctx)
				m.done <- total + used
				return
			}
		}
	}()
	return m
}

// Stop ends the meter and returns the CPU time counted (0 for a nil meter).
func (m *DBCPUMeter) Stop() time.Duration {
	if m == nil {
		return 0
	}
	close(m.stop)
	return <-m.done
}
