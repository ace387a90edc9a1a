/**
 * Migration 1: the ledger schema. Store-owned tables carry store_id first in
 * every key so a chain can shard them by store (see docs/cloud.md).
 * `{{INT}}` and `{{SERIAL}}` are filled per dialect.
 */
export const TABLES_V1 = `
CREATE TABLE stores (
  store_id TEXT PRIMARY KEY,
  currency TEXT NOT NULL,
  hold_minor {{INT}} NOT NULL,
  trusted_hold_minor {{INT}},
  catalog_version {{INT}} NOT NULL DEFAULT 0,
  created_at {{INT}} NOT NULL
);
CREATE TABLE customers (
  customer_id TEXT PRIMARY KEY,
  trust TEXT NOT NULL,
  consent_purpose TEXT NOT NULL,
  consent_policy_version TEXT NOT NULL,
  consent_at {{INT}} NOT NULL,
  created_at {{INT}} NOT NULL,
  erased_at {{INT}}
);
CREATE TABLE enrolments (
  customer_id TEXT NOT NULL REFERENCES customers(customer_id),
  kind TEXT NOT NULL CHECK (kind IN ('face', 'palm')),
  vector_enc TEXT NOT NULL,
  version {{INT}} NOT NULL,
  created_at {{INT}} NOT NULL,
  PRIMARY KEY (customer_id, kind)
);
CREATE TABLE feed (
  version {{SERIAL}},
  kind TEXT NOT NULL CHECK (kind IN ('enrolment', 'deletion', 'dispute')),
  customer_id TEXT NOT NULL,
  store_id TEXT,
  ref_id TEXT,
  created_at {{INT}} NOT NULL
);
CREATE TABLE audit (
  audit_id {{SERIAL}},
  at {{INT}} NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at {{INT}} NOT NULL
);
CREATE TABLE sessions (
  store_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  body TEXT NOT NULL,
  hold_minor {{INT}} NOT NULL,
  auth_status TEXT NOT NULL,
  auth_ref TEXT,
  auth_reason TEXT,
  ingest_seq {{INT}} NOT NULL,
  created_at {{INT}} NOT NULL,
  PRIMARY KEY (store_id, session_id)
);
CREATE TABLE receipts (
  store_id TEXT NOT NULL,
  receipt_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  total_minor {{INT}} NOT NULL CHECK (total_minor >= 0),
  body_hash TEXT NOT NULL,
  body TEXT NOT NULL,
  payment_status TEXT NOT NULL,
  payment_reason TEXT,
  paid_minor {{INT}} NOT NULL DEFAULT 0,
  refunded_minor {{INT}} NOT NULL DEFAULT 0,
  ingest_seq {{INT}} NOT NULL,
  created_at {{INT}} NOT NULL,
  PRIMARY KEY (store_id, receipt_id)
);
CREATE INDEX receipts_customer ON receipts (customer_id, created_at);
CREATE TABLE adjustments (
  store_id TEXT NOT NULL,
  adjustment_id TEXT NOT NULL,
  receipt_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  total_minor {{INT}} NOT NULL,
  body_hash TEXT NOT NULL,
  body TEXT NOT NULL,
  payment_status TEXT NOT NULL,
  payment_reason TEXT,
  ingest_seq {{INT}} NOT NULL,
  created_at {{INT}} NOT NULL,
  PRIMARY KEY (store_id, adjustment_id)
);
CREATE TABLE payments (
  store_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  record_id TEXT NOT NULL,
  op TEXT NOT NULL,
  amount_minor {{INT}} NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  provider_ref TEXT,
  parent_ref TEXT,
  reason TEXT,
  created_at {{INT}} NOT NULL,
  PRIMARY KEY (store_id, idempotency_key)
);
CREATE INDEX payments_record ON payments (store_id, record_id);
CREATE TABLE disputes (
  store_id TEXT NOT NULL,
  dispute_id TEXT NOT NULL,
  receipt_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL,
  refund_minor {{INT}} NOT NULL DEFAULT 0,
  created_at {{INT}} NOT NULL,
  resolved_at {{INT}},
  PRIMARY KEY (store_id, dispute_id)
);
CREATE TABLE journal_entries (
  store_id TEXT NOT NULL,
  entry_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  ref_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  created_at {{INT}} NOT NULL,
  PRIMARY KEY (store_id, entry_id)
);
CREATE TABLE postings (
  store_id TEXT NOT NULL,
  entry_id TEXT NOT NULL,
  line_no {{INT}} NOT NULL,
  account TEXT NOT NULL,
  customer_id TEXT,
  amount_minor {{INT}} NOT NULL,
  currency TEXT NOT NULL,
  PRIMARY KEY (store_id, entry_id, line_no),
  FOREIGN KEY (store_id, entry_id) REFERENCES journal_entries (store_id, entry_id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE sandbox_ops (
  idempotency_key TEXT PRIMARY KEY,
  op TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  amount_minor {{INT}} NOT NULL,
  currency TEXT NOT NULL,
  outcome TEXT NOT NULL,
  ref TEXT NOT NULL,
  parent_ref TEXT,
  created_at {{INT}} NOT NULL
);
CREATE INDEX sandbox_ops_parent ON sandbox_ops (parent_ref);
CREATE INDEX sandbox_ops_ref ON sandbox_ops (ref);
CREATE TABLE ingest_log (
  seq {{SERIAL}},
  store_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  record_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  at {{INT}} NOT NULL
);
CREATE INDEX ingest_log_session ON ingest_log (store_id, session_id, seq);
`;

/**
 * The balance rule lives in the database: postings are inserted first, then
 * the entry header; inserting the header checks that its postings sum to zero
 * in one currency, and a sealed entry takes no more postings. The deferred
 * foreign key rejects postings whose header never arrives. Nothing is updated
 * or deleted: corrections are new entries.
 */
export const LEDGER_RULES_SQLITE = `
CREATE TRIGGER postings_sealed BEFORE INSERT ON postings
WHEN EXISTS (SELECT 1 FROM journal_entries j WHERE j.store_id = NEW.store_id AND j.entry_id = NEW.entry_id)
BEGIN SELECT RAISE(ABORT, 'E_LEDGER_ENTRY_SEALED'); END;
CREATE TRIGGER journal_balanced BEFORE INSERT ON journal_entries
WHEN (SELECT COUNT(*) FROM postings p WHERE p.store_id = NEW.store_id AND p.entry_id = NEW.entry_id) < 2
  OR (SELECT SUM(amount_minor) FROM postings p WHERE p.store_id = NEW.store_id AND p.entry_id = NEW.entry_id) <> 0
  OR EXISTS (SELECT 1 FROM postings p WHERE p.store_id = NEW.store_id AND p.entry_id = NEW.entry_id AND p.currency <> NEW.currency)
BEGIN SELECT RAISE(ABORT, 'E_LEDGER_UNBALANCED'); END;
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings BEGIN SELECT RAISE(ABORT, 'E_LEDGER_APPEND_ONLY'); END;
CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings BEGIN SELECT RAISE(ABORT, 'E_LEDGER_APPEND_ONLY'); END;
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal_entries BEGIN SELECT RAISE(ABORT, 'E_LEDGER_APPEND_ONLY'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal_entries BEGIN SELECT RAISE(ABORT, 'E_LEDGER_APPEND_ONLY'); END;
`;

export const LEDGER_RULES_PG = `
CREATE FUNCTION tebura_postings_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM journal_entries j WHERE j.store_id = NEW.store_id AND j.entry_id = NEW.entry_id) THEN
    RAISE EXCEPTION 'E_LEDGER_ENTRY_SEALED';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER postings_sealed BEFORE INSERT ON postings FOR EACH ROW EXECUTE FUNCTION tebura_postings_sealed();
CREATE FUNCTION tebura_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n bigint; s numeric; other bigint;
BEGIN
  SELECT COUNT(*), COALESCE(SUM(amount_minor), 0), COUNT(*) FILTER (WHERE currency <> NEW.currency)
    INTO n, s, other FROM postings p WHERE p.store_id = NEW.store_id AND p.entry_id = NEW.entry_id;
  IF n < 2 OR s <> 0 OR other > 0 THEN
    RAISE EXCEPTION 'E_LEDGER_UNBALANCED';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER journal_balanced BEFORE INSERT ON journal_entries FOR EACH ROW EXECUTE FUNCTION tebura_journal_balanced();
CREATE FUNCTION tebura_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'E_LEDGER_APPEND_ONLY'; END $$;
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings FOR EACH ROW EXECUTE FUNCTION tebura_append_only();
CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal_entries FOR EACH ROW EXECUTE FUNCTION tebura_append_only();
`;
