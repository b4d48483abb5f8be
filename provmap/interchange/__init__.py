"""Getting data in and out: pupils from the MIS (CSV, XLSX, CTF), existing spreadsheet maps,
results, and exports of the map (XLSX, CSV)."""
