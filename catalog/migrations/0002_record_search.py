"""Full-text and typo-tolerant search of records on PostgreSQL (a no-op on SQLite).

- ``cc_french``: the French text search configuration with ``unaccent`` in front
  of the French stemmer, so "écume" and "ecume" give the same lexeme.
- ``cc_unaccent(text)``: ``unaccent`` declared IMMUTABLE (the extension's own
  function is only STABLE because its dictionary could change), so that it can
  be used in an index expression.
- ``catalog_record.search_vector``: a stored generated tsvector, title (A) >
  creators (B) > subjects (C) > publisher (D), with a GIN index. The model does
  not declare it: catalog.search reads it with raw SQL, and loaders that name
  their columns (seed_demo's COPY) leave PostgreSQL to fill it.
- ``record_title_search``: a GIN index on the title's own tsvector, so that a
  very common word ranks the records that have it in their title without
  ranking the hundreds of thousands that only mention it elsewhere.
- ``catalog_search_word``: the lexicon of the catalogue (each unaccented,
  lower-cased word of the titles, creators and subjects, with how many records
  use it; words with a letter, 3 to 40 characters) and its GIN trigram
  index, kept by statement-level triggers (one aggregate per INSERT, UPDATE or
  COPY statement, not one per row; emptied with the table by TRUNCATE).
  Deleting a record leaves its words: a stale word only costs a correction
  that finds nothing. Misspelt query
  words are corrected against it ("harri poter" -> "harry potter"), which is
  the approach of the pg_trgm documentation: a trigram search over a few
  tens of thousands of words instead of a million titles.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    CREATE FUNCTION cc_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
    """,
    "CREATE TEXT SEARCH CONFIGURATION cc_french (COPY = pg_catalog.french)",
    """
    ALTER TEXT SEARCH CONFIGURATION cc_french
    ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, french_stem
    """,
    """
    ALTER TABLE catalog_record ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('public.cc_french'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('public.cc_french'::regconfig, coalesce(creators, '')), 'B')
        || setweight(to_tsvector('public.cc_french'::regconfig, coalesce(subjects, '')), 'C')
        || setweight(to_tsvector('public.cc_french'::regconfig, coalesce(publisher, '')), 'D')
    ) STORED
    """,
    "CREATE INDEX record_search_vector ON catalog_record USING gin (search_vector)",
    """
    CREATE INDEX record_title_search ON catalog_record
    USING gin (to_tsvector('public.cc_french'::regconfig, title))
    """,
    """
    CREATE TABLE catalog_search_word (
        word text PRIMARY KEY,
        records integer NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE INDEX catalog_search_word_trgm ON catalog_search_word USING gin (word gin_trgm_ops)
    """,
    # Updates may count a record twice for a word: the count only breaks ties.
    """
    CREATE FUNCTION cc_add_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO catalog_search_word AS known (word, records)
        SELECT word, count(*)
        FROM changed_records,
            unnest(tsvector_to_array(to_tsvector('pg_catalog.simple'::regconfig,
                public.cc_unaccent(lower(concat_ws(' ', title, creators, subjects))))))
            AS words(word)
        WHERE length(word) BETWEEN 3 AND 40 AND word ~ '[[:alpha:]]'
        GROUP BY word
        ON CONFLICT (word) DO UPDATE SET records = known.records + excluded.records;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER record_search_words_insert AFTER INSERT ON catalog_record
    REFERENCING NEW TABLE AS changed_records
    FOR EACH STATEMENT EXECUTE FUNCTION cc_add_search_words()
    """,
    """
    CREATE TRIGGER record_search_words_update AFTER UPDATE ON catalog_record
    REFERENCING NEW TABLE AS changed_records
    FOR EACH STATEMENT EXECUTE FUNCTION cc_add_search_words()
    """,
    """
    CREATE FUNCTION cc_clear_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE catalog_search_word;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER record_search_words_truncate AFTER TRUNCATE ON catalog_record
    FOR EACH STATEMENT EXECUTE FUNCTION cc_clear_search_words()
    """,
    # Records already there (a migration of a live catalogue).
    """
    INSERT INTO catalog_search_word (word, records)
    SELECT word, count(*)
    FROM catalog_record,
        unnest(tsvector_to_array(to_tsvector('pg_catalog.simple'::regconfig,
            public.cc_unaccent(lower(concat_ws(' ', title, creators, subjects))))))
        AS words(word)
    WHERE length(word) BETWEEN 3 AND 40 AND word ~ '[[:alpha:]]'
    GROUP BY word
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS record_search_words_truncate ON catalog_record",
    "DROP FUNCTION IF EXISTS cc_clear_search_words()",
    "DROP TRIGGER IF EXISTS record_search_words_update ON catalog_record",
    "DROP TRIGGER IF EXISTS record_search_words_insert ON catalog_record",
    "DROP FUNCTION IF EXISTS cc_add_search_words()",
    "DROP TABLE IF EXISTS catalog_search_word",
    "DROP INDEX IF EXISTS record_title_search",
    "DROP INDEX IF EXISTS record_search_vector",
    "ALTER TABLE catalog_record DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS cc_french",
    "DROP FUNCTION IF EXISTS cc_unaccent(text)",
    # The extensions stay: other objects of the database may use them.
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
