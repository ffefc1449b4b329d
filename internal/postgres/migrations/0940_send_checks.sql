-- The send in two round trips (issue 15, internal/postgres/send.go): a
-- write queued to travel with the transaction's next statement has no
-- caller waiting for its answer, so a write whose row must exist (or must
-- not) checks it itself with parley_expect, which fails the transaction
-- with the store's error code in the hint ('parley:not_found') and the
-- message the caller would have returned; the store's wrap turns it back
-- into that error.
CREATE FUNCTION parley_expect(ok boolean, code text, message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT ok THEN
		RAISE EXCEPTION USING ERRCODE = 'raise_exception', MESSAGE = message, HINT = 'parley:' || code;
	END IF;
END
$$;
