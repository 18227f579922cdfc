#!/usr/bin/env bash
# Growing past one database: every key of the migrated schema leads with the
# tenant, so the schema can be distributed by tenant (Citus) and each
# tenant's rows stay together. Reads the catalog (pg_index, pg_constraint,
# pg_attribute) of a freshly migrated embedded cluster and fails on
#   - a primary key, unique index or exclusion constraint whose first column
#     is not `tenant`;
#   - a foreign key that does not start with `tenant` on both sides (a
#     reference to tenants (id), the table Citus would replicate, excepted);
#   - a table without a primary key, or whose `tenant` may be NULL.
# Two tables are exempt, by name: `tenants` (its key is the tenant) and
# `schema_migrations` (tend's bookkeeping, never distributed). The detector
# is first shown a table breaking each rule, so a query that finds nothing
# cannot pass. Run from the repository root: tenant_keys.sh TEND
set -uo pipefail
TEND=$1
. tests/integration/lib_cluster.sh
cluster_require_server
cluster_home keys
PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$SOCK" -U tend -d tend)

"$TEND" db up >"$tmp/up" 2>&1 || { cat "$tmp/up"; fail "tend db up"; }

# One line per offence: "table: what (definition)".
DETECT="
WITH tbl AS (
  SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND c.relname NOT IN ('tenants', 'schema_migrations')
), col AS (SELECT attrelid, attnum, attname, attnotnull FROM pg_attribute WHERE attnum > 0 AND NOT attisdropped)
SELECT t.relname || ': ' || CASE WHEN ix.indisprimary THEN 'primary key' WHEN ix.indisexclusion
       THEN 'exclusion constraint' ELSE 'unique index' END || ' does not lead with tenant ('
       || pg_get_indexdef(ix.indexrelid) || ')'
  FROM tbl t JOIN pg_index ix ON ix.indrelid = t.oid
  LEFT JOIN col a ON a.attrelid = t.oid AND a.attnum = ix.indkey[0]
 WHERE (ix.indisprimary OR ix.indisunique OR ix.indisexclusion) AND a.attname IS DISTINCT FROM 'tenant'
UNION ALL
SELECT t.relname || ': foreign key ' || k.conname || ' does not lead with tenant on both sides ('
       || pg_get_constraintdef(k.oid) || ')'
  FROM tbl t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
  JOIN pg_class r ON r.oid = k.confrelid
  LEFT JOIN col a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
  LEFT JOIN col b ON b.attrelid = k.confrelid AND b.attnum = k.confkey[1]
 WHERE a.attname IS DISTINCT FROM 'tenant'
    OR NOT (b.attname = 'tenant' OR (r.relname = 'tenants' AND b.attname = 'id' AND cardinality(k.conkey) = 1))
UNION ALL
SELECT t.relname || ': no primary key' FROM tbl t
 WHERE NOT EXISTS (SELECT 1 FROM pg_index ix WHERE ix.indrelid = t.oid AND ix.indisprimary)
UNION ALL
SELECT t.relname || ': no NOT NULL tenant column' FROM tbl t
 WHERE NOT EXISTS (SELECT 1 FROM col a WHERE a.attrelid = t.oid AND a.attname = 'tenant' AND a.attnotnull)
ORDER BY 1;"

# The detector sees each kind of offence (in a transaction rolled back).
seen=$("${PSQL[@]}" 2>&1 <<SQL
BEGIN;
CREATE TABLE zz_bad_pk (tenant text NOT NULL REFERENCES tenants (id), id text, PRIMARY KEY (id, tenant));
CREATE TABLE zz_bad_unique (tenant text NOT NULL, id text, code text, PRIMARY KEY (tenant, id));
CREATE UNIQUE INDEX zz_bad_unique_code ON zz_bad_unique (lower(code), tenant);
CREATE TABLE zz_bad_fk (tenant text NOT NULL, account_id text PRIMARY KEY,
                        FOREIGN KEY (account_id, tenant) REFERENCES accounts (id, tenant));
CREATE TABLE zz_no_key (tenant text NOT NULL, x int);
CREATE TABLE zz_null_tenant (tenant text, x int, PRIMARY KEY (x));
$DETECT
ROLLBACK;
SQL
)
[ -n "${TEND_TEST_VERBOSE:-}" ] && echo "$seen"
for want in "zz_bad_pk: primary key does not lead with tenant" \
            "zz_bad_unique: unique index does not lead with tenant (CREATE UNIQUE INDEX zz_bad_unique_code" \
            "zz_bad_fk: primary key does not lead with tenant" \
            "zz_bad_fk: foreign key zz_bad_fk_account_id_tenant_fkey does not lead with tenant" \
            "zz_no_key: no primary key" \
            "zz_null_tenant: no NOT NULL tenant column" "zz_null_tenant: primary key does not lead with tenant"; do
  grep -qF -- "$want" <<<"$seen" || fail "the detector misses '$want'; it said:
$seen"
done
grep -q "^zz_bad_unique: primary key" <<<"$seen" && fail "the detector flags a good key: $seen"
[ "$("${PSQL[@]}" -c "SELECT to_regclass('zz_bad_pk') IS NULL")" = t ] || fail "the probe tables were not rolled back"

# The schema itself: nothing to report.
found=$("${PSQL[@]}" -c "$DETECT" 2>&1) || fail "catalog query: $found"
[ -z "$found" ] || fail "keys without the tenant first:
$found"

# And the rule covers the whole schema: every table but the two exempt has
# been looked at (so a table in another schema or a new exemption shows).
tables=$("${PSQL[@]}" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT IN ('tenants', 'schema_migrations')")
keys=$("${PSQL[@]}" -c "SELECT count(*) FROM pg_index ix JOIN pg_class c ON c.oid = ix.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND (ix.indisprimary OR ix.indisunique)
  AND c.relname NOT IN ('tenants', 'schema_migrations')")
[ "$tables" -ge 13 ] && [ "$keys" -ge "$tables" ] || fail "expected at least 13 tables with keys, saw $tables tables, $keys keys"
other=$("${PSQL[@]}" -c "SELECT string_agg(n.nspname || '.' || c.relname, ' ') FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('public', 'pg_catalog', 'information_schema', 'pg_toast')")
[ -z "$other" ] || fail "tables outside the public schema escape the check: $other"
echo "ok: $tables tables, $keys primary/unique keys, every one led by tenant"
