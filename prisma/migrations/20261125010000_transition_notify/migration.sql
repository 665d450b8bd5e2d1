-- Wake every API instance when transitions commit. NOTIFY is delivered only on commit, so nobody
-- hears a rolled-back change; the payload is empty because listeners read the rows themselves
-- (from their cursor, below the oldest running transaction) rather than trust a message.
CREATE FUNCTION transition_record_notify() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_notify('epoch_windows_transitions', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER transition_record_notify
  AFTER INSERT ON "transition_record"
  FOR EACH STATEMENT EXECUTE FUNCTION transition_record_notify();
