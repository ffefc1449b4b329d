-- A reporter's own reports, newest first (dm.ModerationTx.ReportsBy: "my reports").

CREATE INDEX reports_reporter ON reports (reporter_id, created_at, id);
