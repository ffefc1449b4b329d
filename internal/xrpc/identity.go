package xrpc

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
)

// identities maps Parley accounts to atproto identifiers and back.
//
// DIDs are did:web:<host>:u:<account id>. The account id never changes
// (a handle could one day), so the DID is stable for the life of the
// account; did:web needs no registry, and the host part ties the DID to the
// server that holds the account.
//
// Handles are <label>.<host>, where label is the native handle with each
// "_" written "-": native handles use a-z, 0-9 and "_", atproto handles
// allow "-" but not "_", so the mapping is one to one. A label may not
// start or end with "-", so a native handle that starts or ends with "_" is
// written "x<label>x" under the extra subdomain "x." (_bob_ is
// x-bob-x.x.<host>), which no ordinary handle can produce.
type identities struct {
	host      string
	didPrefix string
}

func newIdentities(host string) (identities, error) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if !validDomain(host) {
		return identities{}, fmt.Errorf("xrpc: public host %q is not a domain name (e.g. chat.example.com)", host)
	}
	return identities{host: host, didPrefix: "did:web:" + host + ":u:"}, nil
}

// validDomain checks the syntax of a handle's domain: dotted labels of
// letters, digits and inner hyphens, the last not starting with a digit.
func validDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(s) > 200 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !validLabel(l) {
			return false
		}
	}
	last := labels[len(labels)-1]
	return last[0] < '0' || last[0] > '9'
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// did returns an account's DID.
func (x identities) did(accountID string) string { return x.didPrefix + accountID }

// accountID returns the account id a DID of this server names.
func (x identities) accountID(did string) (string, bool) {
	id, ok := strings.CutPrefix(strings.ToLower(did), x.didPrefix)
	if !ok || id == "" || len(id) > 64 {
		return "", false
	}
	return id, true
}

// handle returns the atproto handle of a native handle.
func (x identities) handle(native string) string {
	label := strings.ReplaceAll(native, "_", "-")
	if label[0] == '-' || label[len(label)-1] == '-' {
		return "x" + label + "x.x." + x.host
	}
	return label + "." + x.host
}

// native returns the native handle of an atproto handle of this server.
func (x identities) native(handle string) (string, bool) {
	rest, ok := strings.CutSuffix(strings.ToLower(handle), "."+x.host)
	if !ok {
		return "", false
	}
	if inner, ok := strings.CutSuffix(rest, ".x"); ok {
		if len(inner) < 3 || !validLabel(inner) || inner[0] != 'x' || inner[len(inner)-1] != 'x' {
			return "", false
		}
		rest = inner[1 : len(inner)-1]
		if rest == "" || (rest[0] != '-' && rest[len(rest)-1] != '-') {
			return "", false
		}
	} else if !validLabel(rest) {
		return "", false
	}
	if strings.Contains(rest, "_") || strings.Contains(rest, ".") {
		return "", false
	}
	return strings.ReplaceAll(rest, "-", "_"), true
}

// nativeHandle resolves what a client names an account with (a DID of this
// server, a mapped handle, or a native handle) to the native handle that
// the chat service takes. An identifier that names nobody here is
// ENOTFOUND.
func (h *Handler) nativeHandle(ctx context.Context, ident string) (string, error) {
	ident = strings.TrimPrefix(strings.TrimSpace(ident), "@")
	notFound := dm.Errorf(dm.ENOTFOUND, "No account %q.", dm.Truncate(ident, 80))
	switch {
	case strings.HasPrefix(ident, "did:"):
		id, ok := h.ids.accountID(ident)
		if !ok {
			return "", notFound
		}
		acc, err := h.accounts.AccountByID(ctx, id)
		if err != nil {
			return "", err
		}
		return acc.Handle, nil
	case strings.Contains(ident, "."):
		n, ok := h.ids.native(ident)
		if !ok {
			return "", notFound
		}
		return n, nil
	}
	return strings.ToLower(ident), nil
}

// recipientError names an unknown member RecipientNotFound, as
// getConvoForMembers does.
func recipientError(err error) error {
	if dm.IsCode(err, dm.ENOTFOUND) {
		return errorf(http.StatusBadRequest, "RecipientNotFound", "%s", dm.ErrorMessage(err))
	}
	return err
}

// resolveHandle answers com.atproto.identity.resolveHandle for this
// server's handles (and native ones).
func (h *Handler) resolveHandle(ctx context.Context, c *call) (any, error) {
	handle, err := c.param("handle", true)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(handle, "did:") {
		return nil, invalid("Params/handle is a handle, not a DID.")
	}
	n, err := h.nativeHandle(ctx, handle)
	if err == nil {
		var p *profileLookup
		if p, err = h.lookup(ctx, n); err == nil {
			return map[string]string{"did": h.ids.did(p.id)}, nil
		}
	}
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, invalid("Unable to resolve handle.")
	}
	return nil, err
}

// profileLookup is the little the surface needs of an account found by handle.
type profileLookup struct{ id, handle string }

// lookup finds an account by native handle without a session: handles
// and DIDs are public.
func (h *Handler) lookup(ctx context.Context, native string) (*profileLookup, error) {
	if dm.ValidateHandle(native) != nil {
		return nil, dm.Errorf(dm.ENOTFOUND, "No account @%s.", dm.Truncate(native, 40))
	}
	acc, err := h.accounts.AccountByHandle(ctx, native)
	if err != nil {
		return nil, err
	}
	return &profileLookup{id: acc.ID, handle: acc.Handle}, nil
}
