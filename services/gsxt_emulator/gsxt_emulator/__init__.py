"""EMULATOR of the National Enterprise Credit Information Publicity System (GSXT).

Development and tests only: the real gateway is outside our reach. Its publication desk
(:mod:`gsxt_emulator.publications`) validates records as GSXT would, keeps each record once
per record id (idempotent resubmission), can be told to fail, hang or answer slowly for a
number of calls or a while, and counts what it received so tests can prove exactly-once
delivery. It also serves the collaborative platform's change feed (:mod:`gsxt_emulator.feed`).
"""
