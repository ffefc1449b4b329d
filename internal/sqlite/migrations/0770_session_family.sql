-- Session families: an XRPC login is an access and a refresh session, and
-- each refresh (rotation) adds a pair, while the rotated refresh token
-- still refreshes for two minutes (internal/xrpc). All of them carry the
-- login's family, so that deleteSession ends every pair the login made,
-- those a reuse of a rotated token made included. '' : no family (a
-- native session, or an XRPC one from before this migration).
ALTER TABLE sessions ADD COLUMN family TEXT NOT NULL DEFAULT '';
