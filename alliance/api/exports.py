"""JSON API: exports and jobs (POST /books/{book}/exports, GET /jobs/{job})."""
