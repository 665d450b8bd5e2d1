-- Commit notices say what changed (issue 17), so a listener drops only what a change can affect.
-- Per statement (the scheduler writes a batch of transitions across many topics in one INSERT),
-- the payload is `v1;<states>;<topics>`: the states touched (from_state ∪ to_state, ascending) and
-- the distinct topic ids (as the uint64 the API shows, ascending), comma-separated; no row data.
-- NOTIFY payloads must stay under 8000 bytes: when the topic list would not fit, `*` means "any
-- topic" (the states are still given). A statement that inserted no rows notifies nobody.
-- Listeners still read the rows themselves; an empty payload (older servers) means "anything".
CREATE OR REPLACE FUNCTION transition_record_notify() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  states text;
  topics text;
BEGIN
  SELECT string_agg(s::text, ',' ORDER BY s) INTO states
    FROM (SELECT from_state AS s FROM new_rows UNION SELECT to_state FROM new_rows) touched;
  IF states IS NULL THEN
    RETURN NULL;
  END IF;
  -- Stored ids are the uint64 minus 2^63 (u64_decode, in the init migration); the order is the same.
  SELECT string_agg(u64_decode(t)::text, ',' ORDER BY t) INTO topics
    FROM (SELECT DISTINCT topic_id AS t FROM new_rows) changed;
  IF octet_length(topics) > 7900 THEN
    topics := '*';
  END IF;
  PERFORM pg_notify('epoch_windows_transitions', 'v1;' || states || ';' || topics);
  RETURN NULL;
END;
$$;

-- A statement-level trigger sees the statement's rows only through a transition table.
DROP TRIGGER transition_record_notify ON "transition_record";
CREATE TRIGGER transition_record_notify
  AFTER INSERT ON "transition_record"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION transition_record_notify();
