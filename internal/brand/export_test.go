package brand

import "time"

// SetRecsBuild lets a test make a small backlog count as large (built in
// the background), shrink the build's pages, and hold the build after each
// page (onPage runs in the build's goroutine).
func SetRecsBuild(s *Service, syncMax int64, page int, onPage func(brandID string, seq int64)) {
	s.recs.syncBuild, s.recs.page, s.recs.onPage = syncMax, page, onPage
}

// SetLaneSlice makes a campaign lane go back to the job queue after d of
// real time, as one on a loaded machine does after its 10 s; the returned
// func restores it. Call it before the job runner starts.
func SetLaneSlice(d time.Duration) (restore func()) {
	old := laneSlice
	laneSlice = d
	return func() { laneSlice = old }
}

// SetMaxPool lowers the bound of an offer's pool; the returned func
// restores it.
func SetMaxPool(n int) (restore func()) {
	old := maxPool
	maxPool = n
	return func() { maxPool = old }
}
