package brand

// SetRecsBuild lets a test make a small backlog count as large (built in
// the background), shrink the build's pages, and hold the build after each
// page (onPage runs in the build's goroutine).
func SetRecsBuild(s *Service, syncMax int64, page int, onPage func(brandID string, seq int64)) {
	s.recs.syncBuild, s.recs.page, s.recs.onPage = syncMax, page, onPage
}
