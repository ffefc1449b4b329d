package dm

import "context"

// Notification tells the nodes that hold a user's sockets that the user has
// new events. Logged events (Seq > 0) are already committed to the user's log,
// so a lost notification delays delivery but never loses an event: sockets
// catch up from the Store by cursor. Ephemeral events (typing, Seq 0) exist
// only here.
type Notification struct {
	UserID string  `json:"user_id"`
	Events []Event `json:"events"`
	// Revoked is set on the notifications to RevocationChannel.
	Revoked *Revocation `json:"revoked,omitempty"`
}

// RevocationChannel is the pseudo user id every node subscribes to, at
// start-up, to hear of ended sessions (no account id starts with "~").
const RevocationChannel = "~sessions"

// Revocation says that sessions of a user ended (logout, password change,
// "log out everywhere", suspension): every node forgets them from its
// session cache and closes the sockets opened with them, at once rather than
// when its cache expires. TokenHashes are the stored hashes, never tokens.
type Revocation struct {
	UserID      string   `json:"user_id"`
	TokenHashes []string `json:"token_hashes"`
}

// Bus carries notifications between the node that made a change and the nodes
// that hold the affected users' sockets. It has two implementations: in-process
// (internal/inmem) and NATS (internal/nats); both pass internal/bustest.
type Bus interface {
	// Publish sends each notification to the subscribers of its user. It does
	// not wait for them to handle it.
	Publish(ctx context.Context, ns ...Notification) error
	// Subscribe calls fn for each notification to userID until cancel is
	// called. fn must not block: it runs on the bus's delivery goroutine.
	// Notifications to one user arrive in the order they were published on
	// one node.
	Subscribe(userID string, fn func(Notification)) (cancel func(), err error)
	// Ping checks that the bus is reachable (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}
