"""EMULATOR of the National Enterprise Credit Information Publicity System (GSXT).

Development and tests only: the real gateway is outside our reach. It accepts, stores
(in memory) and lists publications, and can be told to fail or slow down so that the
results service's delivery retries can be exercised.
"""
