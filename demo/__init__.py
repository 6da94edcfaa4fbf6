"""Demo data: the Paris lending libraries and a catalogue from open bibliographic data.

Used by ``manage.py seed_demo``; the data files and their licences are in ``data/``.
"""
