package wire

// The search endpoint's types (GET /api/v1/search).

// SearchResult is one message found.
type SearchResult struct {
	Message Message `json:"message"`
	// Snippet is the text around the words found, in parts.
	Snippet []SnippetPart `json:"snippet"`
}

// SnippetPart is a piece of a result's snippet; Match marks the words
// found. Parts are plain text: clients render them escaped.
type SnippetPart struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}
