"""The SQL of the PostgreSQL audit: each statement reads one catalog or view in one pass."""

from __future__ import annotations

SERVER = """
SELECT current_setting('server_version_num')::int, version(), current_database(),
       pg_is_in_recovery(), extract(epoch FROM now())::float8,
       extract(epoch FROM pg_postmaster_start_time())::float8,
       (SELECT extract(epoch FROM stats_reset)::float8
          FROM pg_stat_database WHERE datname = current_database())
"""

SETTINGS = "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)"

SETTING_NAMES = [
    "max_connections",
    "superuser_reserved_connections",
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "autovacuum",
    "fsync",
    "track_counts",
    "autovacuum_freeze_max_age",
    "autovacuum_vacuum_scale_factor",
    "autovacuum_vacuum_threshold",
    "autovacuum_analyze_scale_factor",
    "autovacuum_analyze_threshold",
    "shared_preload_libraries",
    "block_size",
]

TABLES = """
WITH widths AS (
  SELECT c.oid AS relid, a.attnum, s.avg_width::float8 AS avg_width
    FROM pg_stats s
    JOIN pg_namespace n ON n.nspname = s.schemaname
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname
   WHERE NOT s.inherited AND s.schemaname NOT IN ('pg_catalog', 'information_schema')
     AND s.schemaname NOT LIKE 'pg\\_toast%%'
),
row_widths AS (SELECT relid, sum(avg_width) AS width FROM widths GROUP BY relid)
SELECT s.schemaname, s.relname, s.n_live_tup, s.n_dead_tup, coalesce(s.seq_scan, 0),
       coalesce(s.seq_tup_read, 0), coalesce(s.idx_scan, 0), s.n_mod_since_analyze,
       extract(epoch FROM greatest(s.last_vacuum, s.last_autovacuum))::float8,
       extract(epoch FROM greatest(s.last_analyze, s.last_autoanalyze))::float8,
       c.reltuples::float8, c.relpages, pg_table_size(c.oid), w.width,
       coalesce((SELECT substring(o FROM 'fillfactor=(\\d+)')::int
                   FROM unnest(c.reloptions) o WHERE o LIKE 'fillfactor=%%' LIMIT 1), 100),
       age(c.relfrozenxid), c.relhasindex,
       CASE WHEN greatest(c.reltuples, s.n_live_tup) >= %(column_rows)s THEN
         ARRAY(SELECT a.attname::text FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum)
       END
  FROM pg_stat_user_tables s
  JOIN pg_class c ON c.oid = s.relid
  LEFT JOIN row_widths w ON w.relid = c.oid
"""

INDEXES = """
WITH widths AS (
  SELECT c.oid AS relid, a.attnum, s.avg_width::float8 AS avg_width
    FROM pg_stats s
    JOIN pg_namespace n ON n.nspname = s.schemaname
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname
   WHERE NOT s.inherited AND s.schemaname NOT IN ('pg_catalog', 'information_schema')
     AND s.schemaname NOT LIKE 'pg\\_toast%%'
),
key_widths AS (
  SELECT i.indexrelid,
         CASE WHEN bool_and(w.avg_width IS NOT NULL) THEN sum(w.avg_width) END AS width
    FROM pg_index i
   CROSS JOIN LATERAL unnest(i.indkey::int2[]) AS k(attnum)
    LEFT JOIN widths w ON w.relid = i.indrelid AND w.attnum = k.attnum
   GROUP BY i.indexrelid
),
building AS (SELECT DISTINCT relid FROM pg_stat_progress_create_index)
SELECT n.nspname, t.relname, ic.relname, pg_get_indexdef(i.indexrelid), am.amname,
       i.indkey::text, i.indclass::text, i.indoption::text,
       pg_get_expr(i.indexprs, i.indrelid), pg_get_expr(i.indpred, i.indrelid),
       i.indisunique, i.indisprimary, i.indisvalid,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid),
       coalesce(s.idx_scan, 0), pg_relation_size(i.indexrelid), ic.relpages,
       ic.reltuples::float8, kw.width, b.relid IS NOT NULL
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_am am ON am.oid = ic.relam
  LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
  LEFT JOIN key_widths kw ON kw.indexrelid = i.indexrelid
  LEFT JOIN building b ON b.relid = i.indrelid
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname NOT LIKE 'pg\\_toast%%'
"""

SEQUENCES = """
SELECT s.schemaname, s.sequencename, s.last_value, s.max_value, s.increment_by,
       o.col, o.typ
  FROM pg_sequences s
  JOIN pg_namespace n ON n.nspname = s.schemaname
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
  LEFT JOIN LATERAL (
    SELECT tn.nspname || '.' || t.relname || '.' || a.attname AS col,
           format_type(a.atttypid, NULL) AS typ
      FROM pg_depend d
      JOIN pg_class t ON t.oid = d.refobjid
      JOIN pg_namespace tn ON tn.oid = t.relnamespace
      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       AND d.refobjsubid > 0
     LIMIT 1) o ON true
 WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema')
     AND s.schemaname NOT LIKE 'pg\\_toast%%'
"""

SESSIONS = """
SELECT pid, coalesce(usename, ''), coalesce(application_name, ''), coalesce(state, ''),
       left(coalesce(query, ''), 2000),
       extract(epoch FROM now() - query_start)::float8,
       extract(epoch FROM now() - xact_start)::float8,
       extract(epoch FROM now() - state_change)::float8,
       wait_event_type,
       CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) ELSE '{}'::int[] END
  FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid()
   AND backend_type = 'client backend'
"""

CONNECTIONS = """
SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity
 WHERE backend_type = 'client backend' GROUP BY 1
"""

DATABASE_AGES = "SELECT datname, age(datfrozenxid) FROM pg_database WHERE datallowconn"

CACHE = """
SELECT coalesce(sum(heap_blks_hit), 0)::bigint, coalesce(sum(heap_blks_read), 0)::bigint,
       coalesce(sum(idx_blks_hit), 0)::bigint, coalesce(sum(idx_blks_read), 0)::bigint
  FROM pg_statio_user_tables
"""

PGSS_AVAILABLE = "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_stat_statements'"

PGSS_SCHEMA = """
SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'pg_stat_statements'
"""

# {schema} is filled with a quoted identifier; the column names changed in PostgreSQL 13.
PGSS_STATEMENTS = """
SELECT query, calls, {total}, {mean}, rows FROM {schema}.pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
 ORDER BY {total} DESC LIMIT 100
"""

STANDBY_DELAY = "SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"

REPLICAS = """
SELECT coalesce(application_name, ''), coalesce(state, ''),
       extract(epoch FROM replay_lag)::float8,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint
  FROM pg_stat_replication
"""

SLOTS = """
SELECT slot_name, active,
       CASE WHEN restart_lsn IS NOT NULL AND NOT pg_is_in_recovery()
            THEN pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint END
  FROM pg_replication_slots
"""

INVALID_CONSTRAINTS = """
SELECT n.nspname, t.relname, k.conname, k.contype::text
  FROM pg_constraint k
  JOIN pg_class t ON t.oid = k.conrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE NOT k.convalidated AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname NOT LIKE 'pg\\_toast%%'
"""
