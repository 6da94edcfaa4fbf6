"""Import the catalogue and its copies from the library system's exports.

A network exports its catalogue from its library management system (ILS)
every night: UNIMARC with copies in field 995 (French networks), MARC 21
with copies in 952 (Koha), MARCXML, or a CSV. The import reads such a file
as a stream, one record at a time, and keeps the catalogue in step:

- ``formats``: guess a file's format from its first bytes;
- ``marc`` and ``csv_file``: read a file into ``SourceRecord`` items, one per
  record, or a ``Rejected`` for a record that cannot be read;
- ``mapping``: turn a MARC record (UNIMARC or MARC 21) into ``RecordData``;
- ``branch_codes``: the library system's branch codes and their branches;
- ``loader``: write batches of records and copies (upsert by the record's
  identifier and the copy's barcode), counting what changed;
- ``report``: what an import did, for the command, the admin and the logs.

``catalog.services.import_catalogue`` ties them together.
"""
